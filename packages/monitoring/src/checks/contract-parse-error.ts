/**
 * `contract/parse-error`: an expression that does not parse (rules and dashboard queries; a Grafana variable
 * where PromQL needs a name is named), and a rule file or dashboard that is not YAML/JSON or not shaped like one.
 * Nothing else is reported on an expression that does not parse. See docs/checks/contract-parse-error.md.
 */
import type { DashboardProblem } from '../outdir/dashboards.ts';
import { grafanaVariableAt } from '../promql/grafana-vars.ts';
import type { Finding } from '../util/finding.ts';
import { at, type ContractAnalysis, type ContractRule, defined } from './lib/contract-analysis.ts';

export const CONTRACT_PARSE_ERROR = 'contract/parse-error';

/** The rule files that are not YAML or not shaped like a rule file. */
export function ruleFileParseErrors(analysis: ContractAnalysis): Finding[] {
  return analysis.fileProblems.map((p) => ({ check: CONTRACT_PARSE_ERROR, severity: 'error', ...defined(p) }));
}

/** The dashboard files whose queries cannot be read. */
export function dashboardParseErrors(problems: readonly DashboardProblem[]): Finding[] {
  return problems.map((p) => ({ check: CONTRACT_PARSE_ERROR, severity: 'error', ...p }));
}

export const contractParseError: ContractRule = {
  id: CONTRACT_PARSE_ERROR,
  expression(e) {
    const { error, expr } = e.parsed;
    if (error === undefined) return [];
    const variable = e.dashboard ? grafanaVariableAt(expr, error.from) : undefined;
    return [
      {
        check: CONTRACT_PARSE_ERROR,
        severity: 'error',
        ...at(e, error.from),
        message:
          variable === undefined
            ? `PromQL does not parse: ${error.message}`
            : `PromQL does not parse with Grafana variable ${variable} here: a variable outside a string can only stand for a number or a duration`,
      },
    ];
  },
};
