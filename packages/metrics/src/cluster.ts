/**
 * node:cluster: `/metrics` on any worker serves the sum over every worker, living and retired.
 *
 * With node:cluster the workers share one port, so a scrape reaches one worker at random; each worker's own counts
 * would jump between workers and read as counter resets. Design:
 *
 * - The primary keeps the aggregate (`setupClusterMetricsPrimary()`, in the primary process). Each worker sends its
 *   *cumulative* state (every label set's count, sum and per-bucket counts, the overflow count, its gauges and its
 *   prom-client families as `getMetricsAsJSON()` gives them) over the cluster IPC channel every `syncIntervalMs`
 *   (default 1 s) and whenever the primary asks. The per-request hot path is untouched: no IPC per request, the
 *   state is read from the same `HttpMetrics` the adapters update.
 * - A scrape on worker W: W sends its own fresh state with a request id; the primary asks every other connected
 *   worker for fresh state, waits at most `collectTimeoutMs` (a worker that does not answer in time counts with
 *   the last state it sent, which can only be lower than its true counts, never above them), sums, and answers W.
 *   W renders the sum with the same renderer and exposition helpers as single-process `/metrics` (same formats,
 *   same content types). No answer within `timeoutMs`: W answers 503 with a plain-text reason.
 * - A worker's states are cumulative, so the primary keeps only the newest one per worker (each carries a sequence
 *   number taken when its counts were read; an older state arriving late is ignored): nothing is counted twice.
 * - When a worker's IPC channel closes (graceful exit, crash or SIGKILL), its last state is folded into a "retired"
 *   base the primary adds to every sum, so its totals never vanish (which Prometheus would read as a reset). Its
 *   gauges are dropped: a dead worker has no connection in flight and holds no DB connection. The channel closes
 *   only after every message the worker wrote has been read, so a state sent just before exiting is not lost.
 * - Graceful exit: any disconnect of the worker's IPC channel (`worker.disconnect()` from the primary,
 *   `cluster.worker.disconnect()` in the worker — both call `process.disconnect()` after the worker's servers have
 *   closed and their requests finished — or `process.disconnect()` itself) first sends the worker's final state.
 *   `process.exit()` does not pass through here: call `flush()` first. (The primary's `worker.kill()` is a plain
 *   SIGTERM: graceful only if the worker handles SIGTERM, e.g. with `cluster.worker.disconnect()`.) A worker killed without that (SIGKILL, a
 *   crash, an unhandled SIGTERM) loses at most what it counted since its last sync: `syncIntervalMs` worth of
 *   requests.
 *
 * Gauges of the live workers are summed: `http_active_connections` is a count of requests in flight, so the
 * cluster's is the sum of the workers'; `db_pool_connections_active` / `_max` are summed too, since each worker
 * has its own pool (the cluster holds the sum of the pools' connections, against the sum of their maxima — the
 * same convention as several pools in one process).
 *
 * prom-client families (by default prom-client's default registry in each worker) are summed by prom-client's own
 * `AggregatorRegistry.aggregate()`, so each family follows its `aggregator` (counters, histograms and most gauges
 * summed; `nodejs_version_info` first, `process_start_time_seconds` omitted, event-loop lag averaged…). Of a
 * retired worker, counter and histogram families aggregated by sum are kept in the retired base (they are
 * cumulative); its gauges and summaries are dropped. prom-client keys label sets by joining `name:value,`, which
 * is ambiguous for values containing `,` or `:`, so label values are percent-encoded around the call and decoded
 * after. This package's own label sets are keyed by `JSON.stringify([method, route, status])`: unambiguous.
 *
 * The summed HTTP families are capped like a single process's (`maxLabelSets`, default 1000): a label set first
 * seen past the cap is folded into `route="__overflow__"` and counted in `greyhaven_metrics_overflow_total`, and
 * the decision sticks, so no series moves between exposed and folded.
 *
 * Not covered: PM2's cluster mode, whose primary is PM2's daemon (it runs no application code, so it cannot hold
 * the aggregate): see the README. The primary process's own prom-client metrics are not included.
 */
