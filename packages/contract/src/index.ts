/**
 * The metric contract: the one place that names every metric a Grey Haven service emits, with its type,
 * help text, labels and buckets. The TypeScript middleware (@greyhaven/metrics), the Python middleware
 * (through the generated `out/contract/metrics.json`), the recording rules, the alerts and the dashboards all
 * take their names from here. Nothing else may spell a metric name.
 *
 * Labels set by the application are listed in `labels`. The `service` label is *not* one of them: Prometheus
 * attaches it from the scrape config (a target label), so one binary can run as many services and the
 * application cannot get it wrong. `job` and `instance` are attached by Prometheus to every scraped series.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  /** The metric family name as exposed (for a histogram: without `_bucket`/`_sum`/`_count`). */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Labels the application sets on every sample, in exposition order. */
  readonly labels: readonly string[];
  /** Histogram upper bounds in seconds, ascending, without +Inf. */
  readonly buckets?: readonly number[];
}

/**
 * The seed's buckets, 10 ms to 5 s, plus 200 ms: every threshold an alert or SLO compares a latency against is a
 * bucket bound, so a quantile near it is not interpolated across a wide bucket (with only 100 ms and 500 ms, a
 * true p95 of 150 ms reads as up to 400 ms). 200 ms is the line the seed's dashboard marks critical and Grey
 * Haven's latency SLO threshold; 500 ms and 1 s are the seed's p95 and p99 alert thresholds.
 */
export const HTTP_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5] as const;

/** The labels on every HTTP request metric. */
export const HTTP_LABELS = ['method', 'route', 'status'] as const;
export type HttpLabel = (typeof HTTP_LABELS)[number];

export const httpRequestsTotal = {
  name: 'http_requests_total',
  type: 'counter',
  help: 'Total HTTP requests handled, by method, route template and response status code.',
  labels: HTTP_LABELS,
} as const satisfies MetricSpec;

export const httpRequestDurationSeconds = {
  name: 'http_request_duration_seconds',
  type: 'histogram',
  help: 'HTTP request duration in seconds, from request start to response headers, by method, route template and status code.',
  labels: HTTP_LABELS,
  buckets: HTTP_DURATION_BUCKETS,
} as const satisfies MetricSpec;

export const httpActiveConnections = {
  name: 'http_active_connections',
  type: 'gauge',
  help: 'HTTP requests currently in flight.',
  labels: [],
} as const satisfies MetricSpec;

export const dbPoolConnectionsActive = {
  name: 'db_pool_connections_active',
  type: 'gauge',
  help: 'Database connections currently checked out of the pool.',
  labels: [],
} as const satisfies MetricSpec;

export const dbPoolConnectionsMax = {
  name: 'db_pool_connections_max',
  type: 'gauge',
  help: 'Maximum size of the database connection pool.',
  labels: [],
} as const satisfies MetricSpec;

/** The label on `greyhaven_metrics_overflow_total` that names the capped metric family. */
export const OVERFLOW_METRIC_LABEL = 'metric';

/**
 * Observations the instrumentation folded into an overflow series (`route="__overflow__"`) because a metric
 * family reached its label-set cap, by metric family. Non-zero means a URL scan or a missing route template.
 */
export const metricsOverflowTotal = {
  name: 'greyhaven_metrics_overflow_total',
  type: 'counter',
  help: 'Observations folded into the overflow series because a metric family reached its label-set cap, by metric family.',
  labels: [OVERFLOW_METRIC_LABEL],
} as const satisfies MetricSpec;

/** Every metric an instrumented Grey Haven service emits. */
export const APPLICATION_METRICS: readonly MetricSpec[] = [
  httpRequestsTotal,
  httpRequestDurationSeconds,
  httpActiveConnections,
  dbPoolConnectionsActive,
  dbPoolConnectionsMax,
  metricsOverflowTotal,
];

/** HTTP methods kept as their own `method` value; anything else is recorded as `other`. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;
export const OTHER_METHOD = 'other';

/** The `route` value for requests no route matched (404s), so a URL scan cannot mint series. */
export const UNMATCHED_ROUTE = '__unmatched__';
/** The `route` value that label sets past the cardinality cap are folded into. */
export const OVERFLOW_LABEL_VALUE = '__overflow__';
/**
 * The status code recorded for a request whose client went away before any response headers were sent (nginx's
 * convention). Not a 5xx: the server did not fail, so error-rate rules do not count it.
 */
export const CLIENT_CLOSED_STATUS_CODE = 499;
/** CLIENT_CLOSED_STATUS_CODE as the `status` label value. */
export const CLIENT_CLOSED_STATUS = `${CLIENT_CLOSED_STATUS_CODE}` as const;

/** Labels Prometheus attaches to every scraped series. */
export const SCRAPE_LABELS = ['job', 'instance'] as const;
/** The target label the scrape config attaches to application targets; rules group by it. */
export const SERVICE_LABEL = 'service';

