/**
 * One incident per alert where it must fire (with its exact labels and the value its annotations show) and
 * a healthy or noisy counterpart where it must not. The expectations are written here from the alert's
 * meaning, independently of the rule expressions; promtool then checks the rules in out/ against them.
 * Inputs use a 1m step: promtool's engine caps a query at 10,000 samples, and 1m keeps `[3d]` at 4,320.
 */
import { HTTP_DURATION_BUCKETS } from '@greyhaven/metric-contract';
import { ALERT, EXTRA_ALERT, LABEL, SEVERITY, SLO_KIND } from '../../../conventions.ts';
import { detectionPlan } from '../../../model/detection.ts';
import type { Model, ServiceModel } from '../../../model/model.ts';
import { parseDuration } from '../../../util/duration.ts';
import { pageKeepFiringFor } from '../rules/keep-firing.ts';
import { errorBudget, SLOW_PERSISTENCE, SUSTAINED_FACTOR } from '../rules/slo.ts';
import {
  alertmanagerLabels,
  counter,
  counterThenFlat,
  durationSeries,
  type InputSeries,
  nodeLabels,
  phasedCounter,
  phasedDurationSeries,
  phasedRequestSeries,
  prometheusLabels,
  requestSeries,
  selector,
  targetLabels,
  upSeries,
} from './series.ts';

export interface ExpectedAlert {
  labels: Record<string, string>;
  /** The alert's value, when its annotations show it. */
  value?: number;
}

export interface AlertCase {
  alertname: string;
  name: string;
  input: InputSeries[];
  evalTime: string;
  /**
   * Input and evaluation step (default 1m). The sustained pages read 30s windows: their cases step at the
   * scrape interval, as Prometheus does. All cases of one alert share a step (one test file, one interval).
   */
  step?: string;
  /** Empty: the alert must not fire. */
  fires: ExpectedAlert[];
}

const S = LABEL.service;

/** A healthy minute: 600 requests, no error, all fast. */
function healthy(s: ServiceModel, steps: number): InputSeries[] {
  return [...requestSeries(s, 600, 0, steps), ...durationSeries(s, 600, 0.1, steps), upSeries(s, steps)];
}

function sev(severity: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.severity]: severity, ...extra };
}

const LATENCY_BOUNDS = [0, ...HTTP_DURATION_BUCKETS];

/** The contract's histogram bucket just above a latency threshold, or nothing when none is (threshold ≥ 5s). */
function bucketAbove(threshold: number): { lower?: number; upper?: number } {
  const i = LATENCY_BOUNDS.findIndex((b) => b > threshold);
  return i < 1 ? {} : { lower: LATENCY_BOUNDS[i - 1] as number, upper: LATENCY_BOUNDS[i] as number };
}

/** Whole minutes of a duration, rounded up (cases step by 1m). */
function minutes(duration: string): number {
  return Math.ceil((parseDuration(duration) ?? 0) / 60_000);
}

