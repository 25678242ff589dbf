/**
 * `keep_firing_for` (Prometheus ≥ 2.42) on the pages whose condition is a ratio or a quantile over a window:
 * HighErrorRate, CriticalLatencyP99 (or HighLatencyP95 when configured to page), and the sustained pages
 * ErrorBudgetBurnSustained and HighLatencySustained. (ErrorBudgetBurnFast no longer: its 5m short windows resolve
 * it within minutes of recovery, and a flap stays one incident through the service's other pages.) Such
 * a condition oscillates around its threshold while an incident flaps (errors in bursts), and each resolve and
 * refire is a new PagerDuty incident; kept firing for `thresholds.pageKeepFiringFor` after the condition
 * clears, a flapping incident pages once. It changes only when an alert resolves: `for:`, thresholds and
 * severities are untouched, and a warning (a ticket) never gets it.
 *
 * Deliberately not on:
 * - ServiceTargetDown: `up` is a fact per scrape, not a windowed estimate, and its resolve is news on-call
 *   waits for (the restart worked). Held firing, it would also keep inhibiting ServiceTrafficStopped
 *   (generators/alertmanager/config.ts) for a target that is back up but receives no requests.
 * - HighMemoryUsage: a cause, not a symptom users feel (the replay counts its page as a false one); a
 *   `keep_firing_for` would lengthen a page that should be a ticket. Memory in use is an instantaneous gauge:
 *   a dip below the threshold resets `for: 5m` instead of resolving and refiring a page.
 * - The meta-monitoring pages (rule failures, notifications failing, no Alertmanager): counters of failures
 *   that resolve when the failure stops, which on-call needs to see at once.
 */

import { SEVERITY } from '../../../conventions.ts';
import type { Model } from '../../../model/model.ts';
import { parseDuration } from '../../../util/duration.ts';

/** The `keep_firing_for` of an oscillating alert with this severity: only pages, and none when set to `0s`. */
export function pageKeepFiringFor(model: Model, severity: string): string | undefined {
  const kff = model.thresholds.pageKeepFiringFor;
  if (severity !== SEVERITY.critical || !parseDuration(kff)) return undefined;
  return kff;
}

/** `{ keep_firing_for }` to spread into a rule, or nothing. */
export function keepFiring(model: Model, severity: string): { keep_firing_for?: string } {
  const kff = pageKeepFiringFor(model, severity);
  return kff ? { keep_firing_for: kff } : {};
}
