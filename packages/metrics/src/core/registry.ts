/**
 * The metric families of the Grey Haven contract, held by a small hand-written counter/histogram core.
 *
 * Why not prom-client on the hot path: measured on this machine (../shared/NOTES.md, "HTTP metrics hot path",
 * and `npm run bench`, see README), the seed's prom-client middleware costs ≈1.6 µs a request and prom-client
 * with label children cached per route still ≈0.78× of that, because a cached child re-validates and re-hashes
 * its labels on every observe. This core does a few Map lookups and array increments (≈0.2× of the seed), and
 * renders 20k series several times faster than prom-client. It stays interoperable: /metrics renders these
 * families beside every metric in prom-client's default registry (handler.ts), with prom-client's content types.
 *
 * Label sets are keyed by nested Maps (method index → route → status code), never by joining strings, so no two
 * label sets can collide. Every label value is sanitised and escaped once, when its series is created.
 */
import {
  CAPPED_METRICS,
  DEFAULT_MAX_LABEL_SETS,
  DEFAULT_MAX_ROUTE_LENGTH,
  DEFAULT_PRE_INIT_SERVER_ERRORS,
  dbPoolConnectionsActive,
  dbPoolConnectionsMax,
  httpActiveConnections,
  httpRequestDurationSeconds,
  httpRequestsTotal,
  type MetricSpec,
  metricsOverflowTotal,
  OVERFLOW_LABEL_VALUE,
} from '@greyhaven/metric-contract';
import {
  type ExpositionFormat,
  escapeLabelValue,
  familyHeader,
  formatValue,
  openMetricsCounterFamily,
  sanitizeLabelValue,
} from './exposition.ts';
import { ExpositionWriter, encodeConstant } from './exposition-writer.ts';
import { METHOD_VALUES } from './labels.ts';

export interface HttpMetricsOptions {
  /**
   * Most label sets (method × route × status) each HTTP metric family keeps. A new label set past the cap is
   * folded into `route="__overflow__"` (method and status kept, so error rates stay right) and counted in
   * `greyhaven_metrics_overflow_total`. Default 1000 (the contract's DEFAULT_MAX_LABEL_SETS): with the 7 contract buckets that is at most ≈11k
   * histogram lines, a few MiB, whatever the traffic.
   */
  maxLabelSets?: number;
  /** Longest `route` value kept, in UTF-16 code units; longer values are cut. Default 200 (DEFAULT_MAX_ROUTE_LENGTH). */
  maxRouteLength?: number;
  /**
   * When a (method, route) pair is first seen, also create its `status="500"` label set at zero, so the first
   * server error is visible to rate() (Prometheus cannot see the first increment of a series that did not
   * exist). Costs one extra label set per route (counted against the cap, skipped when the cap is near).
   * Default true.
   */
  preInitServerErrors?: boolean;
  /**
   * Called when instrumentation itself fails (a metrics bug, a DB pool callback that throws). Instrumentation
   * never throws into the application. Default: one console.warn per distinct `where`.
   */
  onError?: (error: unknown, where: string) => void;
}

/** Reads a DB pool's size at scrape time. Either callback may be async. */
export interface DbPoolSource {
  /** Connections currently checked out of the pool. */
  active(): number | Promise<number>;
  /** Maximum size of the pool. */
  max(): number | Promise<number>;
}

/** The live values of one label set, as `forEachLabelSet` hands them out (read-only to callers). */
export interface LabelSetValues {
  /** Requests: the counter's value and the histogram's `_count`. */
  readonly count: number;
  readonly sum: number;
  /** Per-bucket (non-cumulative) counts, one per bound of the contract's buckets. */
  readonly buckets: readonly number[];
}

/** One label set of the two HTTP families (they always share label sets: every request updates both). */
interface Series {
  /** `method="…",route="…",status="…"`, escaped. */
  readonly labels: string;
  /** Requests: the counter's value and the histogram's `_count`. */
  count: number;
  sum: number;
  /** Per-bucket (non-cumulative) observation counts, one per contract bucket bound (a small-integer array:
   * far smaller than a typed array per series). */
  readonly buckets: number[];
}

const BOUNDS: readonly number[] = httpRequestDurationSeconds.buckets;
/** Pre-encoded pieces of the histogram and counter lines (render: see exposition-writer.ts). */
const BOUND_LE: readonly Uint8Array[] = BOUNDS.map((b) => encodeConstant(`${formatValue(b)}"} `));
const INF_LE = encodeConstant('+Inf"} ');
const LE_MAX = Math.max(INF_LE.length, ...BOUND_LE.map((b) => b.length));
const LE_OPEN = encodeConstant(',le="');
const COUNTER_OPEN = encodeConstant(`${httpRequestsTotal.name}{`);
const BUCKET_OPEN = encodeConstant(`${httpRequestDurationSeconds.name}_bucket{`);
const SUM_OPEN = encodeConstant(`${httpRequestDurationSeconds.name}_sum{`);
const COUNT_OPEN = encodeConstant(`${httpRequestDurationSeconds.name}_count{`);

