/**
 * The contract check: every PromQL expression ghmon emits (rule files, dashboard queries) must parse, read
 * only metrics that exist (the metric contract, node_exporter, Prometheus, Alertmanager, or a recording rule
 * some rule file defines) and use only labels the series it applies to can carry.
 *
 * Check ids: contract/parse-error, contract/unknown-metric, contract/unknown-label,
 * contract/undefined-recording-rule, contract/unknown-template-label (an alert's annotation or label template
 * reads a label its expression does not return), contract/range-too-short (a `rate`-like window shorter than two
 * sample intervals of what it reads, given prometheus.yml), contract/alert-without-condition (an alert whose
 * expression never drops a series, so it always fires). See docs/checks/contract.md.
 */

import { readRuleFile, type TemplateField } from '../outdir/rule-files.ts';
import { alertCondition } from '../promql/alert-condition.ts';
import { templateLabelRefs } from '../promql/alert-templates.ts';
import { grafanaVariableAt, substituteGrafanaVariables } from '../promql/grafana-vars.ts';
import { knownSeries } from '../promql/known-metrics.ts';
import { infer, type LabelContext } from '../promql/labels.ts';
import { type ParsedPromQL, parsePromQL } from '../promql/parse.ts';
import { rangeWindows } from '../promql/range-windows.ts';
import { type RuleForInference, recordedSeries, seriesResolver } from '../promql/recorded-series.ts';
import { type Interval, sampleIntervalsFromPrometheusConfig } from '../promql/sample-intervals.ts';
import { METRIC_NAME_LABEL, selectors } from '../promql/selectors.ts';
import { didYouMean } from '../promql/suggest.ts';
import { targetLabelsFromPrometheusConfig } from '../promql/target-labels.ts';
import { formatDuration, parseDuration } from '../util/duration.ts';
import type { Finding } from '../util/finding.ts';

export const CONTRACT_CHECK = {
  parseError: 'contract/parse-error',
  unknownMetric: 'contract/unknown-metric',
  unknownLabel: 'contract/unknown-label',
  undefinedRecordingRule: 'contract/undefined-recording-rule',
  unknownTemplateLabel: 'contract/unknown-template-label',
  rangeTooShort: 'contract/range-too-short',
  alertWithoutCondition: 'contract/alert-without-condition',
} as const;

/** A generated rule file; `path` is relative to the output directory. */
export interface RuleFileInput {
  path: string;
  content: string;
}

/** A dashboard query: its file, where in it (e.g. the panel title) and the PromQL (Grafana variables allowed). */
export interface QueryInput {
  file: string;
  where: string;
  expr: string;
}

/** Where an expression came from, as Finding fields. */
type Place = Pick<Finding, 'file' | 'group' | 'rule' | 'line'>;

interface Expression {
  readonly place: Place;
  readonly parsed: ParsedPromQL;
  /** A dashboard query (Grafana variables allowed), not a rule. */
  readonly dashboard: boolean;
  /** An alerting rule's annotation and label templates. */
  readonly templates: readonly TemplateField[];
  /** An alerting rule (not a recording rule, not a dashboard query). */
  readonly alert: boolean;
}

export interface ContractOptions {
  /**
   * The generated prometheus.yml. Its target labels (e.g. `team`, `runtime` on application jobs) are then known
   * to exist; without it only `job`, `instance` and `service` are.
   */
  prometheusConfig?: string;
}

