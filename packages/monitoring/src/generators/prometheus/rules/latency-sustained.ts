/**
 * HighLatencySustained: a latency regression pages within minutes. The seed's CriticalLatencyP99 waits for its
 * 5m quantile to cross 1s and then 5 more minutes (`for: 5m`), about 7:30 after a regression begins; its
 * HighLatencyP95 only tickets. This page fires when the seed's 5m quantile is over the seed's threshold (p99 over
 * `thresholds.latencyP99`, or p95 over `thresholds.latencyP95`, 2.5× the 200 ms line the seed's dashboard marks
 * critical) and the 1m quantile has stayed over it at every evaluation for longer than a tolerated burst
 * (model/detection.ts): a slow minute after a deploy does not page, a regression pages in about 3 minutes.
 * Both thresholds are histogram bucket bounds (the contract has one at each), so no quantile is interpolated
 * across a wide bucket into a page.
 */
import { httpRequestDurationSeconds as duration } from '@greyhaven/metric-contract';
import { EXTRA_ALERT, GROUP, LABEL, LATENCY_RECORD, RECORD, SEVERITY } from '../../../conventions.ts';
import { detectionPlan } from '../../../model/detection.ts';
import type { Model } from '../../../model/model.ts';
import { keepFiring } from './keep-firing.ts';
import { num, runbookUrl } from './seed-alerts.ts';
import type { RuleGroup } from './types.ts';

const S = LABEL.service;

function quantile(q: number, window: string): string {
  return `histogram_quantile(${q}, sum by (${S}, le) (rate(${duration.name}_bucket[${window}])))`;
}

export function latencySustainedGroup(model: Model): RuleGroup {
  const t = model.thresholds;
  const plan = detectionPlan(model);
  const leg = (fiveMinute: string, short: string, threshold: number) =>
    `(\n  ${fiveMinute} > ${num(threshold)}\nand on (${S})\n  min_over_time(${short}[${plan.latencyPersistence}]) > ${num(threshold)}\n)`;
  return {
    name: GROUP.latencySustained,
    interval: model.evaluationInterval,
    rules: [
      { record: LATENCY_RECORD.p95Rate1m, expr: quantile(0.95, plan.latencyWindow) },
      { record: LATENCY_RECORD.p99Rate1m, expr: quantile(0.99, plan.latencyWindow) },
      {
        alert: EXTRA_ALERT.latencySustained,
        expr: [
          leg(RECORD.durationP99, LATENCY_RECORD.p99Rate1m, t.latencyP99.threshold),
          'or',
          leg(RECORD.durationP95, LATENCY_RECORD.p95Rate1m, t.latencyP95.threshold),
        ].join('\n'),
        ...keepFiring(model, SEVERITY.critical),
        labels: { [LABEL.severity]: SEVERITY.critical },
        annotations: {
          summary: 'Sustained high latency on {{ $labels.service }} ({{ $value | humanizeDuration }})',
          description: `The p99 latency of {{ $labels.${S} }} is over ${num(t.latencyP99.threshold)}s, or its p95 over ${num(t.latencyP95.threshold)}s, over 5m and in every ${plan.latencyWindow} window for ${plan.latencyPersistence}: a regression, not a slow moment.`,
          runbook_url: runbookUrl(model, EXTRA_ALERT.latencySustained),
        },
      },
    ],
  };
}