function defaultOnError(): (error: unknown, where: string) => void {
  const seen = new Set<string>();
  return (error, where) => {
    if (seen.has(where)) return;
    seen.add(where);
    console.warn(`[@greyhaven/metrics] ${where} failed (reported once):`, error);
  };
}

export class HttpMetrics {
  /** Requests in flight (`http_active_connections`). Adapters increment and decrement it exactly once each. */
  active = 0;

  readonly maxLabelSets: number;
  readonly maxRouteLength: number;
  readonly preInitServerErrors: boolean;
  readonly onError: (error: unknown, where: string) => void;

  /** method index → route → status code → series. */
  private readonly byMethod: Map<string, Map<number, Series>>[] = METHOD_VALUES.map(() => new Map());
  /** method index → status code → overflow series (route="__overflow__"): at most methods × codes. */
  private readonly overflow: Map<number, Series>[] = METHOD_VALUES.map(() => new Map());
  private labelSets = 0;
  private folded = 0;
  private readonly pools = new Set<DbPoolSource>();

  constructor(options: HttpMetricsOptions = {}) {
    const cap = options.maxLabelSets ?? DEFAULT_MAX_LABEL_SETS;
    this.maxLabelSets = Number.isFinite(cap) && cap >= 0 ? Math.floor(cap) : DEFAULT_MAX_LABEL_SETS;
    const maxRoute = options.maxRouteLength ?? DEFAULT_MAX_ROUTE_LENGTH;
    this.maxRouteLength = Number.isFinite(maxRoute) && maxRoute >= 1 ? Math.floor(maxRoute) : DEFAULT_MAX_ROUTE_LENGTH;
    this.preInitServerErrors = options.preInitServerErrors ?? DEFAULT_PRE_INIT_SERVER_ERRORS;
    this.onError = options.onError ?? defaultOnError();
  }

  /** Label sets currently held (excluding overflow series). */
  get labelSetCount(): number {
    return this.labelSets;
  }

  /** Observations folded into overflow series so far (per capped family). */
  get foldedCount(): number {
    return this.folded;
  }

  /**
   * Records one finished request: counts it and observes its duration. `method` is an index into
   * METHOD_VALUES (see methodIndex). Never throws for a finite, non-negative `seconds`; anything else is
   * recorded as a count with no duration (a negative or NaN duration must not poison the sum).
   */
  observe(method: number, route: string, status: number, seconds: number): void {
    const routes =
      this.byMethod[method] ?? (this.byMethod[METHOD_VALUES.length - 1] as Map<string, Map<number, Series>>);
    const statuses = routes.get(route);
    let series = statuses?.get(status);
    if (series === undefined) series = this.createSeries(method, route, status);
    series.count++;
    if (!(seconds >= 0 && seconds < Number.POSITIVE_INFINITY)) return;
    series.sum += seconds;
    const b = series.buckets;
    for (let i = 0; i < BOUNDS.length; i++) {
      if (seconds <= (BOUNDS[i] as number)) {
        b[i] = (b[i] as number) + 1;
        return;
      }
    }
  }

  private newSeries(method: number, route: string, statusLabel: string): Series {
    return {
      labels: `method="${METHOD_VALUES[method]}",route="${escapeLabelValue(route)}",status="${statusLabel}"`,
      count: 0,
      sum: 0,
      buckets: BOUNDS.map(() => 0),
    };
  }

  /** Cold path: the label set is new (or its route needed sanitising). */
  private createSeries(method: number, rawRoute: string, status: number): Series {
    if (method < 0 || method >= METHOD_VALUES.length || !Number.isInteger(method)) method = METHOD_VALUES.length - 1;
    if (!Number.isInteger(status) || status < 100 || status > 999) status = 500;
    const routes = this.byMethod[method] as Map<string, Map<number, Series>>;
    const route = sanitizeLabelValue(typeof rawRoute === 'string' ? rawRoute : String(rawRoute), this.maxRouteLength);
    let statuses = routes.get(route);
    const existing = statuses?.get(status);
    if (existing !== undefined) return existing; // the raw route sanitised to a known one
    if (this.labelSets >= this.maxLabelSets) return this.overflowSeries(method, status);
    if (statuses === undefined) {
      statuses = new Map();
      routes.set(route, statuses);
    }
    const series = this.newSeries(method, route, String(status));
    statuses.set(status, series);
    this.labelSets++;
    if (this.preInitServerErrors && status !== 500 && !statuses.has(500) && this.labelSets < this.maxLabelSets) {
      statuses.set(500, this.newSeries(method, route, '500'));
      this.labelSets++;
    }
    return series;
  }

