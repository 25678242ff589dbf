/**
 * Cases of the SLO alerts (slo.ts): the burn-rate page and ticket, the sustained page and the slow ticket's
 * persistence tier, for every SLO of every service.
 */
import { HTTP_DURATION_BUCKETS } from '@greyhaven/metric-contract';
import { EXTRA_ALERT, LABEL, SEVERITY, SLO_KIND } from '../../../conventions.ts';
import { errorBudget, SLOW_PERSISTENCE, SUSTAINED_FACTOR } from '../../../model/burn-plan.ts';
import { detectionPlan } from '../../../model/detection.ts';
import type { Model, ServiceModel } from '../../../model/model.ts';
import { formatDuration, parseDuration } from '../../../util/duration.ts';
import { type AlertCase, minutes, pct, S, sev } from './cases-common.ts';
import { type InputSeries, phasedCounter, phasedRequestSeries, selector, targetLabels } from './series.ts';

export function sloCases(model: Model, s: ServiceModel): AlertCase[] {
  const out: AlertCase[] = [];
  const kinds: { kind: string; objective: number }[] = [
    { kind: SLO_KIND.availability, objective: s.slo.availability.objective },
  ];
  if (s.slo.latency) kinds.push({ kind: SLO_KIND.latency, objective: s.slo.latency.objective });
  for (const { kind, objective } of kinds) {
    const budget = errorBudget(objective);
    const labels = (severity: string) => sev(severity, { [S]: s.name, [LABEL.slo]: kind });
    // Bad-event ratios chosen well clear of the thresholds: 14.4× (page), 3× (ticket).
    const fast = Math.min(0.5, budget * 30);
    const slow = budget * 5;
    const quiet = budget * 0.5;
    const input = (ratio: number, steps: number) => badEvents(s, kind, [[ratio, steps]]);
    out.push(
      {
        alertname: EXTRA_ALERT.budgetBurnFast,
        name: `${s.name} ${kind}: ${fast * 100}% bad events (30× the budget)`,
        input: input(fast, 90),
        evalTime: '70m',
        evalStep: FAST_EVAL_STEP,
        fires: [{ labels: labels(SEVERITY.critical), value: fast }],
      },
      {
        alertname: EXTRA_ALERT.budgetBurnFast,
        name: `${s.name} ${kind}: ${slow * 100}% bad events (5×: a ticket, not a page)`,
        input: input(slow, 90),
        evalTime: '70m',
        evalStep: FAST_EVAL_STEP,
        fires: [],
      },
      {
        alertname: EXTRA_ALERT.budgetBurnSlow,
        name: `${s.name} ${kind}: ${slow * 100}% bad events for 3h (5× the budget)`,
        input: input(slow, 40),
        evalTime: '3h',
        step: SLOW_STEP,
        evalStep: SLOW_EVAL_STEP,
        fires: [{ labels: labels(SEVERITY.warning), value: slow }],
      },
      {
        alertname: EXTRA_ALERT.budgetBurnSlow,
        name: `${s.name} ${kind}: ${quiet * 100}% bad events (within budget)`,
        input: input(quiet, 40),
        evalTime: '3h',
        step: SLOW_STEP,
        evalStep: SLOW_EVAL_STEP,
        fires: [],
      },
    );
    out.push(...sustainedCases(model, s, kind, budget));
    out.push(...slowPersistenceCases(s, kind, budget));
  }
  return out;
}

/**
 * ErrorBudgetBurnSustained, stepping at the service's scrape interval: bad events at 30× the budget from the
 * first sample (every window's ratio is exactly that, the alert's value); a burst of every request failing for
 * the tolerated length (it must not page: the ratio is far over 14.4× but the short windows do not all show it);
 * a steady 10× (under 14.4×); and failing requests at a trickle under the traffic floor.
 */
