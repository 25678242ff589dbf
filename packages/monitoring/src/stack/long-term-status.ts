/** `ghmon status` for the long-term store: is it up, is Prometheus' remote write flowing into it. */

import { isOk, promQuery } from '../util/http.ts';
import type { StackInfo } from './info.ts';
import { VICTORIA_METRICS } from './spec.ts';
import { victoriaMetricsUrls } from './victoria-metrics.ts';

export interface LongTermStatus {
  ready: boolean;
  /** Its Prometheus-compatible query API (Grafana datasource, dashboards, curl). */
  queryUrl: string;
  /** Age in seconds of the newest sample of Prometheus' own `up` in the store. */
  newestSampleAgeSeconds?: number;
  /** Samples Prometheus has read from its WAL and not yet sent. */
  pendingSamples?: number;
}

type Vector = { data?: { result?: { value: [number, string] }[] } };
const first = (v: Vector | undefined) => {
  const s = v?.data?.result?.[0]?.value[1];
  return s === undefined ? undefined : Number(s);
};

export async function longTermStatus(info: StackInfo): Promise<LongTermStatus | undefined> {
  const vm = info.components.find((c) => c.name === VICTORIA_METRICS);
  if (vm?.port === undefined) return undefined;
  const urls = victoriaMetricsUrls(`http://127.0.0.1:${vm.port}`);
  const [ready, newest, pending] = await Promise.all([
    isOk(urls.health),
    promQuery<Vector>(urls.query, 'time() - max(timestamp(up{job="prometheus"}))'),
    promQuery<Vector>(`http://127.0.0.1:${info.ports.prometheus}`, 'sum(prometheus_remote_storage_samples_pending)'),
  ]);
  const age = first(newest);
  const pend = first(pending);
  return {
    ready,
    queryUrl: urls.query,
    ...(age !== undefined && Number.isFinite(age) ? { newestSampleAgeSeconds: Math.max(0, age) } : {}),
    ...(pend !== undefined && Number.isFinite(pend) ? { pendingSamples: pend } : {}),
  };
}
