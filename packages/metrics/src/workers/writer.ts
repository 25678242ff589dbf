/**
 * Pushes one isolate's metrics to a remote-write receiver (Prometheus with `--web.enable-remote-write-receiver`).
 *
 * The design (see docs/scaling.md, "Cloudflare Workers"): every isolate keeps its own cumulative counters and
 * pushes them under its own `instance` label — a random id drawn when the isolate first pushes. So each series
 * has one writer, starts at 0 when its isolate starts and only ever grows: monotonic, never reset, never written
 * out of order by another isolate. The recording rules sum by `service` (and method, route, status, le), which
 * drops `instance` and adds the isolates up. Pushing cumulative values (not deltas) makes every push idempotent
 * and self-healing: a lost or repeated push loses or doubles nothing, the next one carries the totals.
 *
 * What the receiver needs, and how this writer guarantees it:
 * - Timestamps strictly increase per isolate (`max(now, previous + 2)`): Workers freeze `Date.now()` between I/O
 *   events, and Prometheus answers 400 (and drops the whole request) to a sample at the same timestamp with a
 *   new value, or an older one.
 * - At most one push in flight per isolate: requests that finish while a push waits join it (`schedule()` returns
 *   the same promise), and a push starts at most every `intervalMs`.
 * - A label set pushed for the first time also gets a 0 sample just before (after the previous push): otherwise
 *   `rate()` and `increase()` could not see the increments that created it (an isolate's whole life, for one
 *   that serves a few requests and dies).
 * - Labels sorted by name, timestamps in milliseconds, one sample per series per push (two for a new one).
 */
import {
  dbPoolConnectionsActive,
  dbPoolConnectionsMax,
  httpActiveConnections,
  httpRequestDurationSeconds,
  httpRequestsTotal,
  metricsOverflowTotal,
  OVERFLOW_METRIC_LABEL,
} from '@greyhaven/metric-contract';
import { formatValue } from '../core/exposition.ts';
import { defaultHttpMetrics, type HttpMetrics, type LabelSetValues } from '../core/registry.ts';
import { type EncodedSeries, encodeLabels, type Label, type Sample } from './protobuf.ts';
import {
  type PushResult,
  pushRemoteWrite,
  type RemoteWriteTarget,
  remoteWriteAuthorization,
  remoteWriteBody,
  retryable,
} from './remote-write.ts';

export interface RemoteWriterOptions {
  /** The metrics to push. Default: the isolate-wide instance (`defaultHttpMetrics()`). */
  metrics?: HttpMetrics;
  /**
   * Where to push; a function is called at every push (undefined: skip this push). A target with both
   * `bearerToken` and `basicAuth` (or a malformed `basicAuth`) is a TypeError: here for an object, and to
   * `onError` at each push, with nothing sent, for a function's.
   */
  target: RemoteWriteTarget | (() => RemoteWriteTarget | undefined);
  /**
   * Labels on every series: the service's target labels as ghmon would attach them to a scraped target — at
   * least `service` and `job` (e.g. `{ service: 'api', job: 'cloudflare-workers', runtime: 'workers', team:
   * 'platform' }`; `ghmon build` writes them for each push service, see docs/scaling.md).
   */
  labels: Readonly<Record<string, string>>;
  /**
   * The label that tells isolates apart. Default `instance`: an isolate is the instance being monitored
   * (OpenTelemetry maps `service.instance.id` to it too), and every rule already aggregates it away.
   */
  instanceLabel?: string;
  /** This isolate's id. Default: 16 random hex digits, drawn at the first push (not at module load). */
  instance?: string;
  /** Least time between two pushes from one isolate, in ms. Default 10 000 (with retries, well within the 30 s a
   * Worker may keep running after its response). */
  intervalMs?: number;
  /** Timeout of one push, in ms. Default 5000. */
  timeoutMs?: number;
  /** Further attempts after a retryable failure (no answer, 5xx, 429), 250 ms and 1 s apart. Default 1. */
  retries?: number;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Wall clock in ms. Default `Date.now`. */
  now?: () => number;
  /** Failed pushes and bad values are reported here. Default: the metrics instance's onError (once per kind). */
  onError?: (error: unknown, where: string) => void;
}

