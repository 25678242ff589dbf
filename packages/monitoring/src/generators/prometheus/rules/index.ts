/** All rule files ghmon emits, in a stable order. */
import { OUT } from '../../../conventions.ts';
import type { Model } from '../../../model/model.ts';
import { type OutDocument, yamlDocument } from '../../document.ts';
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

/** One document per rule file, under out/prometheus/rules/: its groups, as Prometheus' rule-file format has them. */
export function ruleFileDocuments(model: Model): OutDocument[] {
  return ruleFiles(model).map((rf) => yamlDocument(`${OUT.rulesDir}/${rf.file}`, { groups: rf.groups }));
}
