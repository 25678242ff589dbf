/**
 * `ghmon up` as a library: derive the local config, generate its files into <state>/out with the same
 * generators as `ghmon build`, start every process under the supervisor and wait until all are ready.
 * One stack per state directory; a second `up` while one runs is refused.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { MonitoringConfig } from '../config/schema.ts';
import { generate } from '../generate.ts';
import { buildModel } from '../model/model.ts';
import { UserError } from '../util/errors.ts';
import { writeOutput } from '../util/write.ts';
import { bundle, stopBundler } from './bundle.ts';
import { clusterPortName, REPO_ROOT, SCRIPTS, type Scripts, stackComponents } from './components.ts';
import type { StackInfo } from './info.ts';
import { type Layout, layout as makeLayout } from './layout.ts';
import { localConfig } from './local-config.ts';
import { hasPushServices } from './long-term.ts';
import { livePid, livePids, signal, writePidFile } from './pids.ts';
import { assertPortsFree, DEFAULT_PORTS, freePort, type Ports, SERVICE_BASE_PORT } from './ports.ts';
import { scalePorts, scaleSized } from './scale.ts';
import { LONG_TERM_COMPONENTS, VICTORIA_METRICS } from './spec.ts';
import { Supervisor, type SupervisorEvent } from './supervisor.ts';

export interface UpOptions {
  config: MonitoringConfig;
  stateDir?: string;
  /** Overrides of DEFAULT_PORTS and service ports, by name. */
  ports?: Ports;
  /** Demo requests per second per service (default 5; 0 disables the traffic generator). */
  rps?: number;
  fast?: boolean;
  /** Also run VictoriaMetrics as the long-term store, Prometheus remote-writing to it (`--long-term`). */
  longTerm?: boolean;
  /** Run a Prometheus pair and a 3-peer Alertmanager cluster (overrides the config's `ha`). */
  ha?: boolean;
  /** Run on VictoriaMetrics' engine instead of Prometheus (stack/scale.ts; `--scale`). */
  scale?: boolean;
  onEvent?: (e: SupervisorEvent) => void;
  /** Supervisor tuning (tests). */
  graceMs?: number;
  backoffMs?: number;
}

export interface RunningStack {
  info: StackInfo;
  layout: Layout;
  supervisor: Supervisor;
  /** Milliseconds from the call to every process ready. */
  readyMs: number;
  stop(): Promise<void>;
}

export function stackPorts(config: MonitoringConfig, overrides: Ports = {}, longTerm = false): Ports {
  const ports: Ports = { ...DEFAULT_PORTS };
  if (!longTerm || config.scale) for (const name of LONG_TERM_COMPONENTS) delete ports[name];
  // --scale: vmagent, vmalert and VictoriaMetrics in Prometheus' place.
  if (config.scale) {
    delete ports.prometheus;
    Object.assign(ports, scalePorts());
  }
  // HA: more replicas and peers beside the defaults (9091…, 9095/9097…), each peer with a gossip port.
  for (let i = 1; i < config.ha.prometheusReplicas; i++) ports[`prometheus-${i}`] = DEFAULT_PORTS.prometheus + i;
  if (config.ha.alertmanagerPeers > 1) {
    for (let i = 0; i < config.ha.alertmanagerPeers; i++) {
      const name = i === 0 ? 'alertmanager' : `alertmanager-${i}`;
      if (i > 0) ports[name] = DEFAULT_PORTS.alertmanager + 2 * i;
      ports[clusterPortName(name)] = DEFAULT_PORTS.alertmanager + 2 * i + 1;
    }
  }
  config.services.forEach((s, i) => {
    ports[s.name] = SERVICE_BASE_PORT + i;
  });
  for (const name of Object.keys(overrides)) {
    if (!(name in ports)) {
      throw new UserError(`--port ${name}=…: unknown component (known: ${Object.keys(ports).join(', ')})`);
    }
  }
  return { ...ports, ...overrides };
}

/** The config as `ghmon up --ha` runs it: a Prometheus pair and a 3-peer Alertmanager cluster. */
export function haSized(config: MonitoringConfig, ha = false): MonitoringConfig {
  return ha ? { ...config, ha: { prometheusReplicas: 2, alertmanagerPeers: 3 } } : config;
}

/**
 * A free 127.0.0.1 port for every component `stackPorts` names (tests and benchmarks, which must not collide
 * with a stack on the default ports). `ha` sizes the config as `ghmon up --ha` does.
 */