  private overflowSeries(method: number, status: number): Series {
    this.folded++;
    const byStatus = this.overflow[method] as Map<number, Series>;
    let series = byStatus.get(status);
    if (series === undefined) {
      series = this.newSeries(method, OVERFLOW_LABEL_VALUE, String(status));
      byStatus.set(status, series);
    }
    return series;
  }

  /** Reads a DB pool at every scrape (`db_pool_connections_active` / `_max`). Returns a function that stops it. */
  addDbPool(source: DbPoolSource): () => void {
    this.pools.add(source);
    return () => {
      this.pools.delete(source);
    };
  }

  /**
   * Visits every label set with its label values as they are exposed (sanitised, not escaped) and its live
   * counts: for pushing instead of rendering (`@greyhaven/metrics/workers`). `buckets` are per-bucket counts
   * (not cumulative), one per contract bound; the values object is the same for the life of the label set, so
   * it can key a WeakMap. Overflow series come last, with `route="__overflow__"`.
   */
  forEachLabelSet(fn: (method: string, route: string, status: string, values: LabelSetValues) => void): void {
    this.byMethod.forEach((routes, m) => {
      const method = METHOD_VALUES[m] as string;
      for (const [route, statuses] of routes) for (const [status, s] of statuses) fn(method, route, String(status), s);
    });
    this.overflow.forEach((byStatus, m) => {
      const method = METHOD_VALUES[m] as string;
      for (const [status, s] of byStatus) fn(method, OVERFLOW_LABEL_VALUE, String(status), s);
    });
  }

  /** Forgets every label set and count (tests). The active gauge is left alone: requests may be in flight. */
  reset(): void {
    for (const m of this.byMethod) m.clear();
    for (const m of this.overflow) m.clear();
    this.labelSets = 0;
    this.folded = 0;
  }

  /**
   * Reads the DB pools (summed; undefined when none is registered or none answered). A callback that throws or
   * returns a non-finite number drops that sample. Used by `render` and by node:cluster workers (cluster.ts).
   */
  async readPools(): Promise<{ active: number; max: number } | undefined> {
    if (this.pools.size === 0) return undefined;
    let active = 0;
    let max = 0;
    let ok = false;
    for (const pool of this.pools) {
      try {
        const [a, m] = await Promise.all([pool.active(), pool.max()]);
        if (typeof a !== 'number' || typeof m !== 'number' || !Number.isFinite(a) || !Number.isFinite(m)) {
          throw new TypeError(`DB pool callbacks returned ${String(a)} / ${String(m)}, expected finite numbers`);
        }
        active += a;
        max += m;
        ok = true;
      } catch (error) {
        this.onError(error, 'db pool read');
      }
    }
    return ok ? { active, max } : undefined;
  }

  /**
   * Renders every family in the given format (no trailing `# EOF`: the handler adds it after any prom-client
   * families). Families with no series yet still get their HELP/TYPE lines.
   */
  async render(format: ExpositionFormat): Promise<string> {
    const pools = await this.readPools();
    return this.renderSync(format, pools);
  }

  private renderSync(format: ExpositionFormat, pools: { active: number; max: number } | undefined): string {
    return renderHttpFamilies(format, (fn) => this.forEachSeries(fn), this.active, pools, this.folded);
  }

  private forEachSeries(fn: (s: Series) => void): void {
    for (const routes of this.byMethod)
      for (const statuses of routes.values()) for (const s of statuses.values()) fn(s);
    for (const byStatus of this.overflow) for (const s of byStatus.values()) fn(s);
  }
}

/** One label set as `renderHttpFamilies` reads it: the escaped label string and its values. */
export interface RenderableSeries extends LabelSetValues {
  /** `method="…",route="…",status="…"`, escaped. */
  readonly labels: string;
}

/**
 * Renders the contract's families from any source of label sets (no trailing `# EOF`): `HttpMetrics.render` for
 * one process, and the node:cluster aggregate (cluster.ts), so both produce byte-for-byte the same format.
 * `folded` is the value of `greyhaven_metrics_overflow_total` for each capped family; `pools` undefined leaves the
 * DB pool gauges out. Families with no series still get their HELP/TYPE lines.
 */