import cluster, { type Worker } from 'node:cluster';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_MAX_LABEL_SETS, OVERFLOW_LABEL_VALUE } from '@greyhaven/metric-contract';
import promClient from 'prom-client';
import { isAuthorized, UNAUTHORIZED_HEADERS } from './auth.ts';
import { contentTypeOf, escapeLabelValue, negotiateFormat } from './core/exposition.ts';
import {
  appendRegistries,
  currentDefaultRegistries,
  type MetricsHandlerOptions,
  type PromClientMetricJson,
  type PromClientRegistryLike,
  type RenderedMetrics,
  renderMetrics,
} from './core/handler.ts';
import { defaultHttpMetrics, type HttpMetrics, type RenderableSeries, renderHttpFamilies } from './core/registry.ts';
import type { NodeHandler } from './node.ts';

/** The property that marks this package's IPC messages (and its protocol version), beside any of the app's own. */
const TAG = '@greyhaven/metrics:cluster';
const PROTOCOL = 1;

/** One label set on the wire: method, route, status (sanitised, not escaped), count, sum, per-bucket counts. */
export type WireSeries = [method: string, route: string, status: string, count: number, sum: number, buckets: number[]];

/**
 * A prom-client family on the wire. Cluster IPC serialises as JSON, which would turn NaN and ±Infinity into null,
 * so non-finite values travel as strings ('NaN', 'Infinity', '-Infinity').
 */
export interface WireFamily {
  name: string;
  help: string;
  type: unknown;
  aggregator?: string;
  values?: { value: number | string; labels?: Record<string, string | number | undefined>; metricName?: string }[];
}

/** A worker's cumulative state. */
export interface WorkerState {
  /** Increases with each state a worker takes (taken when its counts are read): the primary keeps the newest. */
  seq: number;
  series: WireSeries[];
  /** Observations the worker folded into overflow series (its `greyhaven_metrics_overflow_total`). */
  folded: number;
  /** `http_active_connections`. */
  active: number;
  /** DB pool gauges, null when the worker has no pool (or did not read them for this state). */
  pools: { active: number; max: number } | null;
  prom: WireFamily[];
}

/** What the primary answers a scrape with: the sum, ready to render. */
export interface AggregateResult {
  series: WireSeries[];
  folded: number;
  active: number;
  pools: { active: number; max: number } | null;
  prom: WireFamily[];
  /** Live workers in the sum, and how many of them were counted with an older state (no answer in time). */
  workers: number;
  stale: number;
}

type Message =
  | { [TAG]: number; kind: 'state'; state: WorkerState; replyTo?: number }
  | { [TAG]: number; kind: 'scrape'; id: number; state: WorkerState }
  | { [TAG]: number; kind: 'collect'; id: number }
  | { [TAG]: number; kind: 'aggregate'; id: number; result: AggregateResult };

function isMessage(value: unknown): value is Message {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)[TAG] === PROTOCOL;
}

type OnError = (error: unknown, where: string) => void;

