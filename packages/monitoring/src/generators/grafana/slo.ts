/**
 * SLOs: objective, SLI over the SLO window, error budget remaining and burn rates over the windows the
 * multi-window multi-burn-rate alerts read, with the alert factors as threshold lines. Everything comes from the
 * SLO recording rules (cheap queries); the objective is a recorded series, so no number here repeats the config.
 */
import { DASHBOARD_UID, LABEL, RECORD, SLO_RECORD } from '../../conventions.ts';
import {
  type BurnWindow,
  describeBurnWindows,
  PAGE_WINDOWS,
  SLOW_PERSISTENCE,
  TICKET_WINDOWS,
} from '../../model/burn-plan.ts';
import type { Model } from '../../model/model.ts';
import {
  type DashboardJson,
  dashboard,
  datasourceVariable,
  firingAlertsAnnotation,
  grid,
  type Query,
  SERVICE_MATCHER,
  serviceVariable,
  statPanel,
  timeseriesPanel,
} from './common.ts';
import { thresholdSteps } from './golden-signals.ts';

const S = LABEL.service;
const ON = `on (${S}, ${LABEL.slo})`;

/** Burn rate over a window: the bad-event ratio divided by the error budget (1 = spending exactly the budget). */
function burnRate(window: string): Query {
  return {
    expr: `${SLO_RECORD.errorRatio(window)}{${SERVICE_MATCHER}}\n/ ${ON}\n(1 - ${SLO_RECORD.objective}{${SERVICE_MATCHER}})`,
    legend: `{{${S}}} {{${LABEL.slo}}} ${window}`,
  };
}

function windows(list: readonly BurnWindow[]): string[] {
  return [...new Set(list.flatMap((w) => w.slice(0, 2) as string[]))];
}

export function sloDashboard(model: Model): DashboardJson {
  const sel = `{${SERVICE_MATCHER}}`;
  const legend = `{{${S}}} {{${LABEL.slo}}}`;
  const budgetThresholds = [
    { value: 0, color: 'orange' },
    { value: 0.25, color: 'green' },
  ];
  return dashboard({
    uid: DASHBOARD_UID.slo,
    title: 'Grey Haven SLOs',
    description:
      'Availability (and latency, where configured) SLOs: SLI, error budget remaining and burn rates over the alert windows.',
    tags: ['slo', model.environment],
    variables: [datasourceVariable(), serviceVariable(RECORD.requestsRate5mByService, model.services[0]?.name)],
    annotation: firingAlertsAnnotation(SERVICE_MATCHER),
    panels: [
      statPanel({
        title: 'Objective',
        description: 'The SLO target, from the config (recorded as a series).',
        unit: 'percentunit',
        grid: grid(0, 0, 6, 5),
        queries: [{ expr: `${SLO_RECORD.objective}${sel}`, legend }],
        baseColor: 'blue',
        decimals: 2,
      }),
      statPanel({
        title: 'SLI over the SLO window',
        description: 'Share of good events over the whole SLO window (e.g. 30d).',
        unit: 'percentunit',
        grid: grid(6, 0, 9, 5),
        queries: [
          {
            expr: `1 - (1 - ${SLO_RECORD.budgetRemaining}${sel})\n* ${ON}\n(1 - ${SLO_RECORD.objective}${sel})`,
            legend,
          },
        ],
        baseColor: 'blue',
        decimals: 3,
      }),
      statPanel({
        title: 'Error budget remaining',
        description: '1 = untouched, 0 = spent, below 0 = overspent.',
        unit: 'percentunit',
        grid: grid(15, 0, 9, 5),
        queries: [{ expr: `${SLO_RECORD.budgetRemaining}${sel}`, legend }],
        thresholds: budgetThresholds,
        baseColor: 'red',
        decimals: 1,
      }),
      timeseriesPanel({
        title: 'Error budget remaining',
        description: 'Over the SLO window; below the orange line the budget is overspent.',
        unit: 'percentunit',
        grid: grid(0, 5, 12, 8),
        queries: [{ expr: `${SLO_RECORD.budgetRemaining}${sel}`, legend }],
        thresholds: [{ value: 0, color: 'orange' }],
      }),
      timeseriesPanel({
        title: 'SLI (5m)',
        description: 'Share of good events over the last 5 minutes.',
        unit: 'percentunit',
        grid: grid(12, 5, 12, 8),
        queries: [{ expr: `1 - ${SLO_RECORD.errorRatio('5m')}${sel}`, legend }],
        max: 1,
      }),
      timeseriesPanel({
        title: 'Burn rate: paging windows',
        description: `Budget spend rate (1 = exactly the budget) over the windows ErrorBudgetBurnFast reads; it pages when a long and its short window both exceed the factor (${describeBurnWindows(PAGE_WINDOWS, ', ')}).`,
        unit: 'suffix:×',
        grid: grid(0, 13, 12, 8),
        queries: windows(PAGE_WINDOWS).map(burnRate),
        thresholds: thresholdSteps(PAGE_WINDOWS.map(([, , f]) => f)),
        min: 0,
      }),
      timeseriesPanel({
        title: 'Burn rate: ticket windows',
        description: `Budget spend rate over the windows ErrorBudgetBurnSlow reads (${describeBurnWindows(TICKET_WINDOWS, ', ')}, or ${SLOW_PERSISTENCE[2]}× over every ${SLOW_PERSISTENCE[0]} for ${SLOW_PERSISTENCE[1]}).`,
        unit: 'suffix:×',
        grid: grid(12, 13, 12, 8),
        queries: [...windows(TICKET_WINDOWS), SLOW_PERSISTENCE[0]].map(burnRate),
        thresholds: thresholdSteps(TICKET_WINDOWS.map(([, , f]) => f)),
        min: 0,
      }),
    ],
  });
}