export function checkContract(
  ruleFiles: RuleFileInput[],
  queries: QueryInput[] = [],
  options: ContractOptions = {},
): Finding[] {
  const findings: Finding[] = [];
  const expressions: Expression[] = [];
  const inference: RuleForInference[] = [];
  /** Each recorded series' group and the group's own `interval`, if set. */
  const ruleGroupIntervals = new Map<string, { group: string; interval?: string }>();

  for (const input of ruleFiles) {
    const { rules, problems } = readRuleFile(input.path, input.content);
    for (const p of problems) {
      findings.push({ check: CONTRACT_CHECK.parseError, severity: 'error', ...defined(p) });
    }
    for (const r of rules) {
      const parsed = parsePromQL(r.expr);
      expressions.push({
        place: defined({ file: r.file, group: r.group, rule: r.name, line: r.line }),
        parsed,
        dashboard: false,
        templates: r.templates,
        alert: r.kind === 'alert',
      });
      inference.push({ kind: r.kind, name: r.name, parsed, staticLabels: r.staticLabels });
      if (r.kind === 'record') ruleGroupIntervals.set(r.name, { group: r.group, interval: r.groupInterval });
    }
  }
  for (const q of queries) {
    const parsed = parsePromQL(substituteGrafanaVariables(q.expr));
    expressions.push({
      place: { file: q.file, rule: q.where },
      parsed: { ...parsed, expr: q.expr },
      dashboard: true,
      templates: [],
      alert: false,
    });
  }

  const targetLabels =
    options.prometheusConfig === undefined ? {} : targetLabelsFromPrometheusConfig(options.prometheusConfig);
  const known = knownSeries(undefined, targetLabels);
  const recorded = recordedSeries(inference, known);
  const sampleInterval = sampleIntervalOf(options.prometheusConfig, known, ruleGroupIntervals);
  const seriesLabels = seriesResolver(recorded, known);
  const allNames = [...known.keys(), ...recorded.keys()];

  for (const { place, parsed, dashboard, templates, alert } of expressions) {
    const at = (from: number) => ({ ...place, column: from + 1 });
    if (parsed.error !== undefined) {
      const variable = dashboard ? grafanaVariableAt(parsed.expr, parsed.error.from) : undefined;
      findings.push({
        check: CONTRACT_CHECK.parseError,
        severity: 'error',
        ...at(parsed.error.from),
        message:
          variable === undefined
            ? `PromQL does not parse: ${parsed.error.message}`
            : `PromQL does not parse with Grafana variable ${variable} here: a variable outside a string can only stand for a number or a duration`,
      });
      continue;
    }
    // For a dashboard query this is the original text: substitution keeps every offset and only replaces
    // variables by numbers and durations, so names and labels read the same in both.
    const expr = parsed.expr;
    for (const sel of selectors(expr, parsed.tree)) {
      if (sel.name === undefined || seriesLabels(sel.name) !== undefined) continue;
      const suggestion = didYouMean(sel.name, allNames);
      const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
      const recording = sel.name.includes(':');
      findings.push({
        check: recording ? CONTRACT_CHECK.undefinedRecordingRule : CONTRACT_CHECK.unknownMetric,
        severity: 'error',
        ...at(sel.nameFrom),
        message: recording
          ? `recording rule "${sel.name}" is not defined in any rule file${hint}`
          : `unknown metric "${sel.name}"${hint}`,
      });
    }
    const ctx: LabelContext = {
      expr,
      seriesLabels,
      onIssue: (issue) =>
        findings.push({
          check: CONTRACT_CHECK.unknownLabel,
          severity: 'error',
          ...at(issue.from),
          message: `label "${issue.label}" is not produced by ${issue.origin} (it has: ${issue.has.join(', ') || 'no labels'})`,
        }),
    };
    const result = infer(parsed.tree.topNode, ctx);
    const condition = alert ? alertCondition(expr, parsed.tree) : undefined;
    if (condition?.kind === 'none' || condition?.kind === 'bool-only') {
      findings.push({
        check: CONTRACT_CHECK.alertWithoutCondition,
        severity: 'error',
        ...at(condition.kind === 'bool-only' ? condition.from : 0),
        message:
          condition.kind === 'bool-only'
            ? 'the comparison uses `bool`, which keeps every series (as 0 or 1) instead of dropping those that fail: the alert fires all the time; drop `bool`'
            : 'the alert has no condition (no comparison such as `> 0.01`, no `and`/`unless`, no `absent`): it fires for every series the expression returns, all the time',
      });
    }
    // Dashboards' ranges are Grafana's ($__rate_interval follows the scrape interval): rules only.
    for (const w of dashboard ? [] : rangeWindows(expr, parsed.tree)) {
      const every = w.name === undefined ? undefined : sampleInterval(w.name);
      if (every === undefined || w.rangeMs >= 2 * every.ms) continue;
      const step = formatDuration(every.ms);
      findings.push({
        check: CONTRACT_CHECK.rangeTooShort,
        severity: 'error',
        ...at(w.from),
        message: `${w.fn}() over [${w.range}] of ${w.name}, which gets a sample every ${step} (${every.from}): ${w.fn} needs two samples in its window and one shorter than two intervals often holds one (an empty result, an alert that cannot fire); use at least [${formatDuration(2 * every.ms)}] ([${formatDuration(4 * every.ms)}] is safer)`,
      });
    }
    // $labels in an alert's templates is the series the expression returned (before the rule's static labels).
    const returned = result.kind === 'vector' ? result.labels : undefined;
    if (returned === undefined || returned === 'unknown') continue;
    for (const t of templates) {
      for (const ref of templateLabelRefs(t.text)) {
        if (returned.has(ref.label)) continue;
        const has = [...returned].filter((l) => l !== METRIC_NAME_LABEL).sort();
        findings.push({
          check: CONTRACT_CHECK.unknownTemplateLabel,
          severity: 'error',
          ...place,
          ...(t.line === undefined ? {} : { line: t.line }),
          column: ref.from + 1,
          message: `${t.field}: ${ref.ref} is not returned by the alert's expression (it has: ${has.join(', ') || 'no labels'}); it renders as an empty string`,
        });
      }
    }
  }
  return findings;
}

/**
 * How often a metric gets a sample: a known series' longest scrape interval, a recorded series' group interval
 * (else the global evaluation interval). Undefined without prometheus.yml or for a metric it cannot tell.
 */
function sampleIntervalOf(
  prometheusConfig: string | undefined,
  known: ReturnType<typeof knownSeries>,
  groups: ReadonlyMap<string, { group: string; interval?: string }>,
): (name: string) => Interval | undefined {
  const intervals = prometheusConfig === undefined ? undefined : sampleIntervalsFromPrometheusConfig(prometheusConfig);
  return (name) => {
    if (intervals === undefined) return undefined;
    const source = known.get(name)?.source;
    if (source !== undefined) return intervals.scrape[source];
    const rule = groups.get(name);
    if (rule === undefined) return undefined;
    const own = rule.interval === undefined ? undefined : parseDuration(rule.interval);
    return own === undefined ? intervals.evaluation : { ms: own, from: `group "${rule.group}" interval` };
  };
}

/** Drop undefined fields, so findings compare and print cleanly. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
