/**
 * What push services and `ghmon up --long-term` add to the local stack: Prometheus' remote-write receiver flag
 * (when any service of the user's config pushes), and VictoriaMetrics with the local config's `longTerm` pointing
 * Prometheus at it. The local stack never writes to the config's own long-term store: it gets the local one or
 * none.
 */
import type { MonitoringConfig } from '../config/schema.ts';
import type { Model } from '../model/model.ts';
import type { ChildSpec } from '../stack/components.ts';
import type { Layout } from '../stack/layout.ts';
import type { Ports } from '../stack/ports.ts';
import { type LongTermConfig, longTermSchema } from './schema.ts';
import { VICTORIA_METRICS, victoriaMetricsSpec, victoriaMetricsUrls } from './victoria-metrics.ts';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
/** The second dashboard viewer: the same generated dashboards, reading the long-term store. */
export const LONG_TERM_DASHBOARD = 'dashboard-long-term';
/** Components (and ports) that only `--long-term` runs. */
export const LONG_TERM_COMPONENTS = [VICTORIA_METRICS, LONG_TERM_DASHBOARD] as const;
/** Prometheus ≥ 2.33: accept remote-write requests at /api/v1/write (push services need it). */
export const REMOTE_WRITE_RECEIVER_FLAG = '--web.enable-remote-write-receiver';

/** Whether any service of the config pushes over remote write. */
export function hasPushServices(config: Pick<MonitoringConfig, 'services'>): boolean {
  return config.services.some((s) => s.push !== undefined);
}

/** The local stack's `longTerm`: the local VictoriaMetrics on `port`, with the queue settings of the config's. */
export function localLongTerm(port: number, fast: boolean, own?: LongTermConfig): LongTermConfig {
  const urls = victoriaMetricsUrls(`http://127.0.0.1:${port}`);
  return longTermSchema.parse({
    remoteWrite: {
      url: urls.write,
      queue: { ...own?.remoteWrite.queue, ...(fast ? { batchSendDeadline: '1s', maxBackoff: '1s' } : {}) },
    },
    queryUrl: urls.query,
  });
}

/** The stack's processes with the receiver flag on every Prometheus, and VictoriaMetrics when `longTerm` is set. */
export function extendStack(
  specs: ChildSpec[],
  model: Model,
  opts: { layout: Layout; ports: Ports; remoteWriteReceiver?: boolean },
): ChildSpec[] {
  const out = specs.map((s) =>
    opts.remoteWriteReceiver && s.command === PROMETHEUS_BIN && !s.args.includes(REMOTE_WRITE_RECEIVER_FLAG)
      ? { ...s, args: [...s.args, REMOTE_WRITE_RECEIVER_FLAG] }
      : s,
  );
  const port = opts.ports[VICTORIA_METRICS];
  if (model.longTerm && port !== undefined) {
    out.push(victoriaMetricsSpec({ layout: opts.layout, port }));
    const viewer = out.find((s) => s.name === 'dashboard');
    const viewerPort = opts.ports[LONG_TERM_DASHBOARD];
    if (viewer && viewerPort !== undefined)
      out.push(longTermViewer(viewer, viewerPort, victoriaMetricsUrls(`http://127.0.0.1:${port}`).query));
  }
  return out;
}

/**
 * The dashboard viewer again, on its own port, proxying VictoriaMetrics instead of Prometheus: VictoriaMetrics
 * answers the same query API, so the same dashboards show the long-term data.
 */
function longTermViewer(viewer: ChildSpec, port: number, store: string): ChildSpec {
  const args = [...viewer.args];
  const set = (flag: string, value: string) => {
    const i = args.indexOf(flag);
    if (i >= 0) args[i + 1] = value;
  };
  set('--port', String(port));
  set('--prometheus', store);
  const at = `http://127.0.0.1:${port}`;
  return {
    ...viewer,
    name: LONG_TERM_DASHBOARD,
    args,
    port,
    url: `${at}/`,
    ...(viewer.ready ? { ready: `${at}/health` } : {}),
  };
}
