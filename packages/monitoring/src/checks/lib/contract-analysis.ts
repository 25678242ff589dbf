/**
 * The one analysis pass the contract/* checks share: every rule file is read, every PromQL expression (rules,
 * dashboard queries) parsed once, matched against the metric contract (known series, recorded series, the scrape
 * config's target labels) and its labels inferred once. Each contract/* check (src/checks/contract-*.ts) then
 * only turns its part of this analysis into findings; none parses or infers again.
 */

import { type RuleFileProblem, readRuleFile, type TemplateField } from '../../outdir/rule-files.ts';
import { type AlertCondition, alertCondition } from '../../promql/alert-condition.ts';
import { substituteGrafanaVariables } from '../../promql/grafana-vars.ts';
import { knownSeries } from '../../promql/known-metrics.ts';
import { infer, type LabelIssue, type Value } from '../../promql/labels.ts';
import { type ParsedPromQL, parsePromQL } from '../../promql/parse.ts';
import { type RangeWindow, rangeWindows } from '../../promql/range-windows.ts';
import { type RuleForInference, recordedSeries, seriesResolver } from '../../promql/recorded-series.ts';
import { type Interval, sampleIntervalsFromPrometheusConfig } from '../../promql/sample-intervals.ts';
import { type Selector, selectors } from '../../promql/selectors.ts';
import { targetLabelsFromPrometheusConfig } from '../../promql/target-labels.ts';
import { parseDuration } from '../../util/duration.ts';
import type { Finding } from '../../util/finding.ts';

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

export interface ContractOptions {
  /**
   * The generated prometheus.yml. Its target labels (e.g. `team`, `runtime` on application jobs) are then known
   * to exist; without it only `job`, `instance` and `service` are.
   */
  prometheusConfig?: string;
}

/** Where an expression came from, as Finding fields. */
export type Place = Pick<Finding, 'file' | 'group' | 'rule' | 'line'>;

/** What the analysis learnt about an expression that parses. */
export interface ExpressionFacts {
  /** Selectors whose metric name nothing produces (no known series, no recording rule), in text order. */
  readonly unresolved: readonly Selector[];
  /** Labels used where the series they apply to cannot carry them, in the order inference met them. */
  readonly labelIssues: readonly LabelIssue[];
  /** The inferred result of the whole expression. */
  readonly result: Value;
  /** An alert's condition; undefined for a recording rule or a dashboard query. */
  readonly condition?: AlertCondition;
  /** The ranges of rate-like functions; none for a dashboard query (Grafana's ranges follow the scrape interval). */
  readonly windows: readonly RangeWindow[];
}

export interface AnalyzedExpression {
  readonly place: Place;
  /** For a dashboard query `expr` is the original text (variables not substituted). */
  readonly parsed: ParsedPromQL;
  /** A dashboard query (Grafana variables allowed), not a rule. */
  readonly dashboard: boolean;
  /** An alerting rule's annotation and label templates. */
  readonly templates: readonly TemplateField[];
  /** An alerting rule (not a recording rule, not a dashboard query). */
  readonly alert: boolean;
  /** Undefined when the expression does not parse (`parsed.error`): nothing else is said about it. */
  readonly facts?: ExpressionFacts;
}

export interface ContractAnalysis {
  /** Rule files that are not YAML or not shaped like a rule file, in file order. */
  readonly fileProblems: readonly RuleFileProblem[];
  /** Rules in file order, then dashboard queries. */
  readonly expressions: readonly AnalyzedExpression[];
  /** Every metric name known or recorded, for suggestions. */
  readonly allNames: readonly string[];
  /** How often a metric gets a sample; undefined without prometheus.yml or where it cannot tell. */
  sampleInterval(name: string): Interval | undefined;
}

export function analyzeContract(
  ruleFiles: RuleFileInput[],
  queries: QueryInput[] = [],
  options: ContractOptions = {},
): ContractAnalysis {
  const fileProblems: RuleFileProblem[] = [];
  const sources: Omit<AnalyzedExpression, 'facts'>[] = [];
  const inference: RuleForInference[] = [];
  /** Each recorded series' group and the group's own `interval`, if set. */
  const ruleGroupIntervals = new Map<string, { group: string; interval?: string }>();

  for (const input of ruleFiles) {
    const { rules, problems } = readRuleFile(input.path, input.content);
    fileProblems.push(...problems);
    for (const r of rules) {
      const parsed = parsePromQL(r.expr);
      sources.push({
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
    sources.push({
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
  const seriesLabels = seriesResolver(recorded, known);

  const expressions = sources.map((source): AnalyzedExpression => {
    const { parsed, dashboard, alert } = source;
    if (parsed.error !== undefined) return source;
    // For a dashboard query this is the original text: substitution keeps every offset and only replaces
    // variables by numbers and durations, so names and labels read the same in both.
    const expr = parsed.expr;
    const labelIssues: LabelIssue[] = [];
    const result = infer(parsed.tree.topNode, { expr, seriesLabels, onIssue: (issue) => labelIssues.push(issue) });
    const condition = alert ? alertCondition(expr, parsed.tree) : undefined;
    const facts: ExpressionFacts = {
      unresolved: selectors(expr, parsed.tree).filter(
        (s) => s.name !== undefined && seriesLabels(s.name) === undefined,
      ),
      labelIssues,
      result,
      ...(condition === undefined ? {} : { condition }),
      windows: dashboard ? [] : rangeWindows(expr, parsed.tree),
    };
    return { ...source, facts };
  });

  return {
    fileProblems,
    expressions,
    allNames: [...known.keys(), ...recorded.keys()],
    sampleInterval: sampleIntervalOf(options.prometheusConfig, known, ruleGroupIntervals),
  };
}

/** The Finding fields for an offset (0-based) in an expression: its place and the 1-based column. */
export function at(e: AnalyzedExpression, from: number): Place & { column: number } {
  return { ...e.place, column: from + 1 };
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
export function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A contract/* check: its id and its findings on one analysed expression, in the order of the text. */
export interface ContractRule {
  readonly id: string;
  expression(e: AnalyzedExpression, analysis: ContractAnalysis): Finding[];
}