function warnOnce(): OnError {
  const seen = new Set<string>();
  return (error, where) => {
    if (seen.has(where)) return;
    seen.add(where);
    console.warn(`[@greyhaven/metrics] cluster: ${where} failed (reported once):`, error);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The aggregate (pure: no IPC; unit-tested directly)

interface Acc {
  method: string;
  route: string;
  status: string;
  count: number;
  sum: number;
  buckets: number[];
}

function addInto(map: Map<string, Acc>, key: string, m: string, r: string, s: string, series: WireSeries): void {
  const [, , , count, sum, buckets] = series;
  let acc = map.get(key);
  if (acc === undefined) {
    acc = { method: m, route: r, status: s, count: 0, sum: 0, buckets: buckets.map(() => 0) };
    map.set(key, acc);
  }
  acc.count += count;
  acc.sum += sum;
  for (let i = 0; i < buckets.length; i++) acc.buckets[i] = (acc.buckets[i] ?? 0) + (buckets[i] as number);
}

/** Unambiguous key of a label set: JSON escapes every quote and separator inside the values. */
export function labelSetKey(method: string, route: string, status: string): string {
  return JSON.stringify([method, route, status]);
}

function fromWireValue(v: number | string): number {
  return typeof v === 'string' ? Number(v) : v;
}

function toWireValue(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** prom-client families → wire form (values only; labels as they are). */
export function toWireFamilies(families: readonly PromClientMetricJson[]): WireFamily[] {
  return families.map((f) => ({
    name: f.name,
    help: f.help,
    type: f.type,
    aggregator: (f as { aggregator?: string }).aggregator,
    values: (f.values ?? []).map((v) => ({ ...v, value: toWireValue(v.value), labels: { ...v.labels } })),
  }));
}

/** Wire form → what the exposition formatter reads. */
export function fromWireFamilies(families: readonly WireFamily[]): PromClientMetricJson[] {
  return families.map((f) => ({
    ...f,
    values: (f.values ?? []).map((v) => ({ ...v, value: fromWireValue(v.value) })),
  }));
}

function mapLabels(
  labels: Record<string, string | number | undefined> | undefined,
  fn: (v: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in labels) {
    const v = labels[key];
    if (v !== undefined) out[key] = fn(typeof v === 'number' ? String(v) : v);
  }
  return out;
}

/**
 * Sums sets of wire families with prom-client's `AggregatorRegistry.aggregate()` (each family by its `aggregator`;
 * the first set's wins for a name, so put live workers first). Label values are percent-encoded around the call:
 * prom-client keys a label set by `name:value,` pairs, which two different label sets could share. Synchronous, so
 * the primary's state never has a gap between reading and writing it.
 */
export function aggregateFamilies(sets: readonly (readonly WireFamily[])[]): WireFamily[] {
  const input = sets.map((families) => {
    const seen = new Set<string>();
    const out: object[] = [];
    for (const f of families) {
      if (seen.has(f.name)) continue; // two registries of one worker with one name: the first wins, as when rendered
      seen.add(f.name);
      out.push({
        ...f,
        aggregator: f.aggregator ?? 'sum',
        values: (f.values ?? []).map((v) => ({
          ...v,
          value: fromWireValue(v.value),
          labels: mapLabels(v.labels, encodeURIComponent),
        })),
      });
    }
    return out;
  });
  const registry = promClient.AggregatorRegistry.aggregate(input);
  return registry.getMetricsAsArray().map((metric) => {
    // The aggregated registry holds wrappers whose get() returns the summed family itself (not a promise).
    const family = (metric as unknown as { get(): PromClientMetricJson & { aggregator?: string } }).get();
    if (typeof (family as { then?: unknown }).then === 'function') {
      throw new TypeError('prom-client AggregatorRegistry returned a promise; this prom-client version is unsupported');
    }
    return {
      name: family.name,
      help: family.help,
      type: family.type,
      aggregator: family.aggregator,
      values: (family.values ?? []).map((v) => ({
        ...v,
        value: toWireValue(v.value),
        labels: mapLabels(v.labels, decodeURIComponent),
      })),
    };
  });
}

/** Cumulative families of a retired worker: what stays in the sum after it is gone. */
function cumulativeFamilies(families: readonly WireFamily[]): WireFamily[] {
  return families.filter((f) => (f.type === 'counter' || f.type === 'histogram') && (f.aggregator ?? 'sum') === 'sum');
}

export interface ClusterAggregateOptions {
  /** Most label sets the summed HTTP families expose; later ones fold into `__overflow__`. Default 1000. */
  maxLabelSets?: number;
  onError?: OnError;
}

/** The primary's books: each live worker's newest state, and the retired base of the workers gone. */
export class ClusterAggregate {
  readonly maxLabelSets: number;
  private readonly onError: OnError;
  private readonly live = new Map<number, WorkerState>();
  /** Worker ids already folded into the retired base (cluster never reuses an id): later states are ignored. */
  private readonly retiredIds = new Set<number>();
  private readonly retired = new Map<string, Acc>();
  private retiredFolded = 0;
  private retiredProm: WireFamily[] = [];
  /** Label sets admitted under the cap. Never shrinks, so a label set refused once is refused for good. */
  private readonly admitted = new Set<string>();

  constructor(options: ClusterAggregateOptions = {}) {
    const cap = options.maxLabelSets ?? DEFAULT_MAX_LABEL_SETS;
    this.maxLabelSets = Number.isFinite(cap) && cap >= 0 ? Math.floor(cap) : DEFAULT_MAX_LABEL_SETS;
    this.onError = options.onError ?? warnOnce();
  }

  /** Workers whose state is held (not retired). */
  get liveWorkers(): number[] {
    return [...this.live.keys()];
  }

  isRetired(worker: number): boolean {
    return this.retiredIds.has(worker);
  }

  /** Records a worker's state; false (and nothing changes) if it is older than the one held or the worker retired. */
  update(worker: number, state: WorkerState): boolean {
    if (this.retiredIds.has(worker)) return false;
    const held = this.live.get(worker);
    if (held !== undefined && held.seq >= state.seq) return false;
    this.live.set(worker, state);
    return true;
  }

  /** Folds a gone worker's last state into the retired base (its gauges dropped). Idempotent. */
  retire(worker: number): void {
    if (this.retiredIds.has(worker)) return;
    this.retiredIds.add(worker);
    const state = this.live.get(worker);
    this.live.delete(worker);
    if (state === undefined) return;
    this.retiredFolded += this.addSeries(this.retired, state.series);
    this.retiredFolded += state.folded;
    const kept = cumulativeFamilies(state.prom);
    if (kept.length > 0) {
      try {
        this.retiredProm = aggregateFamilies([this.retiredProm, kept]);
      } catch (error) {
        this.onError(error, 'folding a retired worker’s prom-client metrics');
      }
    }
  }

  /** Adds series into `into` under the cap; returns the count of observations folded into overflow here. */
  private addSeries(into: Map<string, Acc>, series: readonly WireSeries[]): number {
    let folded = 0;
    for (const s of series) {
      const [m, r, st, count] = s;
      let route = r;
      let key = labelSetKey(m, r, st);
      if (r !== OVERFLOW_LABEL_VALUE && !this.admit(key)) {
        folded += count;
        route = OVERFLOW_LABEL_VALUE;
        key = labelSetKey(m, route, st);
      }
      addInto(into, key, m, route, st, s);
    }
    return folded;
  }

  private admit(key: string): boolean {
    if (this.admitted.has(key)) return true;
    if (this.admitted.size >= this.maxLabelSets) return false;
    this.admitted.add(key);
    return true;
  }

  /** The sum of the retired base and every live worker's newest state. */
  merge(stale = 0): AggregateResult {
    const sum = new Map<string, Acc>();
    for (const [key, acc] of this.retired) sum.set(key, { ...acc, buckets: [...acc.buckets] });
    let folded = this.retiredFolded;
    let active = 0;
    let pools: { active: number; max: number } | null = null;
    const liveProm: WireFamily[][] = [];
    for (const state of this.live.values()) {
      folded += this.addSeries(sum, state.series) + state.folded;
      active += state.active;
      if (state.pools !== null) {
        pools ??= { active: 0, max: 0 };
        pools.active += state.pools.active;
        pools.max += state.pools.max;
      }
      liveProm.push(state.prom);
    }
    let prom: WireFamily[] = [];
    try {
      prom = aggregateFamilies([...liveProm, this.retiredProm]);
    } catch (error) {
      this.onError(error, 'aggregating prom-client metrics');
    }
    const series: WireSeries[] = [];
    for (const a of sum.values()) series.push([a.method, a.route, a.status, a.count, a.sum, a.buckets]);
    return { series, folded, active, pools, prom, workers: this.live.size, stale };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Primary

export interface ClusterPrimaryOptions {
  /**
   * How long a scrape waits for the other workers' fresh state; a worker that has not answered by then is summed
   * with the last state it sent. Default 1000 ms (keep it below the workers' `timeoutMs`).
   */
  collectTimeoutMs?: number;
  /** Most label sets the summed HTTP families expose (as `HttpMetricsOptions.maxLabelSets`). Default 1000. */
  maxLabelSets?: number;
  /** Failures of the aggregation itself. Default: one console.warn per kind. */
  onError?: (error: unknown, where: string) => void;
}

export interface ClusterMetricsPrimary {
  /** Asks every connected worker for its state now; resolves when all answered (or `collectTimeoutMs` passed). */
  refresh(): Promise<void>;
  /** `refresh()`, then the sum. */
  collect(): Promise<AggregateResult>;
  /** The books (tests, diagnostics). */
  readonly aggregate: ClusterAggregate;
  /** Removes the primary's listeners. */
  stop(): void;
}

let primarySetup: ClusterMetricsPrimary | undefined;

/**
 * Call once in the primary process (where `cluster.fork()` runs), before or after forking. Idempotent: a second
 * call returns the first's handle.
 */
export function setupClusterMetricsPrimary(options: ClusterPrimaryOptions = {}): ClusterMetricsPrimary {
  if (primarySetup !== undefined) return primarySetup;
  if (!cluster.isPrimary) throw new Error('setupClusterMetricsPrimary() must be called in the cluster primary');
  const onError = options.onError ?? warnOnce();
  const collectTimeoutMs = options.collectTimeoutMs ?? 1000;
  const books = new ClusterAggregate({ maxLabelSets: options.maxLabelSets, onError });
  /** Collect rounds in progress: request id → workers not yet answered, and what to call when none is left. */
  const rounds = new Map<number, { waiting: Set<number>; done: () => void }>();
  let nextId = 0;

  const answered = (round: number, worker: number) => {
    const r = rounds.get(round);
    if (r === undefined) return;
    r.waiting.delete(worker);
    if (r.waiting.size === 0) r.done();
  };

  /** Resolves with how many workers had not answered when it ended. */
  const refresh = (except?: number): Promise<number> =>
    new Promise((resolve) => {
      const id = ++nextId;
      const waiting = new Set<number>();
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (!rounds.delete(id)) return;
        clearTimeout(timer);
        resolve(waiting.size);
      };
      rounds.set(id, { waiting, done });
      const targets: Worker[] = [];
      for (const worker of Object.values(cluster.workers ?? {})) {
        if (worker === undefined || worker.id === except || books.isRetired(worker.id) || !worker.isConnected()) {
          continue;
        }
        waiting.add(worker.id);
        targets.push(worker);
      }
      if (waiting.size === 0) return done();
      timer = setTimeout(done, collectTimeoutMs);
      const message: Message = { [TAG]: PROTOCOL, kind: 'collect', id };
      for (const worker of targets) {
        try {
          worker.send(message, undefined, undefined, (error: Error | null) => {
            if (error) answered(id, worker.id);
          });
        } catch {
          answered(id, worker.id);
        }
      }
    });

  const onMessage = (worker: Worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.kind === 'state') {
      books.update(worker.id, message.state);
      if (message.replyTo !== undefined) answered(message.replyTo, worker.id);
    } else if (message.kind === 'scrape') {
      books.update(worker.id, message.state);
      void refresh(worker.id).then((stale) => {
        const reply: Message = { [TAG]: PROTOCOL, kind: 'aggregate', id: message.id, result: books.merge(stale) };
        if (!worker.isConnected()) return;
        try {
          worker.send(reply, undefined, undefined, () => {});
        } catch (error) {
          onError(error, 'answering a scrape');
        }
      });
    }
  };

  // The IPC channel closes ('disconnect') only after every message the worker wrote has been read, so its last
  // state is in the books by then. 'exit' can come first while messages are still unread: retire on it only if
  // the channel is already closed.
  const retire = (worker: Worker) => {
    books.retire(worker.id);
    for (const id of [...rounds.keys()]) answered(id, worker.id);
  };
  const onExit = (worker: Worker) => {
    if (!worker.isConnected()) retire(worker);
  };

  cluster.on('message', onMessage);
  cluster.on('disconnect', retire);
  cluster.on('exit', onExit);

  primarySetup = {
    async refresh() {
      await refresh();
    },
    async collect() {
      return books.merge(await refresh());
    },
    aggregate: books,
    stop() {
      cluster.off('message', onMessage);
      cluster.off('disconnect', retire);
      cluster.off('exit', onExit);
      for (const r of [...rounds.values()]) r.done();
      primarySetup = undefined;
    },
  };
  return primarySetup;
}

// ---------------------------------------------------------------------------------------------------------------
// Worker

/**
 * A worker's counts and active gauge, read synchronously (so they belong to `seq`); bucket arrays are copied, since
 * the state may be sent after more requests were counted. DB pools and prom-client families are added after.
 */
export function captureState(metrics: HttpMetrics, seq: number): WorkerState {
  const series: WireSeries[] = [];
  metrics.forEachLabelSet((m, r, s, v) => {
    series.push([m, r, s, v.count, v.sum, [...v.buckets]]);
  });
  return { seq, series, folded: metrics.foldedCount, active: metrics.active, pools: null, prom: [] };
}

export interface ClusterWorkerOptions {
  /** The metrics instance whose state is sent. Default: the process-wide one. */
  metrics?: HttpMetrics;
  /** prom-client registries to sum across workers. Default: as `/metrics` (prom-client's default registry). */
  registries?: readonly PromClientRegistryLike[];
  /**
   * How often the worker sends its cumulative state to the primary, in ms. A worker killed without a graceful
   * disconnect (SIGKILL, a crash) loses at most what it counted in this interval. Default 1000; 0 turns periodic
   * syncs off (state then travels only at scrapes and at a graceful disconnect).
   */
  syncIntervalMs?: number;
}

export interface ClusterMetricsWorker {
  readonly metrics: HttpMetrics;
  /** Sends the current state to the primary now; resolves once written to the IPC channel. Call before process.exit(). */
  flush(): Promise<void>;
  /** Stops syncing and restores `process.disconnect`. */
  stop(): void;
}

const FINAL_FLUSH_TIMEOUT_MS = 2000;

let workerSetup: (ClusterMetricsWorker & { request(timeoutMs: number): Promise<AggregateResult> }) | undefined;

/** Why a cluster worker's `/metrics` could not get the sum (answered as 503). */
export class ClusterMetricsUnavailableError extends Error {
  override name = 'ClusterMetricsUnavailableError';
}

function send(message: Message): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined || !process.connected) {
      reject(new ClusterMetricsUnavailableError('this worker is not connected to its cluster primary'));
      return;
    }
    try {
      process.send(message, undefined, undefined, (error: Error | null) => (error ? reject(error) : resolve()));
    } catch (error) {
      reject(error);
    }
  });
}

