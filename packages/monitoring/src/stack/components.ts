/** The processes of the local stack, as data: what to run, where it listens, how to tell it is ready. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LABEL, OUT } from '../conventions.ts';
import { replicaNames } from '../generators/prometheus/config/prometheus-yml.ts';
import type { Model, ServiceModel } from '../model/model.ts';
import { parseDuration } from '../util/duration.ts';
import type { Layout } from './layout.ts';
import type { Ports } from './ports.ts';
import { scaleSpecs } from './scale.ts';
import { BIN, type ChildSpec, LONG_TERM_DASHBOARD, REMOTE_WRITE_RECEIVER_FLAG, VICTORIA_METRICS } from './spec.ts';
import { victoriaMetricsSpec, victoriaMetricsUrls } from './victoria-metrics.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/**
 * The stack's own processes start from their TypeScript sources (bundled by bundle.ts), which the package ships:
 * the same path from src/stack/ and from the built dist/stack/.
 */
const STACK_SRC = fileURLToPath(new URL('../../src/stack/', import.meta.url));

export type { ChildSpec };

/** Our TypeScript processes: a prebuilt bundle on plain node, or the source through tsx. */
function tsNode(file: string, args: string[] = []): { command: string; args: string[] } {
  const loader = file.endsWith('.ts') ? ['--conditions=@greyhaven/source', '--import', 'tsx'] : [];
  return { command: process.execPath, args: [...loader, file, ...args] };
}

/** Entry points of our own processes. */
export const SCRIPTS = {
  receiver: join(STACK_SRC, 'pagerduty/main.ts'),
  traffic: join(STACK_SRC, 'traffic/main.ts'),
  tsService: join(REPO_ROOT, 'examples/ts-service/src/main.ts'),
  dashboard: join(STACK_SRC, 'dashboard/main.ts'),
};
/** The dashboard viewer's app (packages/dashboard), passed explicitly: a bundle's import.meta.url is elsewhere. */
const DASHBOARD_APP = join(REPO_ROOT, 'packages/dashboard');
export type Scripts = typeof SCRIPTS;

/** The Python demo service, when the FastAPI example and Debian's python3 packages are there. */
export function pythonDemo(): { command: string; args: string[] } | undefined {
  const main = join(REPO_ROOT, 'examples/fastapi-service/main.py');
  if (!existsSync(main) || !existsSync('/usr/bin/python3')) return undefined;
  return { command: '/usr/bin/python3', args: [main] };
}

/** The local Prometheus' remote-write receivers (`/api/v1/write`), one per replica (with HA both get every push). */
export function remoteWriteUrls(model: Pick<Model, 'ha' | 'scale'>, ports: Ports): string[] {
  // --scale: no Prometheus; push services write to the store, as vmagent does.
  if (model.scale) return [model.scale.writeUrl];
  return prometheusNames(model).map((n) => `http://127.0.0.1:${ports[n]}/api/v1/write`);
}

/**
 * A push service's demo (config `push: { protocol: 'remote-write' }`, e.g. Grey Haven's `api` on Cloudflare Workers)
 * pushes its series the way the Worker does: the TypeScript demo service with `RemoteWriter` from
 * @greyhaven/metrics/workers — the code `withRemoteWrite` runs in each isolate — under a random per-process
 * `instance`, a push scheduled after each request, to the local Prometheus' receiver; it serves no `/metrics`.
 * Not workerd through miniflare: the stack already misses its memory goal (README, "Performance") and a
 * miniflare host plus its workerd measured 104 + 55 = 159 MB RSS against 59 MB for this node process (see
 * README, "What `ghmon up` runs"). What differs from a real Worker is the runtime, not the protocol or the writer.
 */
