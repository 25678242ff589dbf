/**
 * VictoriaMetrics single node (Debian's `victoria-metrics`, 1.79 here) as the local stack's long-term store
 * (`ghmon up --long-term`): Prometheus remote-writes to it, and its Prometheus-compatible query API serves
 * `ghmon status` and the dashboards. Its flags take a single dash.
 */
import { join } from 'node:path';
import type { Layout } from './layout.ts';
import { BIN, type ChildSpec, VICTORIA_METRICS } from './spec.ts';

/** The endpoints of a VictoriaMetrics single node at `base` (http://host:port). */
export function victoriaMetricsUrls(base: string) {
  return {
    base,
    /** Prometheus remote write 1.0. */
    write: `${base}/api/v1/write`,
    /** Prometheus-compatible query API root (append /api/v1/query, /api/v1/query_range, …). */
    query: base,
    /** Makes just-received samples searchable (within ~1 s instead of several seconds). */
    forceFlush: `${base}/internal/force_flush`,
    /** Raw samples as JSON lines (`?match[]=selector&start=&end=`). */
    export: `${base}/api/v1/export`,
    health: `${base}/health`,
  };
}

export interface VictoriaMetricsOptions {
  layout: Layout;
  port: number;
  /** How long it keeps data (VictoriaMetrics' format: a number of months, or with a h/d/w/y suffix). */
  retention?: string;
}

export function victoriaMetricsSpec(opts: VictoriaMetricsOptions): ChildSpec {
  const urls = victoriaMetricsUrls(`http://127.0.0.1:${opts.port}`);
  return {
    name: VICTORIA_METRICS,
    kind: 'monitoring',
    command: BIN.victoriaMetrics,
    args: [
      `-httpListenAddr=127.0.0.1:${opts.port}`,
      `-storageDataPath=${join(opts.layout.data, VICTORIA_METRICS)}`,
      `-retentionPeriod=${opts.retention ?? '1y'}`,
      // The default 30 s hides the last half minute from queries; locally a dashboard should see it sooner.
      '-search.latencyOffset=5s',
    ],
    cwd: opts.layout.root,
    ready: urls.health,
    url: urls.query,
    port: opts.port,
  };
}