/**
 * Starts a worker's side (in a cluster worker): periodic syncs, answers to the primary, the final flush on
 * disconnect. `clusterMetricsHandler()` calls it; call it yourself to start syncing before the handler exists.
 * Once per process: a second call returns the first's handle (it must name the same metrics instance).
 */
export function setupClusterMetricsWorker(options: ClusterWorkerOptions = {}): ClusterMetricsWorker {
  const metrics = options.metrics ?? defaultHttpMetrics();
  if (workerSetup !== undefined) {
    if (workerSetup.metrics !== metrics) {
      throw new TypeError('setupClusterMetricsWorker: this process already syncs another HttpMetrics instance');
    }
    return workerSetup;
  }
  if (!cluster.isWorker) throw new Error('setupClusterMetricsWorker() must be called in a cluster worker');
  let seq = 0;
  let nextId = 0;
  const pending = new Map<number, (result: AggregateResult) => void>();

  /**
   * Reads the counts synchronously (they and `seq` belong together), then the async parts. States are taken one
   * at a time, so a later `seq` also has later prom-client values.
   */
  let queue: Promise<unknown> = Promise.resolve();
  const takeState = (withPools: boolean): Promise<WorkerState> => {
    const next = queue.then(() => takeStateNow(withPools));
    queue = next.catch(() => {});
    return next;
  };
  const takeStateNow = async (withPools: boolean): Promise<WorkerState> => {
    const state = captureState(metrics, ++seq);
    if (withPools) state.pools = (await metrics.readPools()) ?? null;
    for (const registry of options.registries ?? currentDefaultRegistries()) {
      try {
        state.prom.push(...toWireFamilies(await registry.getMetricsAsJSON()));
      } catch (error) {
        metrics.onError(error, 'reading a prom-client registry');
      }
    }
    return state;
  };

  const sendState = async (replyTo?: number, withPools = true): Promise<void> => {
    const state = await takeState(withPools);
    await send({ [TAG]: PROTOCOL, kind: 'state', state, ...(replyTo === undefined ? {} : { replyTo }) });
  };

  let syncing = false;
  const sync = () => {
    if (syncing || !process.connected) return;
    syncing = true;
    sendState()
      .catch((error: unknown) => {
        if (process.connected) metrics.onError(error, 'cluster metrics sync');
      })
      .finally(() => {
        syncing = false;
      });
  };
  const interval = options.syncIntervalMs ?? 1000;
  const timer = interval > 0 ? setInterval(sync, interval) : undefined;
  timer?.unref();

  const onMessage = (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.kind === 'collect') {
      sendState(message.id).catch((error: unknown) => metrics.onError(error, 'answering the cluster primary'));
    } else if (message.kind === 'aggregate') {
      pending.get(message.id)?.(message.result);
    }
  };
  process.on('message', onMessage);

  // Every graceful way out of a cluster worker ends by calling process.disconnect() (after the worker's servers
  // closed, so no request is still being counted): send the final state first, then disconnect.
  const originalDisconnect = process.disconnect;
  let flushingOut = false;
  const disconnect = function disconnect(this: unknown): void {
    if (flushingOut || !process.connected) {
      originalDisconnect.call(process);
      return;
    }
    flushingOut = true;
    if (timer !== undefined) clearInterval(timer);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(guard);
      if (process.connected) originalDisconnect.call(process);
    };
    const guard = setTimeout(finish, FINAL_FLUSH_TIMEOUT_MS);
    sendState(undefined, false).then(finish, finish);
  };
  process.disconnect = disconnect;

  workerSetup = {
    metrics,
    flush: () => sendState(),
    stop() {
      if (timer !== undefined) clearInterval(timer);
      process.off('message', onMessage);
      if (process.disconnect === disconnect) process.disconnect = originalDisconnect;
      workerSetup = undefined;
    },
    request(timeoutMs) {
      const id = ++nextId;
      return new Promise<AggregateResult>((resolve, reject) => {
        const timeout = setTimeout(() => {
          pending.delete(id);
          reject(
            new ClusterMetricsUnavailableError(
              `the cluster primary did not answer within ${timeoutMs} ms (is setupClusterMetricsPrimary() called in the primary?)`,
            ),
          );
        }, timeoutMs);
        pending.set(id, (result) => {
          clearTimeout(timeout);
          pending.delete(id);
          resolve(result);
        });
        takeState(true)
          .then((state) => send({ [TAG]: PROTOCOL, kind: 'scrape', id, state }))
          .catch((error: unknown) => {
            clearTimeout(timeout);
            pending.delete(id);
            reject(
              error instanceof ClusterMetricsUnavailableError
                ? error
                : new ClusterMetricsUnavailableError(`could not reach the cluster primary: ${String(error)}`),
            );
          });
      });
    },
  };
  return workerSetup;
}

