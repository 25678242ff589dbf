/**
 * Test support: a real Prometheus (Debian's /usr/bin/prometheus, 2.42) for a test, on a free 127.0.0.1 port.
 *
 * `startPrometheus({ config })` writes prometheus.yml (text, or a function of the port for a config that scrapes
 * Prometheus itself) into a fresh temp directory, starts Prometheus with its TSDB there and any extra flags, waits
 * until `/-/ready` answers 200 (with `headers`, e.g. the basic auth of a `--web.config.file`) and returns a handle:
 * its URL, `query(expr)`, `targets()`, `settled(jobs)` (wait for a fresh scrape of each job) and `stop()`.
 * `startPrometheusCommand` does the same for a command line made elsewhere (e.g. the stack's own component spec).
 *
 * Cleanup: `stop()` always ends the process (SIGTERM, then SIGKILL after `stopTimeoutMs`), waits for it, and removes
 * the temp directory it made (never a `dir` the caller gave). It is idempotent; call it from `afterAll`/`afterEach`
 * or a `finally`, or hold the handle with `await using` (it is AsyncDisposable). A start that fails (Prometheus
 * exits, or is not ready in time) stops what it started and throws with the tail of Prometheus' stderr; a test
 * worker that exits with a Prometheus still running kills it.
 *
 * Only test code imports this module (from any workspace's tests): no package's src depends on it. It takes
 * `freePort` from packages/monitoring/src/stack/ports.ts (the test-facing helper there), nothing else from src.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../packages/monitoring/src/stack/ports.ts';

/** A free TCP port on a host (default 127.0.0.1), chosen by the OS: the one ghmon's stack uses for its tests. */
export { freePort };

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
/** Flag of Prometheus' remote-write receiver (`/api/v1/write`). */
export const REMOTE_WRITE_RECEIVER = '--web.enable-remote-write-receiver';
/** The config written when none is given: no scrape job. */
export const EMPTY_CONFIG = 'global:\n  scrape_interval: 15s\n';

/** The `authorization` header of HTTP basic auth (RFC 7617, UTF-8). */
export function basicAuth(user: string, password: string): { authorization: string } {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** One element of an instant vector. */
export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An active target as `/api/v1/targets` reports it. */
export interface TargetState {
  job: string;
  health: string;
  lastError: string;
  lastScrape: string;
}

export interface RunningPrometheus extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The remote-write receiver's URL (answers only with `--web.enable-remote-write-receiver`). */
  readonly writeUrl: string;
  readonly process: ChildProcess;
  /** The tail of Prometheus' stderr (its log). */
  log(): string;
  /** GET an API path (e.g. `/api/v1/status/config`) with the headers; its `data`, or a throw naming the error. */
  api<T>(path: string): Promise<T>;
  /** An instant query (at `time`, in seconds, if given); throws unless Prometheus answers `success`. */
  query(expr: string, time?: number): Promise<Sample[]>;
  /** The active targets. */
  targets(): Promise<TargetState[]>;
  /**
   * Waits until every job in `jobs` has a target scraped after this call (its health known) and returns the
   * targets as last seen; throws, listing them, after `timeoutMs`.
   */
  settled(jobs: readonly string[], timeoutMs?: number): Promise<TargetState[]>;
  /** Ends Prometheus (SIGTERM, SIGKILL after the stop timeout), waits for it, removes a temp dir it made. Idempotent. */
  stop(): Promise<void>;
}

export interface StartedPrometheus extends RunningPrometheus {
  /** Where its TSDB (`tsdb/`), its written prometheus.yml and `files` are. */
  readonly dir: string;
  /** The config file it runs with. */
  readonly configFile: string;
}

interface Lifecycle {
  /** Headers for the readiness check and every API call (e.g. basic auth for a `--web.config.file`). */
  headers?: Record<string, string>;
  /** How long to wait for `/-/ready` (default 30 s). */
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL (default 10 s). */
  stopTimeoutMs?: number;
  /** How much of stderr to keep (default 20,000 characters). */
  logLimit?: number;
}

export interface PrometheusOptions extends Lifecycle {
  /**
   * prometheus.yml's text, or a function of where Prometheus will listen and its directory (for a config that
   * names its own port or files in `dir`). Default: `EMPTY_CONFIG`. Not with `configFile`.
   */
  config?: string | ((where: { port: number; url: string; dir: string }) => string);
  /** An existing config file to run with instead of writing one. */
  configFile?: string;
  /** Files to write into `dir` (mode 0600) before starting, e.g. password or token files the config reads. */
  files?: Record<string, string>;
  /** Extra flags, e.g. `--web.config.file=…` or `REMOTE_WRITE_RECEIVER`. */
  args?: readonly string[];
  /** A directory to use (made if missing, left in place by `stop()`); default: a fresh temp dir `stop()` removes. */
  dir?: string;
  /** The port to listen on (default: a free one); for a config generated beforehand that names it. */
  port?: number;
}

