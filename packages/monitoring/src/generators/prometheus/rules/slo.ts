/**
 * SLO rules per service, in the Sloth / Google SRE workbook shape:
 *   1. SLI recording rules: ratio of bad events over 5m, 30m, 1h, 2h, 6h, 1d and 3d;
 *   2. metadata: the objective as a ratio, and the error budget remaining over the SLO window
 *      (traffic-weighted: bad events / all events, summed over the window from 5m rates);
 *   3. multi-window multi-burn-rate alerts: page at 14.4× over 1h and 5m or 6× over 6h and 5m;
 *      ticket at 3× over 1d and 2h or 1× over 3d and 6h (the burn plan: model/burn-plan.ts).
 * Availability: a bad event is a 5xx response. Latency (optional): a request slower than the threshold,
 * read from the histogram bucket whose upper bound is the threshold.
 * With no traffic every ratio is absent (the denominator is guarded with `> 0`), so nothing fires on NaN.
 */
import { httpRequestDurationSeconds as duration, httpRequestsTotal as requests } from '@greyhaven/metric-contract';
import {
  EXTRA_ALERT,
  GROUP,
  LABEL,
  SEVERITY,
  SLI_WINDOWS,
  SLO_KIND,
  SLO_RECORD,
  type SloKind,
} from '../../../conventions.ts';
import {
  type BurnWindow,
  describeBurnWindows,
  errorBudget,
  objectiveRatio,
  PAGE_WINDOWS,
  SLOW_PERSISTENCE,
  SUSTAINED_FACTOR,
  TICKET_WINDOWS,
} from '../../../model/burn-plan.ts';
import { detectionPlan } from '../../../model/detection.ts';
import type { Model, ServiceModel } from '../../../model/model.ts';
import { keepFiring } from './keep-firing.ts';
import { runbookUrl } from './seed-alerts.ts';
import type { AlertingRule, RecordingRule, RuleGroup } from './types.ts';

const S = LABEL.service;

/**
 * A matcher for a histogram bucket bound. Clients print bounds differently (prom-client `le="1"`, Python's
 * prometheus_client `le="1.0"`) and Prometheus 2.x does not normalise them, so integer bounds match both.
 */
export function leMatcher(bound: number): string {
  return Number.isInteger(bound) ? `le=~"${bound}(\\\\.0)?"` : `le="${bound}"`;
}

interface Sli {
  service: string;
  kind: SloKind;
  objective: number;
  window: string;
  /** Rate of bad events over a window, by service. */
  bad(window: string): string;
  /** Rate of all events over a window, by service. */
  total(window: string): string;
  /** Ratio of bad events over a window (absent without traffic). */
  ratio(window: string): string;
}

function availabilitySli(s: ServiceModel): Sli {
  const sel = `${S}="${s.name}"`;
  const total = (w: string) => `sum by (${S}) (rate(${requests.name}{${sel}}[${w}]))`;
  const errors = (w: string) => `sum by (${S}) (rate(${requests.name}{${sel},status=~"5.."}[${w}]))`;
  const bad = (w: string) => `(${errors(w)} or 0 * ${total(w)})`;
  return {
    service: s.name,
    kind: SLO_KIND.availability,
    objective: s.slo.availability.objective,
    window: s.slo.availability.window,
    bad,
    total,
    ratio: (w) => `${bad(w)}\n/\n(${total(w)} > 0)`,
  };
}

function latencySli(s: ServiceModel, slo: { objective: number; threshold: number; window: string }): Sli {
  const sel = `${S}="${s.name}"`;
  const total = (w: string) => `sum by (${S}) (rate(${duration.name}_count{${sel}}[${w}]))`;
  const fast = (w: string) => `sum by (${S}) (rate(${duration.name}_bucket{${sel},${leMatcher(slo.threshold)}}[${w}]))`;
  const bad = (w: string) => `(${total(w)} - ${fast(w)})`;
  return {
    service: s.name,
    kind: SLO_KIND.latency,
    objective: slo.objective,
    window: slo.window,
    bad,
    total,
    ratio: (w) => `${bad(w)}\n/\n(${total(w)} > 0)`,
  };
}