// ---------------------------------------------------------------------------------------------------------------
// /metrics on a worker

export interface ClusterMetricsHandlerOptions extends MetricsHandlerOptions, Omit<ClusterWorkerOptions, 'metrics'> {
  /** How long `/metrics` waits for the primary's sum before answering 503. Default 5000 ms. */
  timeoutMs?: number;
}

/** Renders the primary's sum as `/metrics` would render one process (same renderer, formats, content types). */
export async function renderAggregate(
  result: AggregateResult,
  accept: string | null | undefined,
  metrics: HttpMetrics = defaultHttpMetrics(),
): Promise<RenderedMetrics> {
  const format = negotiateFormat(accept);
  const series: RenderableSeries[] = result.series.map(([m, r, s, count, sum, buckets]) => ({
    labels: `method="${escapeLabelValue(m)}",route="${escapeLabelValue(r)}",status="${escapeLabelValue(s)}"`,
    count,
    sum,
    buckets,
  }));
  let body = renderHttpFamilies(
    format,
    (fn) => {
      for (const s of series) fn(s);
    },
    result.active,
    result.pools ?? undefined,
    result.folded,
  );
  const summed: PromClientRegistryLike = { getMetricsAsJSON: async () => fromWireFamilies(result.prom) };
  body = await appendRegistries(body, format, result.prom.length > 0 ? [summed] : [], metrics);
  return { body, contentType: contentTypeOf(format), format };
}

