/**
 * The SLO burn plan: which error-ratio windows the multi-window multi-burn-rate alerts compare, and at which
 * multiples of the error budget. The rules, their promtool cases and the SLO dashboard all read it from here,
 * so a window or factor changes in one place and the alert, its test and the dashboard's threshold lines move
 * together. The factors do not depend on the objective; the thresholds are `factor × errorBudget(objective)`.
 */

/** A burn-rate pair: both the long and the short window's ratio must exceed `factor` × the error budget. */
export type BurnWindow = readonly [long: string, short: string, factor: number];

/**
 * Burn-rate windows of the page (ErrorBudgetBurnFast). The workbook pairs 6h with 30m; ghmon pairs it with 5m,
 * so that the page resolves within minutes of recovery instead of half an hour (a page that lingers is noise
 * on-call learns to ignore). What the 30m window did against flapping, Alertmanager's grouping by service now
 * does: the incident stays one while the service's other pages (held by keep_firing_for) still fire.
 */
export const PAGE_WINDOWS: readonly BurnWindow[] = [
  ['1h', '5m', 14.4],
  ['6h', '5m', 6],
];

/** Burn-rate windows of the ticket (ErrorBudgetBurnSlow), as in the workbook. */
export const TICKET_WINDOWS: readonly BurnWindow[] = [
  ['1d', '2h', 3],
  ['3d', '6h', 1],
];

/** The sustained page's burn factor over 5m (the workbook's fastest page). */
export const SUSTAINED_FACTOR = 14.4;

/** The slow ticket's persistence tier: [ratio window, how long it held, factor]. */
export const SLOW_PERSISTENCE = ['30m', '3h', 2] as const;

/** 99.9 → 0.001, without float noise (1 - 0.999 is 0.0010000000000000009). */
export function errorBudget(objectivePercent: number): number {
  return Number((1 - objectivePercent / 100).toPrecision(12));
}

/** 99.9 → 0.999, without float noise. */
export function objectiveRatio(objectivePercent: number): number {
  return Number((objectivePercent / 100).toPrecision(12));
}

/** The windows' `f× over L and S` phrase, as alert descriptions and dashboard panels print it. */
export function describeBurnWindows(windows: readonly BurnWindow[], separator: string): string {
  return windows.map(([long, short, factor]) => `${factor}× over ${long} and ${short}`).join(separator);
}