export function renderHttpFamilies(
  format: ExpositionFormat,
  forEachSeries: (fn: (s: RenderableSeries) => void) => void,
  active: number,
  pools: { active: number; max: number } | undefined,
  folded: number,
): string {
  // Hot path of a scrape: see exposition-writer.ts for why this writes bytes (figures there).
  const w = new ExpositionWriter();
  w.text(familyHeader(httpRequestsTotal.name, 'counter', httpRequestsTotal.help, format));
  // The series in visiting order, and where each one's label string landed in the counter lines ([start, end)
  // pairs): the histogram lines copy these bytes instead of encoding the string again.
  const all: RenderableSeries[] = [];
  const spans: number[] = [];
  forEachSeries((s) => {
    all.push(s);
    w.reserve(COUNTER_OPEN.length + 20);
    w.raw(COUNTER_OPEN);
    const start = w.pos;
    w.text(s.labels);
    spans.push(start, w.pos);
    w.reserve(20);
    w.byte(0x7d /* } */);
    w.byte(0x20);
    w.count(s.count);
    w.byte(0x0a);
  });

  w.text(familyHeader(httpRequestDurationSeconds.name, 'histogram', httpRequestDurationSeconds.help, format));
  for (let j = 0; j < all.length; j++) {
    const s = all[j] as RenderableSeries;
    const from = spans[2 * j] as number;
    const to = spans[2 * j + 1] as number;
    // Worst case of this series' lines: each at most prefix + labels + longest suffix + a 16-digit value
    // (+ a float sum, reserved for separately).
    w.reserve((BUCKET_OPEN.length + (to - from) + LE_MAX + 20) * (BOUND_LE.length + 3));
    // First bucket line: `…_bucket{<labels>,le="`, remembered and copied for the other bounds.
    const line = w.pos;
    w.raw(BUCKET_OPEN);
    w.again(from, to);
    w.raw(LE_OPEN);
    const prefixEnd = w.pos;
    let cumulative = 0;
    for (let i = 0; i < BOUND_LE.length; i++) {
      if (i > 0) w.again(line, prefixEnd);
      cumulative += s.buckets[i] as number;
      w.raw(BOUND_LE[i] as Uint8Array);
      w.count(cumulative);
      w.byte(0x0a);
    }
    w.again(line, prefixEnd);
    w.raw(INF_LE);
    w.count(s.count);
    w.byte(0x0a);
    w.raw(SUM_OPEN);
    w.again(from, to);
    w.byte(0x7d);
    w.byte(0x20);
    w.text(formatValue(s.sum));
    w.reserve(COUNT_OPEN.length + (to - from) + 20);
    w.byte(0x0a);
    w.raw(COUNT_OPEN);
    w.again(from, to);
    w.byte(0x7d);
    w.byte(0x20);
    w.count(s.count);
    w.byte(0x0a);
  }

  let out = '';
  out += familyHeader(httpActiveConnections.name, 'gauge', httpActiveConnections.help, format);
  out += `${httpActiveConnections.name} ${formatValue(active)}\n`;

  if (pools !== undefined) {
    out += familyHeader(dbPoolConnectionsActive.name, 'gauge', dbPoolConnectionsActive.help, format);
    out += `${dbPoolConnectionsActive.name} ${formatValue(pools.active)}\n`;
    out += familyHeader(dbPoolConnectionsMax.name, 'gauge', dbPoolConnectionsMax.help, format);
    out += `${dbPoolConnectionsMax.name} ${formatValue(pools.max)}\n`;
  }

  const overflow = metricsOverflowTotal.name;
  out += familyHeader(overflow, 'counter', metricsOverflowTotal.help, format);
  const label = metricsOverflowTotal.labels[0];
  // The capped families, by name (the overflow counter's label values).
  for (const family of CAPPED_METRICS) {
    out += `${overflow}{${label}="${family}"} ${folded}\n`;
  }
  w.text(out);
  return w.finish();
}

/** Family names as they appear on HELP/TYPE lines in either format (for conflict checks). */
export function familyNamesFor(metric: MetricSpec): string[] {
  return metric.type === 'counter' ? [metric.name, openMetricsCounterFamily(metric.name)] : [metric.name];
}

let defaultInstance: HttpMetrics | undefined;

/** The process-wide instance every adapter and handler uses unless given `metrics`. */
export function defaultHttpMetrics(): HttpMetrics {
  defaultInstance ??= new HttpMetrics();
  return defaultInstance;
}

/** Reads a DB pool at scrape time into the default (or given) instance. Returns a function that stops it. */
export function registerDbPool(source: DbPoolSource, metrics: HttpMetrics = defaultHttpMetrics()): () => void {
  return metrics.addDbPool(source);
}

/** A DbPoolSource for a node-postgres (`pg`) Pool: active = totalCount − idleCount, max = options.max (default 10). */
export function pgPoolSource(pool: {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly options?: { readonly max?: number };
}): DbPoolSource {
  return {
    active: () => pool.totalCount - pool.idleCount,
    max: () => pool.options?.max ?? 10,
  };
}
