/**
 * Generated promtool unit tests: one file per alert in out/prometheus/tests/, each loading the rule files that
 * define the alert and every recording rule it reads, directly or through other recording rules (so recording
 * rules feed the alerts as in production), with a fixed group evaluation order. promtool evaluates every loaded
 * rule at every step, so the rule files an alert cannot read only cost time (most of it: slo.yml holds two
 * thirds of the rules). Expected annotations are rendered from the rule's templates for the case's labels and value.
 */
import { OUT, runbookFile } from '../../../conventions.ts';
import type { Model } from '../../../model/model.ts';
import { parseDuration } from '../../../util/duration.ts';
import { type OutDocument, yamlDocument } from '../../document.ts';
import { ruleFiles } from '../rules/index.ts';
import { type AlertingRule, isAlert, type RuleFile } from '../rules/types.ts';
import { type AlertCase, alertCases, type ExpectedAlert } from './cases.ts';
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
  const check = (evalTime: string, fires: ExpectedAlert[]) => ({
    eval_time: evalTime,
    alertname: c.alertname,
    exp_alerts: fires.map((f) => {
      const rule = findRule(files, c.alertname, f.labels);
      const annotations = Object.fromEntries(
        Object.entries(rule.annotations).map(([k, v]) => [k, renderTemplate(v, f.labels, f.value)]),
      );
      return { exp_labels: f.labels, exp_annotations: annotations };
    }),
  });
  return {
    name: `${c.alertname}: ${c.name}`,
    interval: c.step ?? '1m',
    input_series: c.input,
    alert_rule_test: [...(c.before ?? []).map((b) => check(b.evalTime, b.fires)), check(c.evalTime, c.fires)],
  };
}

/**
 * The rule files an alert's test must load, in their production order: those defining `alertname`, then, until
 * nothing is added, those recording a metric an expression of an already loaded file reads.
 */
export function neededRuleFiles(files: readonly RuleFile[], alertname: string): RuleFile[] {
  const recorders = new Map<string, Set<RuleFile>>();
  for (const f of files)
    for (const g of f.groups)
      for (const r of g.rules) if (!isAlert(r)) recorders.set(r.record, (recorders.get(r.record) ?? new Set()).add(f));
  const needed = new Set(
    files.filter((f) => f.groups.some((g) => g.rules.some((r) => isAlert(r) && r.alert === alertname))),
  );
  if (needed.size === 0) throw new Error(`${alertname}: no rule file defines it`);
  const pending = [...needed];
  for (let f = pending.pop(); f !== undefined; f = pending.pop()) {
    // Metric names in the expression (recording rule names contain colons); a label value or a
    // function name that happens to match a recorded name only loads one file too many.
    for (const g of f.groups)
      for (const r of g.rules)
        for (const name of r.expr.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [])
          for (const dep of recorders.get(name) ?? [])
            if (!needed.has(dep)) {
              needed.add(dep);
              pending.push(dep);
            }
  }
  return files.filter((f) => needed.has(f));
}

/** Path (relative to out/) → test file content object. */
export function alertTestFiles(model: Model): Map<string, PromtoolTestFile> {
  const files = ruleFiles(model);
  const out = new Map<string, PromtoolTestFile>();
  for (const [alertname, cases] of alertCases(model)) {
    const steps = new Set(cases.map((c) => c.step ?? '1m'));
    if (steps.size !== 1) throw new Error(`${alertname}: its cases step differently (${[...steps].join(', ')})`);
    const evalSteps = new Set(cases.map((c) => c.evalStep ?? c.step ?? '1m'));
    if (evalSteps.size !== 1)
      throw new Error(`${alertname}: its cases evaluate differently (${[...evalSteps].join(', ')})`);
    const evalMs = parseDuration([...evalSteps][0] as string) ?? 0;
    for (const c of cases)
      for (const t of [c.evalTime, ...(c.before ?? []).map((b) => b.evalTime)])
        if ((parseDuration(t) ?? 0) % evalMs !== 0)
          throw new Error(`${alertname}: ${c.name}: eval time ${t} is not a multiple of ${[...evalSteps][0]}`);
    const needed = neededRuleFiles(files, alertname);
    out.set(`${OUT.testsDir}/${testFileName(alertname)}`, {
      rule_files: needed.map((f) => `../rules/${f.file}`),
      evaluation_interval: [...evalSteps][0] as string,
      group_eval_order: needed.flatMap((f) => f.groups.map((g) => g.name)),
      tests: cases.map((c) => testCase(files, c)),
    });
  }
  return out;
}

/** One document per alert under out/prometheus/tests/. */
export function alertTestDocuments(model: Model): OutDocument[] {
  return [...alertTestFiles(model)].map(([path, test]) => yamlDocument(path, test));
}