function sustainedCases(model: Model, s: ServiceModel, kind: string, budget: number): AlertCase[] {
  // One step for every service's cases (one test file): the shortest scrape interval, which samples every
  // service's window (two of its own scrape intervals or more) at least twice.
  const stepMs = Math.min(
    ...model.services.map((o) => (parseDuration(detectionPlan(model, o).errorWindow) ?? 30_000) / 2),
  );
  const step = `${stepMs / 1000}s`;
  const steps = (d: string) => Math.round((parseDuration(d) ?? 0) / stepMs);
  const labels = sev(SEVERITY.critical, { [S]: s.name, [LABEL.slo]: kind });
  // 30× the budget, or nearly every request when the budget is large (a 95% latency SLO: 14.4× is 72%).
  const high = Math.min(0.99, budget * 30);
  // Good traffic before the blip fills the 5m window the page reads (and one step more), so that the blip is
  // seen as it would be in production; promtool evaluates every step from 0, so no longer than that.
  const clean = steps('5m') + 1;
  const burst = steps(model.thresholds.burstTolerance);
  // A steady burn is checked once it has lasted twice the tolerated blip and a minute: past every window the
  // page reads (5m ratios are exact from the second sample of a steady ratio, the 30s ones from the first
  // window), and long enough that a page then is not a blip's.
  const steady = formatDuration(2 * (parseDuration(model.thresholds.burstTolerance) ?? 60_000) + 60_000);
  const steadyInput = steps(steady) + 2;
  const base = { alertname: EXTRA_ALERT.budgetBurnSustained, step };
  const minRps = model.thresholds.errorRatio.minRequestsPerSecond;
  const out: AlertCase[] = [
    {
      ...base,
      name: `${s.name} ${kind}: ${pct(high)} bad events (${Number((high / budget).toPrecision(3))}× the budget), sustained`,
      input: badEvents(s, kind, [[high, steadyInput]]),
      evalTime: steady,
      fires: [{ labels, value: Math.round(BAD_EVENTS_PER_MIN * high) / BAD_EVENTS_PER_MIN }],
    },
    {
      ...base,
      name: `${s.name} ${kind}: every request bad for ${model.thresholds.burstTolerance} after ${formatDuration(clean * stepMs)} of good ones (a blip), checked as it ends`,
      input: badEvents(s, kind, [
        [0, clean],
        [1, burst],
        [0, clean],
      ]),
      evalTime: `${((clean + burst) * stepMs) / 1000}s`,
      fires: [],
    },
    {
      ...base,
      name: `${s.name} ${kind}: ${pct(budget * 10)} bad events (10×, under ${SUSTAINED_FACTOR}×), sustained`,
      input: badEvents(s, kind, [[budget * 10, steadyInput]]),
      evalTime: steady,
      fires: [],
    },
  ];
  // One failing request a step is under the traffic floor.
  if (kind === SLO_KIND.availability && 1000 / stepMs < minRps) {
    out.push({
      ...base,
      name: `${s.name}: every request fails, one a step (under ${minRps}/s)`,
      input: phasedRequestSeries(s, [[0, 1, steadyInput]]),
      evalTime: steady,
      fires: [],
    });
  }
  return out;
}

/**
 * ErrorBudgetBurnSlow reads windows of 30m and more: its cases step by 5m (the 2h, 6h, 1d and 3d ratios are
 * exact at any step that divides them), which keeps hours of input cheap for promtool.
 */
const SLOW_STEP = '5m';
/**
 * The slow ticket reads 2h to 3d windows and its persistence tier 30m ratios over 3h: evaluating every 10m
 * (every eval time is a multiple) sees the same incidents with half the rule evaluations of 5m.
 */
const SLOW_EVAL_STEP = '10m';
/**
 * The fast page's cases (1m input) are decided by its 1h/6h and 5m windows, whose ratios are flat during the
 * incident; its 30s-window term cannot see 1m samples either way. Every 5m: a fifth of the rule evaluations.
 */
const FAST_EVAL_STEP = '5m';

