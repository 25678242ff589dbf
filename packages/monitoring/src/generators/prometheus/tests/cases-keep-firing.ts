/**
 * keep_firing_for cases of the pages that keep firing (HighErrorRate, the latency pages): still firing at the last
 * minute they are kept, resolved at the next one.
 */
import { HTTP_DURATION_BUCKETS } from '@greyhaven/metric-contract';
import { ALERT } from '../../../conventions.ts';
import type { Model, ServiceModel } from '../../../model/model.ts';
import { pageKeepFiringFor } from '../rules/keep-firing.ts';
import { type AlertCase, bucketAbove, type ExpectedAlert, minutes, pct, S, sev } from './cases-common.ts';
import { type InputSeries, phasedDurationSeries, phasedRequestSeries } from './series.ts';

/**
 * keep_firing_for: an incident whose condition stops holding at minute `clears` (worked out from the alert's
 * meaning). Prometheus keeps the alert firing, with the labels and annotations of its last evaluation that held
 * (promtool 2.42 shows that evaluation's `$value`), for keep_firing_for after the first evaluation that does not
 * hold. One case checked twice: still firing at the last minute it is kept, and resolved at the next one.
 */
function keptFiringCases(
  keepFiringFor: string,
  c: {
    alertname: string;
    name: string;
    clears: number;
    input: (steps: number) => InputSeries[];
    fires: ExpectedAlert[];
  },
): AlertCase[] {
  const kept = Math.max(1, minutes(keepFiringFor));
  const still = c.clears + kept - 1;
  const resolved = c.clears + kept;
  // One incident checked twice (the earlier check folded in as `before`): promtool evaluates its minutes once.
  return [
    {
      alertname: c.alertname,
      name: `${c.name}: the condition clears at ${c.clears}m; the alert still fires at ${still}m and has resolved at ${resolved}m (keep_firing_for ${keepFiringFor})`,
      input: c.input(resolved + 1),
      before: [{ evalTime: `${still}m`, fires: c.fires }],
      evalTime: `${resolved}m`,
      fires: [],
    },
  ];
}

/**
 * HighErrorRate when it pages: errors just above the threshold until `end`, then none while traffic goes on.
 * One clean minute in the 5m window leaves 4/5 of the ratio, below the threshold: the condition clears at end+1.
 */
export function errorRatioKeptFiring(model: Model, s: ServiceModel): AlertCase[] {
  const t = model.thresholds.errorRatio;
  const kff = pageKeepFiringFor(model, t.severity);
  if (!kff) return [];
  // Enough requests that one error more than the threshold is within 5/4 of it (and above the traffic floor).
  const perMin = Math.max(1000, Math.ceil(t.minRequestsPerSecond * 600), Math.ceil(10 / t.threshold));
  const errors = Math.min(perMin, Math.floor(perMin * t.threshold) + 1);
  const end = minutes(t.for) + 5;
  return keptFiringCases(kff, {
    alertname: ALERT.highErrorRate,
    name: `${s.name}: ${pct(errors / perMin)} of requests fail for ${end}m, then none`,
    clears: end + 1,
    input: (steps) =>
      phasedRequestSeries(s, [
        [perMin - errors, errors, end],
        [perMin, 0, steps - end],
      ]),
    fires: [{ labels: sev(t.severity, { [S]: s.name }), value: errors / perMin }],
  });
}

/**
 * A latency alert when it pages: every request in the bucket above the threshold until `end`, then every one in
 * the lowest bucket. With k fast minutes in the 5m window the slow bucket holds (5-k)/5 of the requests and the
 * quantile q interpolates within it at (q - k/5) / (1 - k/5); the condition clears at the first k where that is
 * no longer above the threshold, and the alert shows the value of the minute before.
 */
export function latencyKeptFiring(
  model: Model,
  s: ServiceModel,
  alertname: string,
  spec: { threshold: number; for: string; severity: string },
  q: number,
): AlertCase[] {
  const kff = pageKeepFiringFor(model, spec.severity);
  const { lower, upper } = bucketAbove(spec.threshold);
  const fast = HTTP_DURATION_BUCKETS[0] ?? 0.01;
  if (!kff || lower === undefined || upper === undefined || spec.threshold <= fast) return [];
  const at = (k: number) => lower + ((upper - lower) * (q - k / 5)) / (1 - k / 5);
  let k = 1;
  while (k < 5 && at(k) > spec.threshold) k++;
  const end = minutes(spec.for) + 5;
  return keptFiringCases(kff, {
    alertname,
    name: `${s.name}: every request takes between ${lower}s and ${upper}s for ${end}m, then under ${fast}s`,
    clears: end + k,
    input: (steps) =>
      phasedDurationSeries(s, [
        [600, upper, end],
        [600, fast, steps - end],
      ]),
    fires: [{ labels: sev(spec.severity, { [S]: s.name }), value: at(k - 1) }],
  });
}