function pushEnv(model: Model, service: ServiceModel, ports: Ports): Record<string, string> {
  return {
    REMOTE_WRITE_URLS: remoteWriteUrls(model, ports).join(','),
    // The labels the Worker is told to push with: the service's target labels as a scrape job would attach them.
    REMOTE_WRITE_LABELS: JSON.stringify({ ...service.targetLabels, [LABEL.job]: service.job }),
    // One push per scrape interval at most, as a scrape would sample (withRemoteWrite's default is 10 s).
    REMOTE_WRITE_INTERVAL_MS: String(parseDuration(model.scrapeInterval) ?? 10_000),
  };
}

function demoService(model: Model, scripts: Scripts, service: ServiceModel, ports: Ports): ChildSpec {
  const { name, runtime } = service;
  const port = ports[name] as number;
  const python = runtime === 'python' && !service.push ? pythonDemo() : undefined;
  const run = python ?? tsNode(scripts.tsService);
  const base = `http://127.0.0.1:${port}`;
  const tokenFile = service.scrape?.auth?.bearerTokenFile;
  return {
    name,
    kind: 'service',
    ...run,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      SERVICE_NAME: name,
      ENVIRONMENT: model.environment,
      // `/metrics` answers 401 without this token (the local Prometheus sends it from the same file).
      ...(tokenFile ? { GREYHAVEN_METRICS_TOKEN_FILE: tokenFile } : {}),
      ...(service.push ? pushEnv(model, service, ports) : {}),
    },
    cwd: REPO_ROOT,
    ready: `${base}/health`,
    // A push service has nothing to scrape: its injection switch is what there is to look at.
    url: service.push ? `${base}/admin/inject` : `${base}/metrics`,
    port,
  };
}

/**
 * The dashboard viewer (packages/dashboard): the generated Grafana dashboards rendered against this stack's
 * Prometheus, which it proxies read-only. It builds the app first when dist/ is missing or stale.
 */
