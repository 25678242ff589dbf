/**
 * The contract check: every PromQL expression ghmon emits (rule files, dashboard queries) must parse, read
 * only metrics that exist (the metric contract, node_exporter, Prometheus, Alertmanager, or a recording rule
 * some rule file defines) and use only labels the series it applies to can carry.
 *
 * It runs the shared analysis (checks/lib/contract-analysis.ts) once and asks each contract/* check, one file
 * each (contract-*.ts, docs/checks/contract-*.md), for its findings. See docs/checks/contract.md.
 */

import { OUT } from '../conventions.ts';
import { dashboardQueries } from '../outdir/dashboards.ts';
import type { Finding } from '../util/finding.ts';
import { CONTRACT_ALERT_WITHOUT_CONDITION, contractAlertWithoutCondition } from './contract-alert-without-condition.ts';
import {
  CONTRACT_PARSE_ERROR,
  contractParseError,
  dashboardParseErrors,
  ruleFileParseErrors,
} from './contract-parse-error.ts';
import { CONTRACT_RANGE_TOO_SHORT, contractRangeTooShort } from './contract-range-too-short.ts';
import {
  CONTRACT_UNDEFINED_RECORDING_RULE,
  contractUndefinedRecordingRule,
} from './contract-undefined-recording-rule.ts';
import { CONTRACT_UNKNOWN_LABEL, contractUnknownLabel } from './contract-unknown-label.ts';
import { CONTRACT_UNKNOWN_METRIC, contractUnknownMetric } from './contract-unknown-metric.ts';
import { CONTRACT_UNKNOWN_TEMPLATE_LABEL, contractUnknownTemplateLabel } from './contract-unknown-template-label.ts';
import type { Check, CheckContext } from './lib/context.ts';
import {
  analyzeContract,
  type ContractOptions,
  type ContractRule,
  type QueryInput,
  type RuleFileInput,
} from './lib/contract-analysis.ts';

export type { ContractOptions, QueryInput, RuleFileInput };

/** The id of the check `ghmon check` runs (its summary line); its findings carry the contract/* ids. */
export const CONTRACT = 'contract';

export const CONTRACT_CHECK = {
  parseError: CONTRACT_PARSE_ERROR,
  unknownMetric: CONTRACT_UNKNOWN_METRIC,
  unknownLabel: CONTRACT_UNKNOWN_LABEL,
  undefinedRecordingRule: CONTRACT_UNDEFINED_RECORDING_RULE,
  unknownTemplateLabel: CONTRACT_UNKNOWN_TEMPLATE_LABEL,
  rangeTooShort: CONTRACT_RANGE_TOO_SHORT,
  alertWithoutCondition: CONTRACT_ALERT_WITHOUT_CONDITION,
} as const;

/**
 * The order findings come in for each expression. Checks in one step are merged by column: unknown metrics and
 * undefined recording rules are both read off the expression's selectors, in text order, and were always
 * reported in that order together.
 */
const STEPS: readonly (readonly ContractRule[])[] = [
  [contractParseError],
  [contractUnknownMetric, contractUndefinedRecordingRule],
  [contractUnknownLabel],
  [contractAlertWithoutCondition],
  [contractRangeTooShort],
  [contractUnknownTemplateLabel],
];

export function checkContract(
  ruleFiles: RuleFileInput[],
  queries: QueryInput[] = [],
  options: ContractOptions = {},
): Finding[] {
  const analysis = analyzeContract(ruleFiles, queries, options);
  const findings = ruleFileParseErrors(analysis);
  for (const e of analysis.expressions) {
    for (const step of STEPS) {
      const found = step.flatMap((rule) => rule.expression(e, analysis));
      // Array.prototype.sort is stable: one rule's findings keep their order.
      if (step.length > 1) found.sort((a, b) => (a.column ?? 0) - (b.column ?? 0));
      findings.push(...found);
    }
  }
  return findings;
}

/** The contract check (PromQL parsed with lezer-promql, matched against the metric contract). */
export const contractCheck: Check = {
  id: CONTRACT,
  description: 'every PromQL expression parses and reads only metrics and labels that exist',
  async run(ctx: CheckContext) {
    const files = ctx.list(OUT.rulesDir, '.yml').map((path) => ({ path, content: ctx.read(path) }));
    // The scrape config's target labels (service, runtime, team) are labels every application series carries.
    const prometheusConfig = ctx.exists(OUT.prometheusConfig) ? ctx.read(OUT.prometheusConfig) : undefined;
    // Dashboard queries (panels, annotations, variables) from every grafana/dashboards/*.json.
    const dashboards = ctx
      .list(OUT.grafanaDashboardsDir, '.json')
      .map((path) => dashboardQueries(path, ctx.read(path)));
    return [
      ...dashboardParseErrors(dashboards.flatMap((d) => d.problems)),
      ...checkContract(
        files,
        dashboards.flatMap((d) => d.queries),
        prometheusConfig ? { prometheusConfig } : {},
      ),
    ];
  },
};
