/**
 * `/metrics`: renders this package's families and, beside them, every metric of the prom-client registries
 * the application already has (by default prom-client's default registry, wired in by the package's Node entry
 * point), in the format the scraper asked for via Accept (OpenMetrics or Prometheus text 0.0.4), with a
 * content type that matches the body.
 *
 * prom-client registries are read through `getMetricsAsJSON()` and formatted here, not through
 * `registry.metrics()`: that way one response has one format whatever content type the user's registry was
 * created with, and no registry's state is changed (prom-client's OpenMetrics rendering renames counters in
 * place). A prom-client family whose name is one of ours is left out (and reported once): two families of one
 * name would make the whole scrape fail.
 */
import { APPLICATION_METRICS } from '@greyhaven/metric-contract';
import { isAuthorized, type MetricsAuth, unauthorizedResponse } from '../auth.ts';
import {
  contentTypeOf,
  type ExpositionFormat,
  escapeLabelValue,
  familyHeader,
  formatValue,
  negotiateFormat,
  openMetricsCounterFamily,
} from './exposition.ts';
import { defaultHttpMetrics, familyNamesFor, type HttpMetrics } from './registry.ts';

/** The part of a prom-client `Registry` we read (structural, so the core needs no prom-client import). */
export interface PromClientRegistryLike {
  getMetricsAsJSON(): Promise<readonly PromClientMetricJson[]>;
}

export interface PromClientMetricJson {
  name: string;
  help: string;
  /** 'counter' | 'gauge' | 'histogram' | 'summary' at run time (prom-client's typings say an enum). */
  type: unknown;
  values?: readonly {
    value: number;
    labels?: Readonly<Record<string, string | number | undefined>>;
    metricName?: string;
  }[];
}

export interface MetricsHandlerOptions {
  /** The metrics instance to render. Default: the process-wide one. */
  metrics?: HttpMetrics;
  /**
   * prom-client registries to render beside ours. Default: prom-client's default registry when the package is
   * imported through its main (Node) entry point; none through `@greyhaven/metrics/core`. `[]` for none.
   */
  registries?: readonly PromClientRegistryLike[];
  /**
   * Bearer-token auth (auth.ts): `{ token }` answers 401 without `Authorization: Bearer <token>`; `'none'` is
   * explicitly open. Default: the Node entry point's `GREYHAVEN_METRICS_TOKEN(_FILE)`, else open.
   */
  auth?: MetricsAuth;
}

let defaultRegistries: () => readonly PromClientRegistryLike[] = () => [];

/** Sets what `registries` defaults to (the Node entry point sets prom-client's default registry). */
export function setDefaultRegistries(fn: () => readonly PromClientRegistryLike[]): void {
  defaultRegistries = fn;
}

/** The registries `registries` currently defaults to. */
export function currentDefaultRegistries(): readonly PromClientRegistryLike[] {
  return defaultRegistries();
}

const OUR_FAMILIES = new Set(APPLICATION_METRICS.flatMap(familyNamesFor));
const VALID_TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped', 'unknown']);

function labelString(labels: Readonly<Record<string, string | number | undefined>> | undefined): string {
  if (labels === undefined) return '';
  let out = '';
  for (const key in labels) {
    const v = labels[key];
    if (v === undefined) continue;
    out += `${out === '' ? '' : ','}${key}="${escapeLabelValue(typeof v === 'number' ? formatValue(v) : String(v))}"`;
  }
  return out === '' ? '' : `{${out}}`;
}

/** Formats prom-client JSON families; returns the text and the names of families left out for a clash. */
export function formatPromClientMetrics(
  families: readonly PromClientMetricJson[],
  format: ExpositionFormat,
  taken: Set<string> = new Set(OUR_FAMILIES),
): { text: string; skipped: string[] } {
  let text = '';
  const skipped: string[] = [];
  for (const family of families) {
    const rawType = String(family.type);
    const isCounter = rawType === 'counter';
    const type = VALID_TYPES.has(rawType) ? rawType : 'untyped';
    const omType = type === 'untyped' ? 'unknown' : type;
    const familyName = isCounter ? openMetricsCounterFamily(family.name) : family.name;
    if (taken.has(family.name) || taken.has(familyName)) {
      skipped.push(family.name);
      continue;
    }
    taken.add(family.name);
    taken.add(familyName);
    text += familyHeader(
      format === 'openmetrics' && isCounter ? `${familyName}_total` : family.name,
      format === 'openmetrics' ? omType : type === 'unknown' ? 'untyped' : type,
      family.help,
      format,
    );
    for (const v of family.values ?? []) {
      let name = v.metricName ?? family.name;
      if (format === 'openmetrics' && isCounter && v.metricName === undefined) name = `${familyName}_total`;
      text += `${name}${labelString(v.labels)} ${formatValue(v.value)}\n`;
    }
  }
  return { text, skipped };
}

export interface RenderedMetrics {
  body: string;
  contentType: string;
  format: ExpositionFormat;
}

const reportedClashes = new WeakMap<HttpMetrics, Set<string>>();

/** Renders everything `/metrics` serves for a given Accept header. Never throws: a failing registry is skipped. */
export async function renderMetrics(
  accept: string | null | undefined,
  options: MetricsHandlerOptions = {},
): Promise<RenderedMetrics> {
  const metrics = options.metrics ?? defaultHttpMetrics();
  const format = negotiateFormat(accept);
  let body: string;
  try {
    body = await metrics.render(format);
  } catch (error) {
    metrics.onError(error, 'rendering metrics');
    body = '';
  }
  body = await appendRegistries(body, format, options.registries ?? defaultRegistries(), metrics);
  return { body, contentType: contentTypeOf(format), format };
}

/**
 * Appends the families of prom-client registries to a body of our families, leaving out (and reporting once to
 * `metrics.onError`) any that clash with ours, then `# EOF` for OpenMetrics. Never throws: a failing registry is
 * skipped. `renderMetrics` and the node:cluster handler (cluster.ts) both finish a body with it.
 */
export async function appendRegistries(
  body: string,
  format: ExpositionFormat,
  registries: readonly PromClientRegistryLike[],
  metrics: HttpMetrics,
): Promise<string> {
  const taken = new Set(OUR_FAMILIES);
  for (const registry of registries) {
    try {
      const { text, skipped } = formatPromClientMetrics(await registry.getMetricsAsJSON(), format, taken);
      body += text;
      let reported = reportedClashes.get(metrics);
      if (reported === undefined) {
        reported = new Set();
        reportedClashes.set(metrics, reported);
      }
      for (const name of skipped) {
        if (reported.has(name)) continue;
        reported.add(name);
        metrics.onError(
          new Error(`prom-client metric ${name} clashes with a @greyhaven/metrics family and is not exposed`),
          `prom-client metric ${name}`,
        );
      }
    } catch (error) {
      metrics.onError(error, 'reading a prom-client registry');
    }
  }
  if (format === 'openmetrics') body += '# EOF\n';
  return body;
}

/** A web-standard `/metrics` handler: `(request) => Promise<Response>`. */
export function metricsHandler(options: MetricsHandlerOptions = {}): (request: Request) => Promise<Response> {
  return async (request: Request) => {
    if (!isAuthorized(request.headers.get('authorization'), options.auth)) return unauthorizedResponse();
    const { body, contentType } = await renderMetrics(request.headers.get('accept'), options);
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: { 'content-type': contentType, 'cache-control': 'no-store' },
    });
  };
}
