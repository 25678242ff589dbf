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
    // One SLO file per service: each holds a third of a service's rules, and promtool evaluates every rule of
    // every loaded file at every step, so a service's SLO tests load only its own (check time grows with the
    // number of services, not with its square); a team's PrometheusRule holds its own SLOs.
    ...model.services
      .map((s) => ({ file: sloRuleFile(s.name), groups: sloGroups(model, s) }))
      .filter((f) => f.groups.some((g) => g.rules.length > 0)),
    { file: 'latency-sustained.yml', groups: [latencySustainedGroup(model)] },
    { file: 'service-health.yml', groups: [serviceHealthGroup(model)] },
    { file: 'meta-monitoring.yml', groups: [metaMonitoringGroup(model)] },
  ];
}

/** `api` → `slo-api.yml`: a service's SLO rules (its SLI ratios, budget remaining and burn-rate alerts). */
export function sloRuleFile(service: string): string {
  return `slo-${service}.yml`;
}

/** One document per rule file, under out/prometheus/rules/: its groups, as Prometheus' rule-file format has them. */
export function ruleFileDocuments(model: Model): OutDocument[] {
  return ruleFiles(model).map((rf) => yamlDocument(`${OUT.rulesDir}/${rf.file}`, { groups: rf.groups }));
}