/**
 * ErrorBudgetBurnSlow's persistence tier: 3× the budget for 3h40m after an hour of good traffic ten times as
 * heavy. The 1d, 3d and 6h ratios (they see all of it) stay under their factors (3 × 220 / (10 × 60 + 220) =
 * 0.80×); the 30m ratio has held over 2× for 3h: a ticket showing it. The same burn checked at 2h50m (an earlier
 * check of the same case) has not held long enough. The heavy hour dilutes the long windows as 9h of ordinary
 * traffic would, in a third of the evaluation steps (promtool evaluates every rule at every step from 0).
 */
function slowPersistenceCases(s: ServiceModel, kind: string, budget: number): AlertCase[] {
  const [, held, factor] = SLOW_PERSISTENCE;
  const ratio = budget * 3;
  if (ratio >= 1) return [];
  const per = minutes(SLOW_STEP);
  const goodMin = 60;
  const good = goodMin / per;
  // The 30m ratio passes 2× some 29 minutes into the burn (after the heavy hour, 29 of its 30 minutes bad), then
  // must hold for 3h.
  const burn = (minutes(held) + 40) / per;
  const short = (minutes(held) - 10) / per;
  // Heavy enough that the long windows' ratio, 3 × burn / (traffic × good + burn), stays under 1× with margin.
  const traffic = Math.ceil((2.5 * burn) / good);
  const labels = sev(SEVERITY.warning, { [S]: s.name, [LABEL.slo]: kind });
  // One incident checked twice: at 2h50m into the burn (not held long enough) and at 3h40m (a ticket). The
  // samples after the first check cannot change it, so one input serves both (half the evaluations of two).
  return [
    {
      alertname: EXTRA_ALERT.budgetBurnSlow,
      name: `${s.name} ${kind}: ${pct(ratio)} bad events (3×) for ${burn * per}m after ${goodMin}m of good ones at ${traffic}× the traffic (over ${factor}× for ${held}; not yet at ${short * per}m)`,
      input: badEvents(s, kind, [
        [0, good, traffic],
        [ratio, burn + 2],
      ]),
      before: [{ evalTime: `${(good + short) * per}m`, fires: [] }],
      evalTime: `${(good + burn) * per}m`,
      step: SLOW_STEP,
      evalStep: SLOW_EVAL_STEP,
      fires: [{ labels, value: Math.round(BAD_EVENTS_PER_MIN * ratio) / BAD_EVENTS_PER_MIN }],
    },
  ];
}

const BAD_EVENTS_PER_MIN = 10_000;

/**
 * Traffic through phases of a given ratio of bad events: 5xx for availability, requests over the threshold for
 * latency.
 */
function badEvents(
  s: ServiceModel,
  kind: string,
  phases: readonly (readonly [ratio: number, steps: number, traffic?: number])[],
): InputSeries[] {
  const perMin = (traffic = 1) => BAD_EVENTS_PER_MIN * traffic;
  const bad = (ratio: number, traffic = 1) => Math.round(perMin(traffic) * ratio);
  if (kind === SLO_KIND.availability)
    return phasedRequestSeries(
      s,
      phases.map(([ratio, steps, traffic]) => [perMin(traffic) - bad(ratio, traffic), bad(ratio, traffic), steps]),
    );
  const threshold = s.slo.latency?.threshold ?? 0.5;
  const base = targetLabels(s);
  const req = { ...base, method: 'GET', route: '/users/:id', status: '200' };
  const all = phasedCounter(phases.map(([, steps, traffic]) => [perMin(traffic), steps]));
  return [
    ...HTTP_DURATION_BUCKETS.map((b) => ({
      series: selector('http_request_duration_seconds_bucket', { ...req, le: String(b) }),
      values: phasedCounter(
        phases.map(([ratio, steps, traffic]) => [
          b < threshold ? 0 : b === threshold ? perMin(traffic) - bad(ratio, traffic) : perMin(traffic),
          steps,
        ]),
      ),
    })),
    { series: selector('http_request_duration_seconds_bucket', { ...req, le: '+Inf' }), values: all },
    { series: selector('http_request_duration_seconds_count', req), values: all },
  ];
}
