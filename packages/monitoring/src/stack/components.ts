/** The processes of the local stack, as data: what to run, where it listens, how to tell it is ready. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OUT } from '../conventions.ts';
import { extendStack } from '../longterm/stack.ts';
import type { Model } from '../model/model.ts';
import type { Layout } from './layout.ts';
import type { Ports } from './ports.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const STACK_SRC = fileURLToPath(new URL('./', import.meta.url));

export interface ChildSpec {
  name: string;
  kind: 'monitoring' | 'service' | 'tool';
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd: string;
  /** GET this URL until it answers 2xx; undefined: ready once started. */
  ready?: string;
  /** What to open in a browser, if anything. */
  url?: string;
  port?: number;
}

/** Our TypeScript processes: a prebuilt bundle on plain node, or the source through tsx. */
function tsNode(file: string, args: string[] = []): { command: string; args: string[] } {
  const loader = file.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return { command: process.execPath, args: [...loader, file, ...args] };
}

/** Entry points of our own processes. */
export const SCRIPTS = {
  receiver: join(STACK_SRC, 'pagerduty/main.ts'),
  traffic: join(STACK_SRC, 'traffic/main.ts'),
  tsService: join(REPO_ROOT, 'examples/ts-service/src/main.ts'),
};
export type Scripts = typeof SCRIPTS;

/** The Python demo service, when the FastAPI example and Debian's python3 packages are there. */
export function pythonDemo(): { command: string; args: string[] } | undefined {
  const main = join(REPO_ROOT, 'examples/fastapi-service/main.py');
  if (!existsSync(main) || !existsSync('/usr/bin/python3')) return undefined;
  return { command: '/usr/bin/python3', args: [main] };
}

function demoService(model: Model, scripts: Scripts, name: string, runtime: string, port: number): ChildSpec {
  const python = runtime === 'python' ? pythonDemo() : undefined;
  const run = python ?? tsNode(scripts.tsService);
  const base = `http://127.0.0.1:${port}`;
  return {
    name,
    kind: 'service',
    ...run,
    env: { PORT: String(port), HOST: '127.0.0.1', SERVICE_NAME: name, ENVIRONMENT: model.environment },
    cwd: REPO_ROOT,
    ready: `${base}/health`,
    url: `${base}/metrics`,
    port,
  };
}

export interface StackOptions {
  layout: Layout;
  ports: Ports;
  /** Demo requests per second to each service (0: no traffic generator). */
  rps: number;
  /** Where our own processes' code is (bundles from bundle.ts, or SCRIPTS). */
  scripts?: Scripts;
  /** Add `--web.enable-remote-write-receiver` to Prometheus (the user's config has push services). */
  remoteWriteReceiver?: boolean;
}

export function stackComponents(model: Model, opts: StackOptions): ChildSpec[] {
  const { layout, ports } = opts;
  const scripts = opts.scripts ?? SCRIPTS;
  const p = (name: string) => ports[name] as number;
  const at = (name: string) => `http://127.0.0.1:${p(name)}`;
  const specs: ChildSpec[] = [
    {
      name: 'prometheus',
      kind: 'monitoring',
      command: '/usr/bin/prometheus',
      args: [
        `--config.file=${join(layout.out, OUT.prometheusConfig)}`,
        `--storage.tsdb.path=${join(layout.data, 'prometheus')}`,
        `--storage.tsdb.retention.time=${model.retention}`,
        `--web.listen-address=127.0.0.1:${p('prometheus')}`,
        `--web.external-url=${at('prometheus')}`,
      ],
      cwd: layout.root,
      ready: `${at('prometheus')}/-/ready`,
      url: at('prometheus'),
      port: p('prometheus'),
    },
    {
      name: 'alertmanager',
      kind: 'monitoring',
      command: '/usr/bin/prometheus-alertmanager',
      args: [
        `--config.file=${join(layout.out, OUT.alertmanagerConfig)}`,
        `--storage.path=${join(layout.data, 'alertmanager')}`,
        `--web.listen-address=127.0.0.1:${p('alertmanager')}`,
        `--web.external-url=${at('alertmanager')}`,
        // A single node: no gossip port (HA runs a cluster on purpose, see `ghmon up --ha`).
        '--cluster.listen-address=',
      ],
      cwd: layout.root,
      ready: `${at('alertmanager')}/-/ready`,
      url: at('alertmanager'),
      port: p('alertmanager'),
    },
    {
      name: 'node-exporter',
      kind: 'monitoring',
      command: '/usr/bin/prometheus-node-exporter',
      args: [`--web.listen-address=127.0.0.1:${p('node-exporter')}`],
      cwd: layout.root,
      ready: `${at('node-exporter')}/metrics`,
      port: p('node-exporter'),
    },
    {
      name: 'receiver',
      kind: 'tool',
      ...tsNode(scripts.receiver, [
        '--port',
        String(p('receiver')),
        '--state',
        layout.receiverState,
        '--routing-key-file',
        layout.routingKeyFile,
      ]),
      cwd: REPO_ROOT,
      ready: `${at('receiver')}/health`,
      url: at('receiver'),
      port: p('receiver'),
    },
    ...model.services.map((s) => demoService(model, scripts, s.name, s.runtime, p(s.name))),
  ];
  if (opts.rps > 0) {
    specs.push({
      name: 'traffic',
      kind: 'tool',
      ...tsNode(scripts.traffic, [
        ...model.services.flatMap((s) => ['--target', `${s.name}=http://127.0.0.1:${p(s.name)}`]),
        '--rps',
        String(opts.rps),
      ]),
      cwd: REPO_ROOT,
    });
  }
  // Push services' receiver flag, and VictoriaMetrics when the local config has `longTerm` (--long-term).
  return extendStack(specs, model, opts);
}