/** A percentage for a case name, without float noise (1.1, not 1.1000000000000001). */
function pct(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(6))}%`;
}

/**
 * keep_firing_for: an incident whose condition stops holding at minute `clears` (worked out from the alert's
 * meaning). Prometheus keeps the alert firing, with the labels and annotations of its last evaluation that held
 * (promtool 2.42 shows that evaluation's `$value`), for keep_firing_for after the first evaluation that does not
 * hold. Two cases: still firing at the last minute it is kept, and resolved at the next one.
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
  const input = c.input(resolved + 5);
  return [
    {
      alertname: c.alertname,
      name: `${c.name}: the condition clears at ${c.clears}m and the alert still fires at ${still}m (keep_firing_for ${keepFiringFor})`,
      input,
      evalTime: `${still}m`,
      fires: c.fires,
    },
    {
      alertname: c.alertname,
      name: `${c.name}: the condition clears at ${c.clears}m and the alert has resolved at ${resolved}m (keep_firing_for ${keepFiringFor})`,
      input,
      evalTime: `${resolved}m`,
      fires: [],
    },
  ];
}

/**
 * HighErrorRate when it pages: errors just above the threshold until `end`, then none while traffic goes on.
 * One clean minute in the 5m window leaves 4/5 of the ratio, below the threshold: the condition clears at end+1.
 */
function errorRatioKeptFiring(model: Model, s: ServiceModel): AlertCase[] {
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
function latencyKeptFiring(
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

function seedCases(model: Model, s: ServiceModel): AlertCase[] {
  const t = model.thresholds;
  const svc = { [S]: s.name };
  const minRps = t.errorRatio.minRequestsPerSecond;
  // Enough traffic for the ratio to count: 100 requests a minute, or 10× the floor.
  const perMin = Math.max(100, Math.ceil(minRps * 600));
  const errorsAt = (ratio: number) => Math.round(perMin * ratio);
  const over = Math.min(0.99, t.errorRatio.threshold * 2);
  const under = t.errorRatio.threshold / 2;
  return [
    {
      alertname: ALERT.highErrorRate,
      name: `${s.name}: ${over * 100}% of requests fail`,
      input: requestSeries(s, perMin - errorsAt(over), errorsAt(over), 30),
      evalTime: '20m',
      fires: [{ labels: sev(t.errorRatio.severity, svc), value: errorsAt(over) / perMin }],
    },
    {
      alertname: ALERT.highErrorRate,
      name: `${s.name}: ${under * 100}% of requests fail (below the threshold)`,
      input: requestSeries(s, Math.round(1 / under) - 1, 1, 30),
      evalTime: '20m',
      fires: [],
    },
    ...(minRps > 0
      ? [
          {
            alertname: ALERT.highErrorRate,
            name: `${s.name}: one error among a trickle of requests (below ${minRps}/s)`,
            input: [
              {
                series: requestSeries(s, 1, 0, 1)[0]?.series ?? '',
                values: counter(Math.max(1, Math.floor(minRps * 30)), 30),
              },
              { series: requestSeries(s, 1, 1, 1)[1]?.series ?? '', values: `0x10 1x20` },
            ],
            evalTime: '20m',
            fires: [],
          },
        ]
      : []),
    ...errorRatioKeptFiring(model, s),
    latencyCase(s, ALERT.highLatencyP95, t.latencyP95, 0.95),
    latencyCase(s, ALERT.criticalLatencyP99, t.latencyP99, 0.99),
    ...latencyKeptFiring(model, s, ALERT.highLatencyP95, t.latencyP95, 0.95),
    ...latencyKeptFiring(model, s, ALERT.criticalLatencyP99, t.latencyP99, 0.99),
    {
      alertname: ALERT.highLatencyP95,
      name: `${s.name}: all requests fast`,
      input: durationSeries(s, 600, 0.1, 30),
      evalTime: '20m',
      fires: [],
    },
    {
      alertname: ALERT.criticalLatencyP99,
      name: `${s.name}: all requests fast`,
      input: durationSeries(s, 600, 0.1, 30),
      evalTime: '20m',
      fires: [],
    },
  ];
}

/** Requests all in the bucket above the threshold: quantile q = lower + (upper - lower) * q. */
function latencyCase(
  s: ServiceModel,
  alertname: string,
  spec: { threshold: number; for: string; severity: string },
  q: number,
): AlertCase {
  const bucket = bucketAbove(spec.threshold);
  const upper = bucket.upper ?? 5;
  const lower = bucket.lower ?? 0;
  return {
    alertname,
    name: `${s.name}: every request takes between ${lower}s and ${upper}s`,
    input: durationSeries(s, 600, upper, 40),
    evalTime: '30m',
    fires: [{ labels: sev(spec.severity, { [S]: s.name }), value: lower + (upper - lower) * q }],
  };
}

function saturationCases(model: Model): AlertCase[] {
  const t = model.thresholds;
  const node = nodeLabels(model);
  const cpu = (idlePerMin: number) => [
    {
      series: selector('node_cpu_seconds_total', { ...node, cpu: '0', mode: 'idle' }),
      values: counter(idlePerMin, 40),
    },
    {
      series: selector('node_cpu_seconds_total', { ...node, cpu: '0', mode: 'user' }),
      values: counter(60 - idlePerMin, 40),
    },
  ];
  const mem = (availablePercent: number) => [
    { series: selector('node_memory_MemTotal_bytes', node), values: '1000x40' },
    { series: selector('node_memory_MemAvailable_bytes', node), values: `${availablePercent * 10}x40` },
  ];
  const busy = Math.min(99, t.cpuPercent.threshold + 10);
  const full = Math.min(99, t.memoryPercent.threshold + 5);
  return [
    {
      alertname: ALERT.highCpuUsage,
      name: `node at ${busy}% CPU`,
      input: cpu((60 * (100 - busy)) / 100),
      evalTime: '30m',
      fires: [{ labels: sev(t.cpuPercent.severity, { instance: node.instance as string }), value: busy }],
    },
    { alertname: ALERT.highCpuUsage, name: 'node at 10% CPU', input: cpu(54), evalTime: '30m', fires: [] },
    {
      alertname: ALERT.highMemoryUsage,
      name: `node at ${full}% memory`,
      input: mem(100 - full),
      evalTime: '30m',
      // A ratio of two node_exporter series keeps all their labels (job, instance).
      fires: [{ labels: sev(t.memoryPercent.severity, node), value: full }],
    },
    { alertname: ALERT.highMemoryUsage, name: 'node at 50% memory', input: mem(50), evalTime: '30m', fires: [] },
  ];
}

function sloCases(model: Model, s: ServiceModel): AlertCase[] {
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
        fires: [{ labels: labels(SEVERITY.critical), value: fast }],
      },
      {
        alertname: EXTRA_ALERT.budgetBurnFast,
        name: `${s.name} ${kind}: ${slow * 100}% bad events (5×: a ticket, not a page)`,
        input: input(slow, 90),
        evalTime: '70m',
        fires: [],
      },
      {
        alertname: EXTRA_ALERT.budgetBurnSlow,
        name: `${s.name} ${kind}: ${slow * 100}% bad events for 3h (5× the budget)`,
        input: input(slow, 40),
        evalTime: '3h',
        step: SLOW_STEP,
        fires: [{ labels: labels(SEVERITY.warning), value: slow }],
      },
      {
        alertname: EXTRA_ALERT.budgetBurnSlow,
        name: `${s.name} ${kind}: ${quiet * 100}% bad events (within budget)`,
        input: input(quiet, 40),
        evalTime: '3h',
        step: SLOW_STEP,
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
  const clean = steps('10m');
  const burst = steps(model.thresholds.burstTolerance);
  const base = { alertname: EXTRA_ALERT.budgetBurnSustained, step };
  const minRps = model.thresholds.errorRatio.minRequestsPerSecond;
  const out: AlertCase[] = [
    {
      ...base,
      name: `${s.name} ${kind}: ${pct(high)} bad events (${Number((high / budget).toPrecision(3))}× the budget), sustained`,
      input: badEvents(s, kind, [[high, steps('10m')]]),
      evalTime: '5m',
      fires: [{ labels, value: Math.round(BAD_EVENTS_PER_MIN * high) / BAD_EVENTS_PER_MIN }],
    },
    {
      ...base,
      name: `${s.name} ${kind}: every request bad for ${model.thresholds.burstTolerance} after 10m of good ones (a blip), checked as it ends`,
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
      input: badEvents(s, kind, [[budget * 10, steps('10m')]]),
      evalTime: '5m',
      fires: [],
    },
  ];
  // One failing request a step is under the traffic floor.
  if (kind === SLO_KIND.availability && 1000 / stepMs < minRps) {
    out.push({
      ...base,
      name: `${s.name}: every request fails, one a step (under ${minRps}/s)`,
      input: phasedRequestSeries(s, [[0, 1, steps('10m')]]),
      evalTime: '5m',
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
 * ErrorBudgetBurnSlow's persistence tier: 3× the budget for 3h40m after 9h of good traffic. The 1d and 3d
 * ratios (under 13h of history here: 3 × 3.67 / 12.67 = 0.87×) stay under their factors; the 30m ratio has held
 * over 2× for 3h: a ticket showing it. The same burn checked at 2h50m has not held long enough.
 */
function slowPersistenceCases(s: ServiceModel, kind: string, budget: number): AlertCase[] {
  const [, held, factor] = SLOW_PERSISTENCE;
  const ratio = budget * 3;
  if (ratio >= 1) return [];
  const per = minutes(SLOW_STEP);
  const good = 540 / per;
  // The 30m ratio passes 2× some 25 minutes into the burn (two thirds of its window bad), then must hold for 3h.
  const burn = (minutes(held) + 40) / per;
  const short = (minutes(held) - 10) / per;
  const labels = sev(SEVERITY.warning, { [S]: s.name, [LABEL.slo]: kind });
  return [
    {
      alertname: EXTRA_ALERT.budgetBurnSlow,
      name: `${s.name} ${kind}: ${pct(ratio)} bad events (3×) for ${burn * per}m after ${(good * per) / 60}h of good ones (over ${factor}× for ${held})`,
      input: badEvents(s, kind, [
        [0, good],
        [ratio, burn + 2],
      ]),
      evalTime: `${(good + burn) * per}m`,
      step: SLOW_STEP,
      fires: [{ labels, value: Math.round(BAD_EVENTS_PER_MIN * ratio) / BAD_EVENTS_PER_MIN }],
    },
    {
      alertname: EXTRA_ALERT.budgetBurnSlow,
      name: `${s.name} ${kind}: ${pct(ratio)} bad events (3×) for ${short * per}m after ${(good * per) / 60}h of good ones (not yet ${held})`,
      input: badEvents(s, kind, [
        [0, good],
        [ratio, short + 2],
      ]),
      evalTime: `${(good + short) * per}m`,
      step: SLOW_STEP,
      fires: [],
    },
  ];
}

/**
 * HighLatencySustained, stepping at the scrape interval: every request in the bucket above the p99 threshold
 * (the p99 leg, its 5m p99 shown), every request in the bucket above the p95 threshold and under the p99 one
 * (the p95 leg), a slow burst as long as the tolerated one (no page), all fast (no page).
 */
function latencySustainedCases(model: Model): AlertCase[] {
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

const BAD_EVENTS_PER_MIN = 10_000;

/**
 * Traffic through phases of a given ratio of bad events: 5xx for availability, requests over the threshold for
 * latency.
 */
function badEvents(
  s: ServiceModel,
  kind: string,
  phases: readonly (readonly [ratio: number, steps: number])[],
): InputSeries[] {
  const perMin = BAD_EVENTS_PER_MIN;
  const bad = (ratio: number) => Math.round(perMin * ratio);
  if (kind === SLO_KIND.availability)
    return phasedRequestSeries(
      s,
      phases.map(([ratio, steps]) => [perMin - bad(ratio), bad(ratio), steps]),
    );
  const threshold = s.slo.latency?.threshold ?? 0.5;
  const base = targetLabels(s);
  const req = { ...base, method: 'GET', route: '/users/:id', status: '200' };
  const all = phasedCounter(phases.map(([, steps]) => [perMin, steps]));
  return [
    ...HTTP_DURATION_BUCKETS.map((b) => ({
      series: selector('http_request_duration_seconds_bucket', { ...req, le: String(b) }),
      values: phasedCounter(
        phases.map(([ratio, steps]) => [b < threshold ? 0 : b === threshold ? perMin - bad(ratio) : perMin, steps]),
      ),
    })),
    { series: selector('http_request_duration_seconds_bucket', { ...req, le: '+Inf' }), values: all },
    { series: selector('http_request_duration_seconds_count', req), values: all },
  ];
}

/**
 * The other services, alive: absent()-based alerts fire for every service without series, so a case about
 * one service gives the others their `up` (scraped) or request series (pushed).
 */
function othersAlive(model: Model, s: ServiceModel): InputSeries[] {
  return model.services
    .filter((o) => o !== s)
    .flatMap((o) => (o.scrape ? [upSeries(o, 90), ...requestSeries(o, 600, 0, 90)] : requestSeries(o, 600, 0, 90)));
}

function healthCases(model: Model): AlertCase[] {
  const t = model.thresholds;
  const out: AlertCase[] = [];
  for (const s of model.services) {
    const svc = { [S]: s.name };
    if (s.scrape) {
      out.push(
        {
          alertname: EXTRA_ALERT.targetDown,
          name: `${s.name} crashes: up goes to 0`,
          input: [upSeries(s, 5, 25)],
          evalTime: '15m',
          fires: [{ labels: sev(t.targetDown.severity, targetLabels(s)) }],
        },
        { alertname: EXTRA_ALERT.targetDown, name: `${s.name} up`, input: healthy(s, 30), evalTime: '15m', fires: [] },
        {
          alertname: EXTRA_ALERT.targetMissing,
          name: `${s.name} has no target`,
          input: othersAlive(model, s),
          evalTime: '15m',
          fires: [{ labels: sev(t.targetDown.severity, { job: s.job, ...svc }) }],
        },
        {
          alertname: EXTRA_ALERT.targetMissing,
          name: `${s.name} has its target`,
          input: [upSeries(s, 30), ...othersAlive(model, s)],
          evalTime: '15m',
          fires: [],
        },
        {
          alertname: EXTRA_ALERT.metricsAbsent,
          name: `${s.name} is up but exposes no request metrics`,
          input: [upSeries(s, 30), ...othersAlive(model, s)],
          evalTime: '20m',
          fires: [{ labels: sev(SEVERITY.warning, svc) }],
        },
      );
    } else {
      const floor = t.trafficStopped.minRequestsPerSecond;
      // Pushes every minute for 30m, then none (`_`: no sample), as when every isolate stops.
      const pushesThenStop = (perMin: number) =>
        requestSeries(s, perMin, 0, 30).map((r) => ({ ...r, values: `${r.values} _x20` }));
      const busy = Math.max(600, Math.ceil(floor * 120));
      out.push(
        {
          alertname: EXTRA_ALERT.metricsAbsent,
          name: `${s.name} pushes nothing`,
          input: othersAlive(model, s),
          evalTime: '20m',
          fires: [{ labels: sev(SEVERITY.warning, svc) }],
        },
        {
          alertname: EXTRA_ALERT.pushStopped,
          name: `${s.name} serves ${busy} requests a minute, then its pushes stop`,
          input: pushesThenStop(busy),
          evalTime: '35m',
          fires: [{ labels: sev(t.targetDown.severity, svc) }],
        },
        {
          alertname: EXTRA_ALERT.pushStopped,
          name: `${s.name} serves ${busy} requests a minute and keeps pushing`,
          input: requestSeries(s, busy, 0, 40),
          evalTime: '35m',
          fires: [],
        },
        {
          alertname: EXTRA_ALERT.pushStopped,
          name: `${s.name} serves a request every 20 minutes (under ${floor}/s), then its pushes stop`,
          input: [{ series: requestSeries(s, 1, 0, 1)[0]?.series ?? '', values: '0x20 1x10 _x20' }],
          evalTime: '35m',
          fires: [],
        },
      );
    }
    out.push(
      {
        alertname: EXTRA_ALERT.metricsAbsent,
        name: `${s.name} is up and serving`,
        input: [...healthy(s, 30), ...othersAlive(model, s)],
        evalTime: '20m',
        fires: [],
      },
      {
        alertname: EXTRA_ALERT.trafficStopped,
        name: `${s.name} stops receiving requests while its target stays up`,
        input: [
          { series: requestSeries(s, 1, 0, 1)[0]?.series ?? '', values: counterThenFlat(600, 60, 30) },
          ...(s.scrape ? [upSeries(s, 90)] : []),
        ],
        evalTime: '75m',
        fires: [{ labels: sev(t.trafficStopped.severity, svc) }],
      },
      {
        alertname: EXTRA_ALERT.trafficStopped,
        name: `${s.name} keeps serving`,
        input: [...requestSeries(s, 600, 0, 90), ...(s.scrape ? [upSeries(s, 90)] : [])],
        evalTime: '75m',
        fires: [],
      },
    );
  }
  const node = nodeLabels(model);
  out.push(
    {
      alertname: EXTRA_ALERT.infraTargetDown,
      name: 'node_exporter is down',
      input: [{ series: selector('up', node), values: '1x5 0x25' }],
      evalTime: '20m',
      fires: [{ labels: sev(SEVERITY.warning, node) }],
    },
    {
      alertname: EXTRA_ALERT.infraTargetDown,
      name: 'node_exporter is up',
      input: [{ series: selector('up', node), values: '1x30' }],
      evalTime: '20m',
      fires: [],
    },
  );
  return out;
}

function metaCases(model: Model): AlertCase[] {
  const prom = prometheusLabels(model);
  const am = alertmanagerLabels(model);
  const amUrl = `http://${model.alertmanagerTargets[0] ?? 'localhost:9093'}/api/v2/alerts`;
  const group = { ...prom, rule_group: '/etc/prometheus/rules/slo.yml;slo_api' };
  return [
    {
      alertname: EXTRA_ALERT.watchdog,
      name: 'always fires (a healthy pipeline); there is no case where it must not',
      input: [],
      evalTime: '5m',
      fires: [{ labels: sev(SEVERITY.none) }],
    },
    {
      alertname: EXTRA_ALERT.ruleFailures,
      name: 'a rule group fails every minute',
      input: [{ series: selector('prometheus_rule_evaluation_failures_total', group), values: counter(1, 30) }],
      evalTime: '20m',
      fires: [{ labels: sev(SEVERITY.critical, group), value: 5 }],
    },
    {
      alertname: EXTRA_ALERT.ruleFailures,
      name: 'no failures',
      input: [{ series: selector('prometheus_rule_evaluation_failures_total', group), values: '0x30' }],
      evalTime: '20m',
      fires: [],
    },
    {
      alertname: EXTRA_ALERT.configReloadFailed,
      name: 'the last reload failed',
      input: [{ series: selector('prometheus_config_last_reload_successful', prom), values: '1x5 0x30' }],
      evalTime: '25m',
      fires: [{ labels: sev(SEVERITY.warning, prom) }],
    },
    {
      alertname: EXTRA_ALERT.configReloadFailed,
      name: 'reloads succeed',
      input: [{ series: selector('prometheus_config_last_reload_successful', prom), values: '1x30' }],
      evalTime: '25m',
      fires: [],
    },
    {
      alertname: EXTRA_ALERT.notConnectedToAlertmanager,
      name: 'no Alertmanager discovered',
      input: [{ series: selector('prometheus_notifications_alertmanagers_discovered', prom), values: '1x5 0x30' }],
      evalTime: '25m',
      fires: [{ labels: sev(SEVERITY.critical, prom) }],
    },
    {
      alertname: EXTRA_ALERT.notConnectedToAlertmanager,
      name: 'one Alertmanager discovered',
      input: [{ series: selector('prometheus_notifications_alertmanagers_discovered', prom), values: '1x30' }],
      evalTime: '25m',
      fires: [],
    },
    {
      alertname: EXTRA_ALERT.errorSendingAlerts,
      name: '5% of alerts fail to send',
      input: [
        {
          series: selector('prometheus_notifications_errors_total', { ...prom, alertmanager: amUrl }),
          values: counter(5, 30),
        },
        {
          series: selector('prometheus_notifications_sent_total', { ...prom, alertmanager: amUrl }),
          values: counter(100, 30),
        },
      ],
      evalTime: '20m',
      fires: [{ labels: sev(SEVERITY.critical, { ...prom, alertmanager: amUrl }), value: 0.05 }],
    },
    {
      alertname: EXTRA_ALERT.errorSendingAlerts,
      name: 'all alerts sent',
      input: [
        { series: selector('prometheus_notifications_errors_total', { ...prom, alertmanager: amUrl }), values: '0x30' },
        {
          series: selector('prometheus_notifications_sent_total', { ...prom, alertmanager: amUrl }),
          values: counter(100, 30),
        },
      ],
      evalTime: '20m',
      fires: [],
    },
    {
      alertname: EXTRA_ALERT.notificationsFailing,
      name: 'PagerDuty notifications fail',
      input: [
        {
          series: selector('alertmanager_notifications_failed_total', { ...am, integration: 'pagerduty' }),
          values: counter(1, 30),
        },
      ],
      evalTime: '20m',
      fires: [{ labels: sev(SEVERITY.critical, { instance: am.instance as string, integration: 'pagerduty' }) }],
    },
    {
      alertname: EXTRA_ALERT.notificationsFailing,
      name: 'notifications delivered',
      input: [
        {
          series: selector('alertmanager_notifications_failed_total', { ...am, integration: 'pagerduty' }),
          values: '0x30',
        },
      ],
      evalTime: '20m',
      fires: [],
    },
  ];
}

