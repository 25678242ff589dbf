/**
 * Cases of HighLatencySustained (latency-sustained.ts).
 */
import { HTTP_DURATION_BUCKETS } from '@greyhaven/metric-contract';
import { EXTRA_ALERT, SEVERITY } from '../../../conventions.ts';
import { detectionPlan } from '../../../model/detection.ts';
import type { Model } from '../../../model/model.ts';
import { parseDuration } from '../../../util/duration.ts';
import { type AlertCase, bucketAbove, S, sev } from './cases-common.ts';
import { durationSeries, phasedDurationSeries } from './series.ts';

/**
 * HighLatencySustained, stepping at the scrape interval: every request in the bucket above the p99 threshold
 * (the p99 leg, its 5m p99 shown), every request in the bucket above the p95 threshold and under the p99 one
 * (the p95 leg), a slow burst as long as the tolerated one (no page), all fast (no page).
 */
export function latencySustainedCases(model: Model): AlertCase[] {
  const t = model.thresholds;
  const plan = detectionPlan(model);
  const stepMs = (parseDuration(plan.latencyWindow) ?? 60_000) / 4;
  const step = `${stepMs / 1000}s`;
  const steps = (d: string) => Math.round((parseDuration(d) ?? 0) / stepMs);
  const fast = HTTP_DURATION_BUCKETS[0] ?? 0.01;
  const base = { alertname: EXTRA_ALERT.latencySustained, step };
  return model.services.flatMap((s): AlertCase[] => {
    const labels = sev(SEVERITY.critical, { [S]: s.name });
    const out: AlertCase[] = [];
    const p99 = bucketAbove(t.latencyP99.threshold);
    if (p99.lower !== undefined && p99.upper !== undefined) {
      out.push(
        {
          ...base,
          name: `${s.name}: every request takes between ${p99.lower}s and ${p99.upper}s`,
          input: durationSeries(s, 100, p99.upper, steps('10m')),
          evalTime: '5m',
          fires: [{ labels, value: p99.lower + (p99.upper - p99.lower) * 0.99 }],
        },
        {
          ...base,
          name: `${s.name}: every request takes between ${p99.lower}s and ${p99.upper}s for ${t.burstTolerance} after 10m of fast ones (a blip)`,
          input: phasedDurationSeries(s, [
            [100, fast, steps('10m')],
            [100, p99.upper, steps(t.burstTolerance)],
            [100, fast, steps('10m')],
          ]),
          // The last evaluation whose 1m window still holds a slow request.
          evalTime: `${((steps('10m') + steps(t.burstTolerance) + steps(plan.latencyWindow) - 1) * stepMs) / 1000}s`,
          fires: [],
        },
      );
    }
    const p95 = bucketAbove(t.latencyP95.threshold);
    if (
      p95.lower !== undefined &&
      p95.upper !== undefined &&
      p95.lower + (p95.upper - p95.lower) * 0.99 <= t.latencyP99.threshold
    ) {
      out.push({
        ...base,
        name: `${s.name}: every request takes between ${p95.lower}s and ${p95.upper}s (p95 over ${t.latencyP95.threshold}s, p99 under ${t.latencyP99.threshold}s)`,
        input: durationSeries(s, 100, p95.upper, steps('10m')),
        evalTime: '5m',
        fires: [{ labels, value: p95.lower + (p95.upper - p95.lower) * 0.95 }],
      });
    }
    out.push({
      ...base,
      name: `${s.name}: all requests fast`,
      input: durationSeries(s, 100, 0.1, steps('10m')),
      evalTime: '5m',
      fires: [],
    });
    return out;
  });
}