export interface RemoteWriterStats {
  /** Pushes attempted (retries not counted) and pushes the receiver accepted. */
  pushes: number;
  accepted: number;
  /** The last push's outcome. */
  last?: PushResult & { timestamp: number; series: number; bytes: number };
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Labels this writer sets itself; `labels` may not. */
const OWN_LABELS = ['__name__', 'le', 'method', 'route', 'status', OVERFLOW_METRIC_LABEL];
const REQUIRED_LABELS = ['service', 'job'];
const BACKOFF_MS = [250, 1000];

const BOUND_LABELS: readonly string[] = [...httpRequestDurationSeconds.buckets.map((b) => formatValue(b)), '+Inf'];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function randomInstance(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Validates the static labels; throws a TypeError naming the problem (bad configuration). */
export function validateLabels(labels: Readonly<Record<string, string>>, instanceLabel: string): void {
  if (!LABEL_NAME.test(instanceLabel) || instanceLabel.startsWith('__') || OWN_LABELS.includes(instanceLabel)) {
    throw new TypeError(`instanceLabel "${instanceLabel}": expected a label name the writer does not set itself`);
  }
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new TypeError(`label "${name}": not a label name`);
    if (OWN_LABELS.includes(name) || name === instanceLabel) {
      throw new TypeError(`label "${name}" is set by the remote writer itself`);
    }
    if (typeof value !== 'string' || value === '') throw new TypeError(`label "${name}": expected a non-empty string`);
  }
  for (const name of REQUIRED_LABELS) {
    if (!(name in labels)) throw new TypeError(`labels: "${name}" is required (the rules group by it)`);
  }
}

function sortLabels(labels: Label[]): Label[] {
  return labels.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The encoded label sets of one HTTP label set: counter, each bucket, sum, count. */
interface SeriesLabels {
  counter: Uint8Array;
  buckets: Uint8Array[];
  sum: Uint8Array;
  count: Uint8Array;
}

export class RemoteWriter {
  readonly metrics: HttpMetrics;
  readonly intervalMs: number;
  readonly stats: RemoteWriterStats = { pushes: 0, accepted: 0 };

  private readonly target: () => RemoteWriteTarget | undefined;
  private readonly labels: Readonly<Record<string, string>>;
  private readonly instanceLabel: string;
  private instanceId: string | undefined;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly onError: (error: unknown, where: string) => void;

  /** Label encodings, made once per label set. */
  private readonly encoded = new WeakMap<LabelSetValues, SeriesLabels>();
  /** Label sets whose first sample may have reached the receiver (so they need no 0 sample any more). */
  private readonly known = new WeakSet<LabelSetValues>();
  private fixedSent = false;
  private fixed:
    | { active: Uint8Array; overflow: Uint8Array[]; poolActive: Uint8Array; poolMax: Uint8Array }
    | undefined;

  /** Time of the first schedule() (the isolate's first request) and of the last push's samples. */
  private started: number | undefined;
  private lastTimestamp: number | undefined;
  private lastPushAt: number | undefined;
  /** A push that has not read the metrics yet: later requests join it. */
  private pending: Promise<void> | undefined;
  private tail: Promise<void> = Promise.resolve();

  constructor(options: RemoteWriterOptions) {
    this.metrics = options.metrics ?? defaultHttpMetrics();
    const target = options.target;
    if (typeof target !== 'function') remoteWriteAuthorization(target);
    this.target = typeof target === 'function' ? target : () => target;
    this.instanceLabel = options.instanceLabel ?? 'instance';
    validateLabels(options.labels, this.instanceLabel);
    this.labels = { ...options.labels };
    this.instanceId = options.instance;
    this.intervalMs = Math.max(0, options.intervalMs ?? 10_000);
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.retries = Math.max(0, Math.min(BACKOFF_MS.length, options.retries ?? 1));
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? this.metrics.onError;
  }

  /** This isolate's id (drawn on first use). */
  get instance(): string {
    this.instanceId ??= randomInstance();
    return this.instanceId;
  }

  /**
   * Asks for a push that includes everything recorded so far; resolves when it is done (never rejects). Call it
   * after each request through `ctx.waitUntil(writer.schedule())`: requests that finish while a push is waiting
   * share it, and pushes start at most every `intervalMs`.
   */
  schedule(): Promise<void> {
    this.started ??= Math.floor(this.now());
    if (this.pending !== undefined) return this.pending;
    const run: Promise<void> = this.tail.then(async () => {
      const wait = this.lastPushAt === undefined ? 0 : this.lastPushAt + this.intervalMs - this.now();
      if (wait > 0) await sleep(wait);
      if (this.pending === run) this.pending = undefined;
      await this.pushNow();
    });
    this.pending = run;
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Pushes now (after any push in flight), ignoring the interval: for a scheduled handler or a test. */
  flush(): Promise<void> {
    this.started ??= Math.floor(this.now());
    const run = this.tail.then(() => this.pushNow());
    this.tail = run.catch(() => undefined);
    return run;
  }

  private labelsFor(method: string, route: string, status: string, values: LabelSetValues): SeriesLabels {
    let cached = this.encoded.get(values);
    if (cached === undefined) {
      const base: Label[] = [
        ...Object.entries(this.labels),
        [this.instanceLabel, this.instance],
        ['method', method],
        ['route', route],
        ['status', status],
      ];
      const h = httpRequestDurationSeconds.name;
      cached = {
        counter: encodeLabels(sortLabels([...base, ['__name__', httpRequestsTotal.name]])),
        buckets: BOUND_LABELS.map((le) => encodeLabels(sortLabels([...base, ['__name__', `${h}_bucket`], ['le', le]]))),
        sum: encodeLabels(sortLabels([...base, ['__name__', `${h}_sum`]])),
        count: encodeLabels(sortLabels([...base, ['__name__', `${h}_count`]])),
      };
      this.encoded.set(values, cached);
    }
    return cached;
  }

  private fixedLabels(): { active: Uint8Array; overflow: Uint8Array[]; poolActive: Uint8Array; poolMax: Uint8Array } {
    if (this.fixed === undefined) {
      const base: Label[] = [...Object.entries(this.labels), [this.instanceLabel, this.instance]];
      this.fixed = {
        active: encodeLabels(sortLabels([...base, ['__name__', httpActiveConnections.name]])),
        overflow: [httpRequestsTotal.name, httpRequestDurationSeconds.name].map((family) =>
          encodeLabels(sortLabels([...base, ['__name__', metricsOverflowTotal.name], [OVERFLOW_METRIC_LABEL, family]])),
        ),
        poolActive: encodeLabels(sortLabels([...base, ['__name__', dbPoolConnectionsActive.name]])),
        poolMax: encodeLabels(sortLabels([...base, ['__name__', dbPoolConnectionsMax.name]])),
      };
    }
    return this.fixed;
  }

  /**
   * Reads the metrics into series with this push's timestamps; returns them and the label sets that were new.
   * `pools`: the DB pools registered on the metrics (`registerDbPool`, e.g. a Hyperdrive pool), read before.
   */
  collect(pools?: { active: number; max: number }): {
    series: EncodedSeries[];
    timestamp: number;
    fresh: LabelSetValues[];
  } {
    const now = Math.floor(this.now());
    const timestamp = this.lastTimestamp === undefined ? now : Math.max(now, this.lastTimestamp + 2);
    const lower = this.lastTimestamp === undefined ? (this.started ?? timestamp) : this.lastTimestamp + 1;
    // "0 before the first value": after the previous push, at most one interval (≥ 1 s) back, before this push.
    const zero = Math.min(timestamp - 1, Math.max(lower, timestamp - Math.max(this.intervalMs, 1000)));
    const series: EncodedSeries[] = [];
    const fresh: LabelSetValues[] = [];
    const add = (labels: Uint8Array, value: number, isNew: boolean) => {
      const samples: Sample[] = isNew
        ? [
            { value: 0, timestamp: zero },
            { value, timestamp },
          ]
        : [{ value, timestamp }];
      series.push({ labels, samples });
    };
    this.metrics.forEachLabelSet((method, route, status, values) => {
      const labels = this.labelsFor(method, route, status, values);
      const isNew = !this.known.has(values);
      if (isNew) fresh.push(values);
      add(labels.counter, values.count, isNew);
      let cumulative = 0;
      values.buckets.forEach((n, i) => {
        cumulative += n;
        add(labels.buckets[i] as Uint8Array, cumulative, isNew);
      });
      add(labels.buckets[values.buckets.length] as Uint8Array, values.count, isNew);
      add(labels.sum, values.sum, isNew);
      add(labels.count, values.count, isNew);
    });
    const fixed = this.fixedLabels();
    series.push({ labels: fixed.active, samples: [{ value: this.metrics.active, timestamp }] });
    for (const labels of fixed.overflow) add(labels, this.metrics.foldedCount, !this.fixedSent);
    if (pools) {
      series.push({ labels: fixed.poolActive, samples: [{ value: pools.active, timestamp }] });
      series.push({ labels: fixed.poolMax, samples: [{ value: pools.max, timestamp }] });
    }
    return { series, timestamp, fresh };
  }

  private async pushNow(): Promise<void> {
    try {
      const target = this.target();
      if (target === undefined) return;
      remoteWriteAuthorization(target); // a misconfigured target: reported below, nothing sent, no push counted
      this.lastPushAt = this.now();
      const pools = await this.metrics.readPools();
      const { series, timestamp, fresh } = this.collect(pools);
      this.lastTimestamp = timestamp;
      const body = remoteWriteBody(series);
      this.stats.pushes++;
      let result: PushResult = {};
      let maybeWritten = false;
      for (let attempt = 0; ; attempt++) {
        result = await pushRemoteWrite(target, body, { timeoutMs: this.timeoutMs, fetch: this.fetchFn });
        // No answer: the receiver may have written it. An answer other than 2xx: it wrote nothing (Prometheus
        // appends a request all or nothing).
        if (result.status === undefined || (result.status >= 200 && result.status < 300)) maybeWritten = true;
        if (!retryable(result) || attempt >= this.retries) break;
        await sleep(BACKOFF_MS[attempt] as number);
      }
      this.stats.last = { ...result, timestamp, series: series.length, bytes: body.length };
      if (maybeWritten) {
        // Never send a label set's 0 sample twice: after a value, it would read as a counter reset.
        for (const values of fresh) this.known.add(values);
        this.fixedSent = true;
      }
      if (result.status !== undefined && result.status >= 200 && result.status < 300) {
        this.stats.accepted++;
      } else {
        this.onError(
          new Error(`remote write to ${target.url} failed: ${result.status ?? 'no answer'} ${result.error ?? ''}`),
          `remote write (${result.status ?? 'no answer'})`,
        );
      }
    } catch (error) {
      this.onError(error, 'remote write');
    }
  }
}
