/**
 * Generated promtool unit tests: one file per alert in out/prometheus/tests/, each loading the rule files that
 * define the alert and every recording rule it reads, directly or through other recording rules (so recording
 * rules feed the alerts as in production), with a fixed group evaluation order. promtool evaluates every loaded
 * rule at every step, so the rule files an alert cannot read only cost time (most of it: the SLO files hold two
 * thirds of the rules, hence one test file per service where an alert's rules are per service). Expected annotations are rendered from the rule's templates for the case's labels and value.
 */
import { LABEL, OUT, runbookFile } from '../../../conventions.ts';
import type { Model } from '../../../model/model.ts';
import { parseDuration } from '../../../util/duration.ts';
import { type OutDocument, yamlDocument } from '../../document.ts';
import { ruleFiles } from '../rules/index.ts';
import { type AlertingRule, isAlert, type Rule, type RuleFile } from '../rules/types.ts';
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

/** `HighErrorRate` → `high-error-rate.test.yml`; one service's cases: `high-error-rate.api.test.yml`. */
export function testFileName(alertname: string, service?: string): string {
  return runbookFile(alertname).replace(/\.md$/, service === undefined ? '.test.yml' : `.${service}.test.yml`);
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

/** Metric names an expression reads, each with the `label="value"` matchers of its selector. */
function selectors(expr: string): { name: string; equal: Record<string, string> }[] {
  // Recording rule names contain colons. A label name, function name or string that happens to match a recorded
  // name only loads one file too many; an unparsed matcher only keeps a file that could have been left out.
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s*\{([^}]*)\})?/g)].map((m) => ({
    name: m[1] as string,
    equal: Object.fromEntries(
      [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g)].map((e) => [e[1], e[2]]),
    ),
  }));
}

/** Whether a rule's static labels leave it able to produce a series with these label values. */
function compatible(labels: Record<string, string> | undefined, equal: Record<string, string>): boolean {
  return Object.entries(equal).every(([k, v]) => labels?.[k] === undefined || labels[k] === v);
}

/**
 * The rule files an alert's test must load, in their production order: those defining `alertname` (for one
 * `service`: only its own rule, a per-service rule carrying a static `service` label), then, until nothing is
 * added, those recording a series an expression of an already loaded file reads (a recording rule whose static
 * labels contradict the reader's selector, another service's, is not one).
 */
export function neededRuleFiles(files: readonly RuleFile[], alertname: string, service?: string): RuleFile[] {
  const recorders = new Map<string, { file: RuleFile; labels?: Record<string, string> }[]>();
  for (const f of files)
    for (const g of f.groups)
      for (const r of g.rules)
        if (!isAlert(r)) recorders.set(r.record, [...(recorders.get(r.record) ?? []), { file: f, labels: r.labels }]);
  const defines = (own: boolean) => (r: Rule) =>
    isAlert(r) && r.alert === alertname && (!own || compatible(r.labels, { [LABEL.service]: service as string }));
  const definedIn = (own: boolean) => files.filter((f) => f.groups.some((g) => g.rules.some(defines(own))));
  // A case whose series are another service's (a target missing for one service while the other serves) has
  // no own rule: it loads every file defining the alert.
  const own = service === undefined ? [] : definedIn(true);
  const needed = new Set(own.length > 0 ? own : definedIn(false));
  if (needed.size === 0) throw new Error(`${alertname}: no rule file defines it`);
  const pending = [...needed];
  for (let f = pending.pop(); f !== undefined; f = pending.pop())
    for (const g of f.groups)
      for (const r of g.rules)
        for (const sel of selectors(r.expr))
          for (const dep of recorders.get(sel.name) ?? [])
            if (!needed.has(dep.file) && compatible(dep.labels, sel.equal)) {
              needed.add(dep.file);
              pending.push(dep.file);
            }
  return files.filter((f) => needed.has(f));
}

/** The `service` label every input series of a case carries, when they agree on one. */
function caseService(c: AlertCase): string | undefined {
  const label = new RegExp(`[{,]${LABEL.service}="((?:[^"\\\\]|\\\\.)*)"`);
  const values = new Set(c.input.map((i) => label.exec(i.series)?.[1]));
  return values.size === 1 ? [...values][0] : undefined;
}

/**
 * Path (relative to out/) → test file content object: one file per alert, or, when its cases load different
 * rule files (per-service SLO rules), one per service (`error-budget-burn-fast.api.test.yml`), so that each
 * promtool run evaluates only the rules its cases read.
 */
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
    const byFiles = new Map<string, { needed: RuleFile[]; cases: AlertCase[]; services: Set<string | undefined> }>();
    for (const c of cases) {
      const service = caseService(c);
      const needed = neededRuleFiles(files, alertname, service);
      const key = needed.map((f) => f.file).join('\n');
      const entry = byFiles.get(key) ?? { needed, cases: [], services: new Set() };
      entry.cases.push(c);
      entry.services.add(service);
      byFiles.set(key, entry);
    }
    for (const { needed, cases: group, services } of byFiles.values()) {
      const only = services.size === 1 ? [...services][0] : undefined;
      const name = testFileName(alertname, byFiles.size > 1 ? only : undefined);
      const path = `${OUT.testsDir}/${name}`;
      if (out.has(path)) throw new Error(`${alertname}: two sets of its cases would be written to ${path}`);
      out.set(path, {
        rule_files: needed.map((f) => `../rules/${f.file}`),
        evaluation_interval: [...evalSteps][0] as string,
        group_eval_order: needed.flatMap((f) => f.groups.map((g) => g.name)),
        tests: group.map((c) => testCase(files, c)),
      });
    }
  }
  return out;
}

/** One document per alert under out/prometheus/tests/. */
export function alertTestDocuments(model: Model): OutDocument[] {
  return [...alertTestFiles(model)].map(([path, test]) => yamlDocument(path, test));
}
