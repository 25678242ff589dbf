/**
 * One incident per alert where it must fire (with its exact labels and the value its annotations show) and
 * a healthy or noisy counterpart where it must not. The expectations are written here from the alert's
 * meaning, independently of the rule expressions; promtool then checks the rules in out/ against them.
 * Inputs use a 1m step: promtool's engine caps a query at 10,000 samples, and 1m keeps `[3d]` at 4,320. Long
 * incidents read over long windows step coarser (input `step`, rule evaluation `evalStep`): promtool evaluates
 * every loaded rule at every evaluation step, and that is most of `ghmon check`'s time.
 */
import type { Model } from '../../../model/model.ts';
import type { AlertCase } from './cases-common.ts';
import { saturationCases, seedCases } from './cases-golden-signals.ts';
import { errorsStoppedCases, healthCases } from './cases-health.ts';
import { latencySustainedCases } from './cases-latency-sustained.ts';
import { metaCases } from './cases-meta.ts';
import { sloCases } from './cases-slo.ts';

export type { AlertCase, ExpectedAlert } from './cases-common.ts';

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
