/** All rule files ghmon emits, in a stable order. */
import type { Model } from '../../../model/model.ts';
import { goldenSignalGroups } from './golden-signals.ts';
import { metaMonitoringGroup, serviceHealthGroup } from './health.ts';
import { latencySustainedGroup } from './latency-sustained.ts';
import { seedAlertGroups } from './seed-alerts.ts';
import { sloGroups } from './slo.ts';
import type { RuleFile } from './types.ts';

export function ruleFiles(model: Model): RuleFile[] {
  return [
    { file: 'golden-signals.yml', groups: goldenSignalGroups(model) },
    { file: 'golden-signals-alerts.yml', groups: seedAlertGroups(model) },
    { file: 'slo.yml', groups: sloGroups(model) },
    { file: 'latency-sustained.yml', groups: [latencySustainedGroup(model)] },
    { file: 'service-health.yml', groups: [serviceHealthGroup(model)] },
    { file: 'meta-monitoring.yml', groups: [metaMonitoringGroup(model)] },
  ];
}