/** The sample names a metric family exposes (a histogram has three). */
export function seriesNames(metric: MetricSpec): string[] {
  if (metric.type === 'histogram') {
    return [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`];
  }
  return [metric.name];
}

/** The JSON written to `out/contract/metrics.json` (read by the Python package). */
export interface ContractJson {
  version: 1;
  serviceLabel: string;
  scrapeLabels: readonly string[];
  httpMethods: readonly string[];
  otherMethod: string;
  unmatchedRoute: string;
  overflowLabelValue: string;
  metrics: readonly MetricSpec[];
}

export function contractJson(): ContractJson {
  return {
    version: 1,
    serviceLabel: SERVICE_LABEL,
    scrapeLabels: SCRAPE_LABELS,
    httpMethods: HTTP_METHODS,
    otherMethod: OTHER_METHOD,
    unmatchedRoute: UNMATCHED_ROUTE,
    overflowLabelValue: OVERFLOW_LABEL_VALUE,
    metrics: APPLICATION_METRICS,
  };
}

/*
 * The instrumentation policy: how both middlewares turn a request into bounded label values. Not part of the
 * metric contract JSON (out/contract/metrics.json is read by rules and dashboards, which never see these): it is
 * written as its own JSON, `policyJson()`, shipped in the Python package as greyhaven_metrics/policy.json
 * (python/sync-contract.ts), so @greyhaven/metrics and greyhaven_metrics both read these values and neither
 * keeps a copy. packages/contract/test-vectors/labels.json holds inputs and expected outputs both test suites run.
 */

/**
 * Default cap on the label sets (method × route × status) each capped HTTP family keeps per process; later
 * label sets fold into `route="__overflow__"`, so /metrics stays a few MiB whatever the traffic.
 */
export const DEFAULT_MAX_LABEL_SETS = 1000;
/** Default longest `route` value kept (longer ones are cut; TypeScript counts UTF-16 code units, Python code points). */
export const DEFAULT_MAX_ROUTE_LENGTH = 200;
/**
 * Default for creating a `(method, route)` pair's `status="500"` label set at zero when the pair is first seen, so
 * the first server error is visible to rate().
 */
export const DEFAULT_PRE_INIT_SERVER_ERRORS = true;
/** The families the label-set cap applies to (the values of `greyhaven_metrics_overflow_total`'s label). */
export const CAPPED_METRICS = [httpRequestsTotal.name, httpRequestDurationSeconds.name] as const;

/** One rule of the path normaliser: a segment `pattern` matches in full becomes `placeholder`. */
export interface PathSegmentRule {
  readonly placeholder: string;
  /**
   * A regular expression in the syntax JavaScript and Python share (ASCII character classes spelled out,
   * quantifiers, lookahead; no flags, no `\d` or `\w`, whose meaning differs), matched against the whole segment.
   */
  readonly pattern: string;
}

/**
 * The path normaliser, used for `route` when no router template is known, so that such a route still has bounded
 * cardinality. A path containing no match of `onlyIfPathMatches` is kept as is (the empty path becomes
 * `emptyPath`); otherwise each non-empty `/`-separated segment is replaced by the placeholder of the first rule
 * it matches in full: all-digit segments become `:id`, UUIDs `:uuid`, hex strings of 16+ characters (hashes,
 * object ids) `:hash`, and `[A-Za-z0-9_-]` tokens of 20+ characters with a letter `:token` — the last also on a
 * digit-free segment of a path with a digit elsewhere (`/docs/a-long-slug-of-twenty/2`). The label-set cap
 * bounds what this cannot see (slugs, scans).
 */
export const PATH_NORMALISER = {
  emptyPath: '/',
  onlyIfPathMatches: '[0-9]',
  segmentRules: [
    { placeholder: ':id', pattern: '[0-9]+' },
    {
      placeholder: ':uuid',
      pattern: '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}',
    },
    { placeholder: ':hash', pattern: '[0-9a-fA-F]{16,}' },
    { placeholder: ':token', pattern: '(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,}' },
  ] as const satisfies readonly PathSegmentRule[],
} as const;

/** The JSON the Python package ships as greyhaven_metrics/policy.json (python/sync-contract.ts writes it). */
export interface PolicyJson {
  version: 1;
  maxLabelSets: number;
  maxRouteLength: number;
  preInitServerErrors: boolean;
  cappedMetrics: readonly string[];
  clientClosedStatus: number;
  pathNormaliser: {
    emptyPath: string;
    onlyIfPathMatches: string;
    segmentRules: readonly PathSegmentRule[];
  };
}

export function policyJson(): PolicyJson {
  return {
    version: 1,
    maxLabelSets: DEFAULT_MAX_LABEL_SETS,
    maxRouteLength: DEFAULT_MAX_ROUTE_LENGTH,
    preInitServerErrors: DEFAULT_PRE_INIT_SERVER_ERRORS,
    cappedMetrics: CAPPED_METRICS,
    clientClosedStatus: CLIENT_CLOSED_STATUS_CODE,
    pathNormaliser: PATH_NORMALISER,
  };
}
