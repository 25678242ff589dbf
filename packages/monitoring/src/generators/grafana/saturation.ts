/** Saturation: CPU and memory per node (node_exporter), DB connection pools per service. */
import { dbPoolConnectionsActive, dbPoolConnectionsMax } from '@greyhaven/metric-contract';
import { DASHBOARD_UID, LABEL, RECORD } from '../../conventions.ts';
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
import { thresholdSteps } from './golden-signals.ts';

export function saturationDashboard(model: Model): DashboardJson {
  const t = model.thresholds;
  const S = LABEL.service;
  const I = LABEL.instance;
  const sel = `{${SERVICE_MATCHER}}`;
  const cpu = thresholdSteps([t.cpuPercent.threshold]);
  const memory = thresholdSteps([t.memoryPercent.threshold]);
  const pool = [{ value: 90, color: 'red' }];
  return dashboard({
    uid: DASHBOARD_UID.saturation,
    title: 'Grey Haven Saturation',
    description: 'How full things are: CPU and memory per node, DB connection pools per service.',
    tags: ['saturation', model.environment],
    variables: [datasourceVariable(), serviceVariable(RECORD.requestsRate5mByService, model.services[0]?.name)],
    annotation: firingAlertsAnnotation(''),
    panels: [
      statPanel({
        title: 'CPU (busiest node)',
        description: `Highest CPU use of any node; HighCPUUsage fires above ${t.cpuPercent.threshold}%.`,
        unit: 'percent',
        grid: grid(0, 0, 8, 4),
        queries: [{ expr: `max(${RECORD.cpuUsagePercent})`, legend: 'CPU' }],
        thresholds: cpu,
        decimals: 1,
      }),
      statPanel({
        title: 'Memory (fullest node)',
        description: `Highest memory use of any node; HighMemoryUsage fires above ${t.memoryPercent.threshold}%.`,
        unit: 'percent',
        grid: grid(8, 0, 8, 4),
        queries: [{ expr: `max(${RECORD.memoryUsagePercent})`, legend: 'Memory' }],
        thresholds: memory,
        decimals: 1,
      }),
      statPanel({
        title: 'DB pool (fullest)',
        description: 'Highest DB connection pool use among the selected services.',
        unit: 'percent',
        grid: grid(16, 0, 8, 4),
        queries: [{ expr: `max(${RECORD.dbPoolSaturation}${sel}) * 100`, legend: 'DB pool' }],
        thresholds: pool,
        decimals: 1,
      }),
      timeseriesPanel({
        title: 'CPU usage per node',
        description: 'Non-idle CPU time over 5m, averaged over the cores of each node.',
        unit: 'percent',
        grid: grid(0, 4, 12, 8),
        queries: [{ expr: RECORD.cpuUsagePercent, legend: `{{${I}}}` }],
        thresholds: cpu,
        min: 0,
        max: 100,
      }),
      timeseriesPanel({
        title: 'Memory usage per node',
        description: 'Memory not available to new processes (1 - MemAvailable / MemTotal).',
        unit: 'percent',
        grid: grid(12, 4, 12, 8),
        queries: [{ expr: RECORD.memoryUsagePercent, legend: `{{${I}}}` }],
        thresholds: memory,
        min: 0,
        max: 100,
      }),
      timeseriesPanel({
        title: 'DB connection pool saturation',
        description: 'Connections in use as a percentage of the pool size.',
        unit: 'percent',
        grid: grid(0, 12, 12, 8),
        queries: [{ expr: `${RECORD.dbPoolSaturation}${sel} * 100`, legend: `{{${S}}} {{${I}}}` }],
        thresholds: pool,
        min: 0,
        max: 100,
      }),
      timeseriesPanel({
        title: 'DB connections in use and pool size',
        description: 'The raw pool gauges behind the saturation ratio.',
        unit: 'short',
        grid: grid(12, 12, 12, 8),
        queries: [
          { expr: `${dbPoolConnectionsActive.name}${sel}`, legend: `in use {{${S}}} {{${I}}}` },
          { expr: `${dbPoolConnectionsMax.name}${sel}`, legend: `pool size {{${S}}} {{${I}}}` },
        ],
        min: 0,
      }),
    ],
  });
}