/**
 * Renders `/metrics` for the whole cluster (in a cluster worker: asks the primary; throws
 * ClusterMetricsUnavailableError when it does not answer). Outside a cluster worker it renders this process alone,
 * like `renderMetrics`.
 */
export async function renderClusterMetrics(
  accept: string | null | undefined,
  options: ClusterMetricsHandlerOptions = {},
): Promise<RenderedMetrics> {
  if (!cluster.isWorker) return renderMetrics(accept, options);
  const metrics = options.metrics ?? defaultHttpMetrics();
  const worker = setupClusterMetricsWorker({
    metrics,
    registries: options.registries,
    syncIntervalMs: options.syncIntervalMs,
  }) as NonNullable<typeof workerSetup>;
  const result = await worker.request(options.timeoutMs ?? 5000);
  return renderAggregate(result, accept, metrics);
}

/**
 * A node:http (and Express) `/metrics` listener for a cluster worker: serves the sum over all workers. Starts the
 * worker's syncing when created (in a cluster worker). Answers 503 with a plain-text reason when the primary does
 * not answer. Outside a cluster worker it serves this process alone, like `nodeMetricsHandler`.
 */
export function clusterMetricsHandler(options: ClusterMetricsHandlerOptions = {}): NodeHandler<Promise<void>> {
  if (cluster.isWorker) {
    setupClusterMetricsWorker({
      metrics: options.metrics,
      registries: options.registries,
      syncIntervalMs: options.syncIntervalMs,
    });
  }
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (!isAuthorized(req.headers.authorization, options.auth)) {
      res.writeHead(401, UNAUTHORIZED_HEADERS);
      res.end(req.method === 'HEAD' ? undefined : 'unauthorized\n');
      return;
    }
    let rendered: RenderedMetrics;
    try {
      rendered = await renderClusterMetrics(req.headers.accept, options);
    } catch (error) {
      const text = `@greyhaven/metrics: cluster metrics unavailable: ${error instanceof Error ? error.message : String(error)}\n`;
      res.writeHead(503, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    const { body, contentType } = rendered;
    res.writeHead(200, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
