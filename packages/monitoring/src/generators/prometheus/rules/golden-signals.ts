/**
 * The seed's twelve `greyhaven:` recording rules, names verbatim, same meaning, with the seed's flaws fixed:
 * - the by-service rules group by `service`, which the scrape config attaches as a target label;
 * - error ratios are 0 (not absent) for a service with traffic and no 5xx, and absent (not NaN) with no traffic;
 * - CPU is per node (`by (instance)`) and uses `rate` (irate over a 5m window only sees the last two samples,
 *   which makes a `for: 10m` alert flap); the seed's fleet average hid one saturated node among idle ones;
 * - divisions guard their denominator with `> 0` so that no rule records NaN or +Inf.
 */
import {
  dbPoolConnectionsActive as dbActive,
  dbPoolConnectionsMax as dbMax,
  httpRequestDurationSeconds as duration,
  httpRequestsTotal as requests,
} from '@greyhaven/metric-contract';
import { GROUP, LABEL, RECORD, RPS_RATE_WINDOW } from '../../../conventions.ts';
import type { Model } from '../../../model/model.ts';
import { NODE_METRIC } from '../../../model/node-exporter.ts';
import type { RuleGroup } from './types.ts';

const S = LABEL.service;
const errors5xx = `${requests.name}{status=~"5.."}`;

function quantile(q: number): string {
  return `histogram_quantile(${q}, sum by (${S}, le) (rate(${duration.name}_bucket[5m])))`;
}

export function goldenSignalGroups(model: Model): RuleGroup[] {
  const interval = model.evaluationInterval;
  return [
    {
      name: GROUP.requestRate,
      interval,
      rules: [
        { record: RECORD.requestsRate5m, expr: `sum(rate(${requests.name}[5m]))` },
        {
          record: RECORD.requestsRate5mByService,
          expr: `sum by (${S}, method, status) (rate(${requests.name}[5m]))`,
        },
        { record: RECORD.rps, expr: `sum(rate(${requests.name}[${RPS_RATE_WINDOW}]))` },
      ],
    },
    {
      name: GROUP.errors,
      interval,
      rules: [
        {
          record: RECORD.errorsRate5m,
          expr: [`(sum(rate(${errors5xx}[5m])) or vector(0))`, '/', `(sum(rate(${requests.name}[5m])) > 0)`].join('\n'),
        },
        {
          record: RECORD.errorsRate5mByService,
          expr: [
            `(sum by (${S}) (rate(${errors5xx}[5m])) or 0 * sum by (${S}) (rate(${requests.name}[5m])))`,
            '/',
            `(sum by (${S}) (rate(${requests.name}[5m])) > 0)`,
          ].join('\n'),
        },
      ],
    },
    {
      name: GROUP.latency,
      interval,
      rules: [
        { record: RECORD.durationP50, expr: quantile(0.5) },
        { record: RECORD.durationP95, expr: quantile(0.95) },
        { record: RECORD.durationP99, expr: quantile(0.99) },
        {
          record: RECORD.durationAvg,
          expr: `sum(rate(${duration.name}_sum[5m]))\n/\n(sum(rate(${duration.name}_count[5m])) > 0)`,
        },
      ],
    },
    {
      name: GROUP.saturation,
      interval,
      rules: [
        {
          record: RECORD.cpuUsagePercent,
          expr: `100 - (avg by (instance) (rate(${NODE_METRIC.cpuSeconds}{mode="idle"}[5m])) * 100)`,
        },
        {
          record: RECORD.memoryUsagePercent,
          expr: `100 * (1 - (${NODE_METRIC.memAvailable} / ${NODE_METRIC.memTotal}))`,
        },
        { record: RECORD.dbPoolSaturation, expr: `${dbActive.name}\n/\n(${dbMax.name} > 0)` },
      ],
    },
  ];
}