/** Starts `/usr/bin/prometheus` on 127.0.0.1 with the given config and flags, and waits until it is ready. */
export async function startPrometheus(opts: PrometheusOptions = {}): Promise<StartedPrometheus> {
  if (opts.config !== undefined && opts.configFile !== undefined) {
    throw new TypeError('startPrometheus: give config or configFile, not both');
  }
  const ownsDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ghmon-prometheus-'));
  try {
    mkdirSync(join(dir, 'tsdb'), { recursive: true });
    const port = opts.port ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    for (const [name, content] of Object.entries(opts.files ?? {})) {
      writeFileSync(join(dir, name), content, { mode: 0o600 });
    }
    let configFile = opts.configFile;
    if (configFile === undefined) {
      configFile = join(dir, 'prometheus.yml');
      const config = typeof opts.config === 'function' ? opts.config({ port, url, dir }) : opts.config;
      writeFileSync(configFile, config ?? EMPTY_CONFIG);
    }
    const running = await startPrometheusCommand({
      headers: opts.headers,
      readyTimeoutMs: opts.readyTimeoutMs,
      stopTimeoutMs: opts.stopTimeoutMs,
      logLimit: opts.logLimit,
      command: PROMETHEUS_BIN,
      args: [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        ...(opts.args ?? []),
      ],
      port,
      cleanup: ownsDir ? () => rmSync(dir, { recursive: true, force: true }) : undefined,
    });
    return Object.assign(running, { dir, configFile });
  } catch (error) {
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

export interface PrometheusCommand extends Lifecycle {
  /** The executable (e.g. `PROMETHEUS_BIN`, or a stack component's command). */
  command: string;
  /** Its full argument list; it must listen on 127.0.0.1:`port`. */
  args: readonly string[];
  port: number;
  cwd?: string;
  /** Runs once after the process has ended in `stop()` (or after a failed start). */
  cleanup?: () => void;
}

/** Starts a Prometheus from a complete command line that listens on 127.0.0.1:`port`, and waits until it is ready. */
export async function startPrometheusCommand(opts: PrometheusCommand): Promise<RunningPrometheus> {
  const { port, headers } = opts;
  const url = `http://127.0.0.1:${port}`;
  const logLimit = opts.logLimit ?? 20_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 10_000;
  const child = spawn(opts.command, [...opts.args], { cwd: opts.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  let spawnError: Error | undefined;
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-logLimit);
  });
  child.on('error', (error) => {
    spawnError = error;
  });
  const ended = () => spawnError !== undefined || child.exitCode !== null || child.signalCode !== null;
  const exited = new Promise<void>((resolve) => {
    if (ended()) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  // A test worker that exits (a crash, a timeout) must not leave Prometheus running.
  const killOnExit = () => {
    if (!ended()) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!ended()) {
        child.kill('SIGTERM');
        if (!(await within(exited, stopTimeoutMs))) {
          child.kill('SIGKILL');
          await within(exited, 5_000);
        }
      }
      process.removeListener('exit', killOnExit);
      opts.cleanup?.();
    })();
    return stopping;
  };

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`, { headers });
    const text = await res.text();
    let body: { status?: string; data?: T; error?: string };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new Error(`${path}: HTTP ${res.status}: ${text.slice(0, 500)}`);
    }
    if (body.status !== 'success') throw new Error(`${path}: ${body.status} (HTTP ${res.status}): ${body.error}`);
    return body.data as T;
  };
  const targets = async (): Promise<TargetState[]> => {
    const data = await api<{
      activeTargets: { labels: { job: string }; health: string; lastError: string; lastScrape: string }[];
    }>('/api/v1/targets?state=active');
    return data.activeTargets.map((t) => ({
      job: t.labels.job,
      health: t.health,
      lastError: t.lastError,
      lastScrape: t.lastScrape,
    }));
  };

  const running: RunningPrometheus = {
    url,
    port,
    writeUrl: `${url}/api/v1/write`,
    process: child,
    log: () => log,
    api,
    async query(expr, time) {
      const at = time === undefined ? '' : `&time=${time}`;
      return (await api<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}${at}`)).result;
    },
    targets,
    async settled(jobs, timeoutMs = 30_000) {
      const since = Date.now();
      let last: TargetState[] = [];
      const done = () =>
        jobs.every((job) =>
          last.some((t) => t.job === job && t.health !== 'unknown' && Date.parse(t.lastScrape) > since + 200),
        );
      const deadline = since + timeoutMs;
      for (;;) {
        last = await targets();
        if (done()) return last;
        if (Date.now() > deadline) {
          throw new Error(
            `timed out after ${timeoutMs / 1000}s waiting for scrapes of ${jobs.join(', ')}; targets: ${JSON.stringify(last)}`,
          );
        }
        await sleep(100);
      }
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };

  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`, { headers }).then(
      async (r) => {
        await r.arrayBuffer();
        return r.ok;
      },
      () => false,
    );
    if (ready) return running;
    let failure: string | undefined;
    if (spawnError) failure = `${opts.command} did not start: ${spawnError.message}`;
    else if (ended()) failure = `prometheus exited (code ${child.exitCode}, signal ${child.signalCode}) before ready`;
    else if (Date.now() > deadline) failure = `prometheus on ${url} not ready after ${readyTimeoutMs / 1000}s`;
    if (failure) {
      await stop();
      throw new Error(`${failure}; the end of its stderr:\n${log}`);
    }
    await sleep(100);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether `promise` settles within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