/**
 * ServiceErrorsStopped (an inhibitor), stepping at the scrape interval (its quiet window is four of them): errors for
 * 2 minutes, then none — not firing while they last, firing 3 minutes after they stopped; never for a service that
 * served no error.
 */
function errorsStoppedCases(model: Model): AlertCase[] {
  const plan = detectionPlan(model);
  const stepMs = (parseDuration(plan.quietWindow) ?? 60_000) / 4;
  const step = `${stepMs / 1000}s`;
  const steps = (d: string) => Math.round((parseDuration(d) ?? 0) / stepMs);
  const base = { alertname: EXTRA_ALERT.errorsStopped, step };
  return model.services.flatMap((s): AlertCase[] => {
    const burst = phasedRequestSeries(s, [
      [100, 0, steps('10m')],
      [90, 10, steps('2m')],
      [100, 0, steps('20m')],
    ]);
    return [
      { ...base, name: `${s.name}: errors for 2m, checked as they end`, input: burst, evalTime: '12m', fires: [] },
      {
        ...base,
        name: `${s.name}: errors for 2m, checked 3m after they ended`,
        input: burst,
        evalTime: '15m',
        fires: [{ labels: sev(SEVERITY.none, { [S]: s.name }) }],
      },
      {
        ...base,
        name: `${s.name}: no error at all`,
        input: phasedRequestSeries(s, [[100, 0, steps('30m')]]),
        evalTime: '15m',
        fires: [],
      },
    ];
  });
}

/** Every case, grouped by alert name. */
export function alertCases(model: Model): Map<string, AlertCase[]> {
  const all = [
    ...model.services.flatMap((s) => seedCases(model, s)),
    ...saturationCases(model),
    ...model.services.flatMap((s) => sloCases(model, s)),
    ...latencySustainedCases(model),
    ...errorsStoppedCases(model),
    ...healthCases(model),
    ...metaCases(model),
  ];
  const byAlert = new Map<string, AlertCase[]>();
  for (const c of all) byAlert.set(c.alertname, [...(byAlert.get(c.alertname) ?? []), c]);
  return byAlert;
}