export async function freeStackPorts(
  config: MonitoringConfig,
  opts: { ha?: boolean; longTerm?: boolean; scale?: boolean } = {},
): Promise<Ports> {
  const sized = opts.scale ? scaleSized(config, 0) : haSized(config, opts.ha);
  const ports: Ports = {};
  for (const name of Object.keys(stackPorts(sized, {}, opts.longTerm ?? false))) ports[name] = await freePort();
  return ports;
}

/** A 32-character routing key for the local receiver, created once, readable only by its owner. */
function ensureRoutingKey(file: string): void {
  if (existsSync(file)) return;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${randomBytes(16).toString('hex')}\n`, { mode: 0o600 });
}

/** Kills processes a crashed earlier `up` left behind (found through their pid files). */
export function reapLeftovers(l: Layout): string[] {
  const reaped: string[] = [];
  for (const [name, pid] of livePids(l.pids)) {
    if (signal(pid, 'SIGKILL')) reaped.push(`${name} (pid ${pid})`);
  }
  return reaped;
}

export async function startStack(opts: UpOptions): Promise<RunningStack> {
  const started = Date.now();
  const l = makeLayout(opts.stateDir);
  mkdirSync(l.root, { recursive: true });
  const running = livePid(l.supervisorPid);
  if (running !== undefined && running !== process.pid) {
    throw new UserError(`ghmon is already running (pid ${running}, state in ${l.root}). Stop it with \`ghmon down\`.`);
  }
  reapLeftovers(l);
  if (opts.scale && (opts.ha || opts.longTerm))
    throw new UserError(
      '--scale runs its own store and Alertmanager cluster: it does not combine with --ha or --long-term',
    );
  const sized = opts.scale ? scaleSized(opts.config, 0) : haSized(opts.config, opts.ha);
  const ports = stackPorts(sized, opts.ports, opts.longTerm);
  const config = opts.scale ? scaleSized(opts.config, ports[VICTORIA_METRICS] as number) : sized;
  await assertPortsFree(ports);
  ensureRoutingKey(l.routingKeyFile);
  ensureRoutingKey(l.metricsTokenFile); // a random secret file too: the demo services' /metrics token
  const model = buildModel(
    localConfig(config, { ports, layout: l, fast: opts.fast ?? false, longTerm: opts.longTerm ?? false }),
  );
  writeOutput(l.out, generate(model));

  const specs = stackComponents(model, {
    layout: l,
    ports,
    rps: opts.rps ?? 5,
    scripts: await bundledScripts(),
    remoteWriteReceiver: hasPushServices(opts.config),
  });
  writePidFile(l.supervisorPid, process.pid);
  const info: StackInfo = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    ports,
    components: specs.map((s) => ({ name: s.name, kind: s.kind, url: s.url, port: s.port })),
    services: model.services.map((s) => s.name),
    pushServices: model.services.filter((s) => s.push).map((s) => s.name),
    routingKeyFile: l.routingKeyFile,
    out: l.out,
  };
  writeFileSync(l.stackFile, `${JSON.stringify(info, null, 2)}\n`);

  const supervisor = new Supervisor({
    layout: l,
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}),
    ...(opts.backoffMs !== undefined ? { backoffMs: opts.backoffMs } : {}),
  });
  const stop = async () => {
    await supervisor.stop();
    rmSync(l.stackFile, { force: true });
    if (livePid(l.supervisorPid) === process.pid) rmSync(l.supervisorPid, { force: true });
  };
  try {
    // Everything starts at once; Prometheus and Alertmanager find their targets as they come up.
    await Promise.all(specs.map((s) => supervisor.start(s)));
  } catch (err) {
    await stop();
    throw new UserError(`the stack did not start: ${(err as Error).message}`);
  }
  return { info, layout: l, supervisor, readyMs: Date.now() - started, stop };
}

/** Bundles of our own processes (see bundle.ts); the sources through tsx if bundling fails. */
async function bundledScripts(): Promise<Scripts> {
  const dir = join(REPO_ROOT, 'node_modules', '.cache', 'ghmon');
  try {
    const [receiver, traffic, tsService, dashboard] = await Promise.all([
      bundle(SCRIPTS.receiver, dir, 'receiver', REPO_ROOT),
      bundle(SCRIPTS.traffic, dir, 'traffic', REPO_ROOT),
      bundle(SCRIPTS.tsService, dir, 'ts-service', REPO_ROOT),
      bundle(SCRIPTS.dashboard, dir, 'dashboard', REPO_ROOT),
    ]);
    return { receiver, traffic, tsService, dashboard };
  } catch {
    return SCRIPTS;
  } finally {
    // esbuild's service is a child process that would otherwise live as long as the supervisor.
    await stopBundler();
  }
}
