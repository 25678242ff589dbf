/** All rule files ghmon emits, in a stable order. */
import type { Model } from '../model/model.ts';
import { goldenSignalGroups } from './golden-signals.ts';
import { seedAlertGroups } from './seed-alerts.ts';
import type { RuleFile } from './types.ts';

export function ruleFiles(model: Model): RuleFile[] {
  return [
    { file: 'golden-signals.yml', groups: goldenSignalGroups(model) },
    { file: 'golden-signals-alerts.yml', groups: seedAlertGroups(model) },
  ];
}