export function slis(s: ServiceModel): Sli[] {
  const out = [availabilitySli(s)];
  if (s.slo.latency) out.push(latencySli(s, s.slo.latency));
  return out;
}

function recordingRules(sli: Sli, shortWindow: string): RecordingRule[] {
  // `service` is also in every expression's result; as a static label it makes each service's rules distinct
  // (promtool lints same-name, same-label rules as duplicates) and names the SLO, as Sloth's sloth_id does.
  const labels = { [S]: sli.service, [LABEL.slo]: sli.kind };
  const budget = errorBudget(sli.objective);
  const sel = `{${S}="${sli.service}",${LABEL.slo}="${sli.kind}"}`;
  return [
    ...[...SLI_WINDOWS, ...((SLI_WINDOWS as readonly string[]).includes(shortWindow) ? [] : [shortWindow])].map(
      (w) => ({ record: SLO_RECORD.errorRatio(w), expr: sli.ratio(w), labels }),
    ),
    { record: SLO_RECORD.eventsRate5m, expr: sli.total('5m'), labels },
    { record: SLO_RECORD.badEventsRate5m, expr: sli.bad('5m'), labels },
    // Over the whole SLO window, from the recorded 5m rates (cheap). Skipped when the window is an SLI window.
    ...((SLI_WINDOWS as readonly string[]).includes(sli.window)
      ? []
      : [
          {
            record: SLO_RECORD.errorRatio(sli.window),
            expr: [
              `sum by (${S}, ${LABEL.slo}) (sum_over_time(${SLO_RECORD.badEventsRate5m}${sel}[${sli.window}]))`,
              '/',
              `(sum by (${S}, ${LABEL.slo}) (sum_over_time(${SLO_RECORD.eventsRate5m}${sel}[${sli.window}])) > 0)`,
            ].join('\n'),
            labels,
          },
        ]),
    { record: SLO_RECORD.objective, expr: `vector(${objectiveRatio(sli.objective)})`, labels },
    {
      record: SLO_RECORD.budgetRemaining,
      expr: `1 - ${SLO_RECORD.errorRatio(sli.window)}${sel} / ${budget}`,
      labels,
    },
  ];
}

function burnCondition(
  service: string,
  sli: Sli,
  windows: readonly BurnWindow[],
  /** An extra condition on the first (fastest) pair. */
  firstAlso?: string,
): string {
  const budget = errorBudget(sli.objective);
  const r = (w: string) => `${SLO_RECORD.errorRatio(w)}{${S}="${service}",${LABEL.slo}="${sli.kind}"}`;
  return windows
    .map(
      ([long, short, factor], i) =>
        `(\n  ${r(long)} > (${factor} * ${budget})\nand\n  ${r(short)} > (${factor} * ${budget})${i === 0 && firstAlso ? `\nand\n  ${firstAlso}` : ''}\n)`,
    )
    .join('\nor\n');
}

/**
 * Bad events in every short window for longer than the tolerated burst: a 60s blip of every request failing is
 * 1.67% of an hour, over the 14.4× line (1.44% at 99.9%), and would page through the 1h and 5m pair alone.
 */
function persistent(model: Model, s: ServiceModel, sli: Sli): string {
  const plan = detectionPlan(model, s);
  const sel = `{${S}="${s.name}",${LABEL.slo}="${sli.kind}"}`;
  return `min_over_time(${SLO_RECORD.errorRatio(plan.errorWindow)}${sel}[${plan.errorPersistence}]) > 0`;
}

/** Bad events at 14.4× over 5m, seen in every short window for longer than the tolerated burst, with traffic. */
function sustainedCondition(model: Model, s: ServiceModel, sli: Sli): string {
  const budget = errorBudget(sli.objective);
  const sel = `{${S}="${s.name}",${LABEL.slo}="${sli.kind}"}`;
  const minRps = model.thresholds.errorRatio.minRequestsPerSecond;
  return [
    '(',
    `  ${SLO_RECORD.errorRatio('5m')}${sel} > (${SUSTAINED_FACTOR} * ${budget})`,
    'and',
    `  ${persistent(model, s, sli)}`,
    ')',
    `and on (${S}, ${LABEL.slo})`,
    `${SLO_RECORD.eventsRate5m}${sel} >= ${minRps}`,
  ].join('\n');
}

