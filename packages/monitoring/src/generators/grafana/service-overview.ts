/** Per service: traffic, errors, latency, DB pool and error budget, for the service chosen in `$service`. */
import { DASHBOARD_UID, GRAFANA, LABEL, RECORD, SLO_KIND, SLO_RECORD } from '../../conventions.ts';
import type { Model } from '../../model/model.ts';
import {
  type DashboardJson,
  dashboard,
  datasourceVariable,
  firingAlertsAnnotation,
  grid,
  SERVICE_MATCHER,
  serviceVariable,
  statPanel,
  timeseriesPanel,
} from './common.ts';
import { round, thresholdSteps } from './golden-signals.ts';

export function serviceOverviewDashboard(model: Model): DashboardJson {
  const t = model.thresholds;
  const S = LABEL.service;
  const sel = `{${SERVICE_MATCHER}}`;
  const errorThreshold = [{ value: round(t.errorRatio.threshold * 100), color: 'red' }];
  const latencyThresholds = thresholdSteps([
    GRAFANA.latencyPanelThresholdMs,
    round(t.latencyP95.threshold * 1000),
    round(t.latencyP99.threshold * 1000),
  ]);
  return dashboard({
    uid: DASHBOARD_UID.serviceOverview,
    title: 'Grey Haven Service Overview',
    description: 'One service at a time: traffic by status, errors, latency, DB pool and error budget.',
    tags: ['service', model.environment],
    variables: [datasourceVariable(), serviceVariable(RECORD.requestsRate5mByService, model.services[0]?.name)],
    annotation: firingAlertsAnnotation(SERVICE_MATCHER),
    panels: [
      statPanel({
        title: 'Requests/s',
        description: 'Requests per second over 5m.',
        unit: 'reqps',
        grid: grid(0, 0, 6, 4),
        queries: [{ expr: `sum by (${S}) (${RECORD.requestsRate5mByService}${sel})`, legend: `{{${S}}}` }],
        baseColor: 'blue',
      }),
      statPanel({
        title: 'Error rate',
        description: '5xx responses as a percentage of all responses, over 5m.',
        unit: 'percent',
        grid: grid(6, 0, 6, 4),
        queries: [{ expr: `${RECORD.errorsRate5mByService}${sel} * 100`, legend: `{{${S}}}` }],
        thresholds: errorThreshold,
        decimals: 2,
      }),
      statPanel({
        title: 'p95 latency',
        description: 'The 95th percentile of request durations over 5m.',
        unit: 'ms',
        grid: grid(12, 0, 6, 4),
        queries: [{ expr: `${RECORD.durationP95}${sel} * 1000`, legend: `{{${S}}}` }],
        thresholds: latencyThresholds,
      }),
      statPanel({
        title: 'Availability error budget remaining',
        description: 'Share of the availability error budget left over the SLO window (below 0: overspent).',
        unit: 'percentunit',
        grid: grid(18, 0, 6, 4),
        queries: [
          {
            expr: `${SLO_RECORD.budgetRemaining}{${SERVICE_MATCHER},${LABEL.slo}="${SLO_KIND.availability}"}`,
            legend: `{{${S}}}`,
          },
        ],
        thresholds: [
          { value: 0, color: 'orange' },
          { value: 0.25, color: 'green' },
        ],
        baseColor: 'red',
        decimals: 1,
      }),
      timeseriesPanel({
        title: 'Requests by status',
        description: 'Requests per second over 5m, by HTTP status.',
        unit: 'reqps',
        grid: grid(0, 4, 12, 8),
        queries: [
          {
            expr: `sum by (${S}, status) (${RECORD.requestsRate5mByService}${sel})`,
            legend: `{{${S}}} {{status}}`,
          },
        ],
        min: 0,
      }),
      timeseriesPanel({
        title: 'Error rate (%)',
        description: `5xx responses over 5m. The dashed line is the HighErrorRate threshold.`,
        unit: 'percent',
        grid: grid(12, 4, 12, 8),
        queries: [{ expr: `${RECORD.errorsRate5mByService}${sel} * 100`, legend: `{{${S}}}` }],
        thresholds: errorThreshold,
        min: 0,
      }),
      timeseriesPanel({
        title: 'Latency (ms)',
        description: `p50, p95 and p99 over 5m. Dashed lines: the seed's ${GRAFANA.latencyPanelThresholdMs} ms, HighLatencyP95 and CriticalLatencyP99.`,
        unit: 'ms',
        grid: grid(0, 12, 12, 8),
        queries: [
          { expr: `${RECORD.durationP50}${sel} * 1000`, legend: `p50 {{${S}}}` },
          { expr: `${RECORD.durationP95}${sel} * 1000`, legend: `p95 {{${S}}}` },
          { expr: `${RECORD.durationP99}${sel} * 1000`, legend: `p99 {{${S}}}` },
        ],
        thresholds: latencyThresholds,
        min: 0,
      }),
      timeseriesPanel({
        title: 'DB connection pool saturation',
        description: 'Connections in use as a percentage of the pool size, per instance.',
        unit: 'percent',
        grid: grid(12, 12, 12, 8),
        queries: [{ expr: `${RECORD.dbPoolSaturation}${sel} * 100`, legend: `{{${S}}} {{${LABEL.instance}}}` }],
        thresholds: [{ value: 90, color: 'red' }],
        min: 0,
        max: 100,
      }),
    ],
  });
}