function dashboardViewer(
  layout: Layout,
  script: string,
  port: number,
  prometheus: string,
  name = 'dashboard',
): ChildSpec {
  const at = `http://127.0.0.1:${port}`;
  return {
    name,
    kind: 'tool',
    ...tsNode(script, [
      '--app',
      DASHBOARD_APP,
      '--port',
      String(port),
      '--prometheus',
      prometheus,
      '--dashboards',
      join(layout.out, OUT.grafanaDashboardsDir),
    ]),
    cwd: REPO_ROOT,
    ready: `${at}/health`,
    url: `${at}/`,
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

/** Component names of the Prometheus replicas: `prometheus`, then `prometheus-1`, … (HA). */
export function prometheusNames(model: Pick<Model, 'ha'>): string[] {
  return replicaNames(model).map((_, i) => (i === 0 ? 'prometheus' : `prometheus-${i}`));
}

/** Component names of the Alertmanager peers: `alertmanager`, then `alertmanager-1`, … (HA). */
export function alertmanagerNames(model: Pick<Model, 'ha'>): string[] {
  return Array.from({ length: model.ha.alertmanagerPeers }, (_, i) => (i === 0 ? 'alertmanager' : `alertmanager-${i}`));
}

/** The gossip port of an Alertmanager peer has its own entry in the ports: `<name>-cluster`. */
export const clusterPortName = (peer: string) => `${peer}-cluster`;

function prometheusSpecs(model: Model, layout: Layout, ports: Ports, remoteWriteReceiver: boolean): ChildSpec[] {
  const replicas = replicaNames(model);
  return prometheusNames(model).map((name, i) => {
    const port = ports[name] as number;
    const at = `http://127.0.0.1:${port}`;
    const config = replicas.length > 1 ? OUT.prometheusReplicaConfig(replicas[i] as string) : OUT.prometheusConfig;
    return {
      name,
      kind: 'monitoring',
      command: BIN.prometheus,
      args: [
        `--config.file=${join(layout.out, config)}`,
        `--storage.tsdb.path=${join(layout.data, name)}`,
        `--storage.tsdb.retention.time=${model.retention}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.external-url=${at}`,
        ...(remoteWriteReceiver ? [REMOTE_WRITE_RECEIVER_FLAG] : []),
      ],
      cwd: layout.root,
      ready: `${at}/-/ready`,
      url: at,
      port,
    };
  });
}

/** A quarter of group_interval, at most Alertmanager's default of 15s. */
function peerTimeout(model: Model): string {
  const ms = parseDuration(model.routing.groupInterval) ?? 300_000;
  return `${Math.max(1, Math.min(15, Math.floor(ms / 4000)))}s`;
}

function alertmanagerSpecs(model: Model, layout: Layout, ports: Ports): ChildSpec[] {
  const names = alertmanagerNames(model);
  const gossip = names.map((n) => `127.0.0.1:${ports[clusterPortName(n)]}`);
  return names.map((name, i) => {
    const port = ports[name] as number;
    const at = `http://127.0.0.1:${port}`;
    const cluster =
      names.length > 1
        ? [
            `--cluster.listen-address=${gossip[i]}`,
            `--cluster.advertise-address=${gossip[i]}`,
            ...gossip.filter((_, j) => j !== i).map((peer) => `--cluster.peer=${peer}`),
            // Locally the peers find each other within a second; don't hold notifications for the default minute.
            '--cluster.settle-timeout=5s',
            // Peer n waits n × peer-timeout before notifying; that must stay well below group_interval, or a
            // later peer re-sends what an earlier one already did (fast mode has a 10s group_interval).
            `--cluster.peer-timeout=${peerTimeout(model)}`,
          ]
        : // A single node: no gossip port.
          ['--cluster.listen-address='];
    return {
      name,
      kind: 'monitoring',
      command: BIN.alertmanager,
      args: [
        `--config.file=${join(layout.out, OUT.alertmanagerConfig)}`,
        `--storage.path=${join(layout.data, name)}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.external-url=${at}`,
        ...cluster,
      ],
      cwd: layout.root,
      ready: `${at}/-/ready`,
      url: at,
      port,
    };
  });
}

export function stackComponents(model: Model, opts: StackOptions): ChildSpec[] {
  const { layout, ports } = opts;
  const scripts = opts.scripts ?? SCRIPTS;
  const p = (name: string) => ports[name] as number;
  const at = (name: string) => `http://127.0.0.1:${p(name)}`;
  // --scale: vmagent, vmalert and VictoriaMetrics in Prometheus' place; the dashboards read the store.
  const engine = model.scale
    ? scaleSpecs(model, layout, ports)
    : prometheusSpecs(model, layout, ports, opts.remoteWriteReceiver ?? false);
  const queryApi = model.scale ? model.scale.queryUrl : at('prometheus');
  const specs: ChildSpec[] = [
    ...engine,
    ...alertmanagerSpecs(model, layout, ports),
    {
      name: 'node-exporter',
      kind: 'monitoring',
      command: BIN.nodeExporter,
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
    dashboardViewer(layout, scripts.dashboard, p('dashboard'), queryApi),
    ...model.services.map((s) => demoService(model, scripts, s, ports)),
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
  specs.push(...longTermSpecs(model, layout, ports, scripts));
  return specs;
}

/**
 * With `longTerm` in the local config (`ghmon up --long-term`): VictoriaMetrics, and the dashboard viewer again on
 * its own port, proxying VictoriaMetrics instead of Prometheus: VictoriaMetrics answers the same query API, so the
 * same dashboards show the long-term data.
 */
function longTermSpecs(model: Model, layout: Layout, ports: Ports, scripts: Scripts): ChildSpec[] {
  const port = ports[VICTORIA_METRICS];
  if (!model.longTerm || port === undefined) return [];
  const specs = [victoriaMetricsSpec({ layout, port })];
  const viewerPort = ports[LONG_TERM_DASHBOARD];
  if (viewerPort !== undefined) {
    const store = victoriaMetricsUrls(`http://127.0.0.1:${port}`).query;
    specs.push(dashboardViewer(layout, scripts.dashboard, viewerPort, store, LONG_TERM_DASHBOARD));
  }
  return specs;
}
