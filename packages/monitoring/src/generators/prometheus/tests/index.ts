/**
 * Generated promtool unit tests: one file per alert in out/prometheus/tests/, each loading every rule file
 * (so recording rules feed the alerts as in production) with a fixed group evaluation order.
 * Expected annotations are rendered from the rule's templates for the case's labels and value.
 */
import { OUT, runbookFile } from '../../../conventions.ts';
import type { Model } from '../../../model/model.ts';
import { type OutDocument, yamlDocument } from '../../document.ts';
import { ruleFiles } from '../rules/index.ts';
import { type AlertingRule, isAlert, type RuleFile } from '../rules/types.ts';
import { type AlertCase, alertCases } from './cases.ts';
import { renderTemplate } from './template.ts';

export interface PromtoolTestFile {
  rule_files: string[];
  evaluation_interval: string;
  group_eval_order: string[];
  tests: {
    name: string;
    interval: string;
    input_series: { series: string; values: string }[];
    alert_rule_test: {
      eval_time: string;
      alertname: string;
      exp_alerts: { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[];
    }[];
  }[];
}

/** `HighErrorRate` → `high-error-rate.test.yml`. */
export function testFileName(alertname: string): string {
  return runbookFile(alertname).replace(/\.md$/, '.test.yml');
}

function findRule(files: RuleFile[], alertname: string, labels: Record<string, string>): AlertingRule {
  const candidates = files
    .flatMap((f) => f.groups.flatMap((g) => g.rules))
    .filter(isAlert)
    .filter((r) => r.alert === alertname);
  // The most specific rule wins: a per-service rule (static `service` label) over a generic one.
  const rule = candidates
    .filter((r) => Object.entries(r.labels).every(([k, v]) => labels[k] === v))
    .sort((a, b) => Object.keys(b.labels).length - Object.keys(a.labels).length)[0];
  if (!rule) throw new Error(`no ${alertname} rule matches the expected labels ${JSON.stringify(labels)}`);
  return rule;
}

function testCase(files: RuleFile[], c: AlertCase) {
  return {
    name: `${c.alertname}: ${c.name}`,
    interval: c.step ?? '1m',
    input_series: c.input,
    alert_rule_test: [
      {
        eval_time: c.evalTime,
        alertname: c.alertname,
        exp_alerts: c.fires.map((f) => {
          const rule = findRule(files, c.alertname, f.labels);
          const annotations = Object.fromEntries(
            Object.entries(rule.annotations).map(([k, v]) => [k, renderTemplate(v, f.labels, f.value)]),
          );
          return { exp_labels: f.labels, exp_annotations: annotations };
        }),
      },
    ],
  };
}

/** Path (relative to out/) → test file content object. */
export function alertTestFiles(model: Model): Map<string, PromtoolTestFile> {
  const files = ruleFiles(model);
  const ruleFilePaths = files.map((f) => `../rules/${f.file}`);
  const groupOrder = files.flatMap((f) => f.groups.map((g) => g.name));
  const out = new Map<string, PromtoolTestFile>();
  for (const [alertname, cases] of alertCases(model)) {
    const steps = new Set(cases.map((c) => c.step ?? '1m'));
    if (steps.size !== 1) throw new Error(`${alertname}: its cases step differently (${[...steps].join(', ')})`);
    out.set(`${OUT.testsDir}/${testFileName(alertname)}`, {
      rule_files: ruleFilePaths,
      evaluation_interval: [...steps][0] as string,
      group_eval_order: groupOrder,
      tests: cases.map((c) => testCase(files, c)),
    });
  }
  return out;
}

/** One document per alert under out/prometheus/tests/. */
export function alertTestDocuments(model: Model): OutDocument[] {
  return [...alertTestFiles(model)].map(([path, test]) => yamlDocument(path, test));
}