function slowCondition(s: ServiceModel, sli: Sli): string {
  const budget = errorBudget(sli.objective);
  const [window, held, factor] = SLOW_PERSISTENCE;
  const sel = `{${S}="${s.name}",${LABEL.slo}="${sli.kind}"}`;
  return [
    burnCondition(s.name, sli, TICKET_WINDOWS),
    'or',
    `min_over_time(${SLO_RECORD.errorRatio(window)}${sel}[${held}]) > (${factor} * ${budget})`,
  ].join('\n');
}

function alerts(model: Model, s: ServiceModel, sli: Sli): AlertingRule[] {
  const plan = detectionPlan(model, s);
  const what =
    sli.kind === SLO_KIND.availability ? 'requests failing' : `requests slower than ${s.slo.latency?.threshold}s`;
  const objective = `${sli.objective}% over ${sli.window}`;
  const describe = (windows: readonly BurnWindow[]) => describeBurnWindows(windows, ', or ');
  return [
    {
      alert: EXTRA_ALERT.budgetBurnSustained,
      expr: sustainedCondition(model, s, sli),
      ...keepFiring(model, SEVERITY.critical),
      labels: { [LABEL.severity]: SEVERITY.critical, [S]: s.name, [LABEL.slo]: sli.kind },
      annotations: {
        summary: `{{ $labels.${S} }} keeps failing its ${sli.kind} SLO ({{ $value | humanizePercentage }} ${what} over 5m)`,
        description: `The ${sli.kind} SLO of {{ $labels.${S} }} (${objective}) is burning its error budget at more than ${SUSTAINED_FACTOR}× over 5m, and bad events have shown in every ${plan.errorWindow} window for ${plan.errorPersistence}: longer than a ${model.thresholds.burstTolerance} blip, so this is an outage, not a restart.`,
        runbook_url: runbookUrl(model, EXTRA_ALERT.budgetBurnSustained),
      },
    },
    {
      alert: EXTRA_ALERT.budgetBurnFast,
      expr: burnCondition(s.name, sli, PAGE_WINDOWS, persistent(model, s, sli)),
      labels: { [LABEL.severity]: SEVERITY.critical, [S]: s.name, [LABEL.slo]: sli.kind },
      annotations: {
        summary: `{{ $labels.${S} }} is burning its ${sli.kind} error budget fast ({{ $value | humanizePercentage }} ${what})`,
        description: `The ${sli.kind} SLO of {{ $labels.${S} }} (${objective}) is burning its error budget at ${describe(PAGE_WINDOWS)} the sustainable rate: at this pace a month's budget is gone within days.`,
        runbook_url: runbookUrl(model, EXTRA_ALERT.budgetBurnFast),
      },
    },
    {
      alert: EXTRA_ALERT.budgetBurnSlow,
      expr: slowCondition(s, sli),
      labels: { [LABEL.severity]: SEVERITY.warning, [S]: s.name, [LABEL.slo]: sli.kind },
      annotations: {
        summary: `{{ $labels.${S} }} is slowly burning its ${sli.kind} error budget ({{ $value | humanizePercentage }} ${what})`,
        description: `The ${sli.kind} SLO of {{ $labels.${S} }} (${objective}) is burning its error budget at ${describe(TICKET_WINDOWS)}, or has stayed over ${SLOW_PERSISTENCE[2]}× over every ${SLOW_PERSISTENCE[0]} for ${SLOW_PERSISTENCE[1]}, the sustainable rate: the budget will run out before the window ends.`,
        runbook_url: runbookUrl(model, EXTRA_ALERT.budgetBurnSlow),
      },
    },
  ];
}

export function sloGroups(model: Model, s: ServiceModel): RuleGroup[] {
  const list = slis(s);
  return [
    {
      name: GROUP.slo(s.name),
      interval: model.evaluationInterval,
      rules: list.flatMap((sli) => recordingRules(sli, detectionPlan(model, s).errorWindow)),
    },
    { name: GROUP.sloAlerts(s.name), rules: list.flatMap((sli) => alerts(model, s, sli)) },
  ];
}
