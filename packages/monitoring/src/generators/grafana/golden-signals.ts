/**
 * Golden Signals: the seed's dashboard (section 5) on the current schema. Its four `graph` panels become
 * `timeseries` panels with the seed's queries, legends, units (reqps, percent, ms, percent) and layout; the
 * seed's legacy panel `alert` on the error rate becomes a threshold line at the HighErrorRate threshold (the
 * alert itself is a Prometheus rule), and the latency panel keeps the seed's 200 ms threshold.
 */
import { DASHBOARD_UID, GRAFANA, LABEL, RECORD } from '../../conventions.ts';
import type { Model } from '../../model/model.ts';
import {
  type DashboardJson,
  dashboard,
  datasourceVariable,
  firingAlertsAnnotation,
  grid,
  timeseriesPanel,
} from './common.ts';

export function goldenSignalsDashboard(model: Model): DashboardJson {
  const t = model.thresholds;
  const S = LABEL.service;
  return dashboard({
    uid: DASHBOARD_UID.goldenSignals,
    title: 'Grey Haven Golden Signals',
    description: 'Traffic, errors, latency and saturation across every service (the seed dashboard, current schema).',
    tags: ['golden-signals', model.environment],
    variables: [datasourceVariable()],
    annotation: firingAlertsAnnotation(''),
    panels: [
      timeseriesPanel({
        title: 'Request Rate (RPS)',
        description: `All requests per second, over 1m (${RECORD.rps}).`,
        unit: 'reqps',
        grid: grid(0, 0, 12, 8),
        queries: [{ expr: RECORD.rps, legend: 'Requests/sec' }],
        min: 0,
      }),
      timeseriesPanel({
        title: 'Error Rate (%)',
        description: `5xx responses as a percentage of all responses, over 5m. The dashed line is the HighErrorRate threshold (${t.errorRatio.threshold * 100}%).`,
        unit: 'percent',
        grid: grid(12, 0, 12, 8),
        queries: [{ expr: `${RECORD.errorsRate5m} * 100`, legend: 'Error %' }],
        thresholds: [{ value: round(t.errorRatio.threshold * 100), color: 'red' }],
        min: 0,
      }),
      timeseriesPanel({
        title: 'Request Latency (ms)',
        description: `p50, p95 and p99 per service, over 5m. The dashed line is the seed's ${GRAFANA.latencyPanelThresholdMs} ms threshold.`,
        unit: 'ms',
        grid: grid(0, 8, 12, 8),
        queries: [
          { expr: `${RECORD.durationP50} * 1000`, legend: `p50 {{${S}}}` },
          { expr: `${RECORD.durationP95} * 1000`, legend: `p95 {{${S}}}` },
          { expr: `${RECORD.durationP99} * 1000`, legend: `p99 {{${S}}}` },
        ],
        thresholds: [{ value: GRAFANA.latencyPanelThresholdMs, color: 'red' }],
        min: 0,
      }),
      timeseriesPanel({
        title: 'Resource Saturation',
        description: `CPU and memory in use per node. Dashed lines: HighCPUUsage (${t.cpuPercent.threshold}%) and HighMemoryUsage (${t.memoryPercent.threshold}%).`,
        unit: 'percent',
        grid: grid(12, 8, 12, 8),
        queries: [
          { expr: RECORD.cpuUsagePercent, legend: `CPU % {{${LABEL.instance}}}` },
          { expr: RECORD.memoryUsagePercent, legend: `Memory % {{${LABEL.instance}}}` },
        ],
        thresholds: thresholdSteps([t.cpuPercent.threshold, t.memoryPercent.threshold]),
        min: 0,
        max: 100,
      }),
    ],
  });
}

/** Ascending threshold steps, orange then red. */
export function thresholdSteps(values: number[]): { value: number; color: string }[] {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  return sorted.map((value, i) => ({ value, color: i === sorted.length - 1 ? 'red' : 'orange' }));
}

/** 1.0000000000000002 → 1. */
export function round(n: number): number {
  return Number(n.toPrecision(12));
}
