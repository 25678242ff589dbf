/**
 * `contract/unknown-metric`: a selector names a metric nothing produces (not in the metric contract, not a
 * node_exporter, Prometheus or Alertmanager metric, not a recording rule); a near miss gets a suggestion. A name
 * with `:` is `contract/undefined-recording-rule` instead. See docs/checks/contract-unknown-metric.md.
 */
import { didYouMean } from '../promql/suggest.ts';
import { at, type ContractRule } from './lib/contract-analysis.ts';

export const CONTRACT_UNKNOWN_METRIC = 'contract/unknown-metric';

export const contractUnknownMetric: ContractRule = {
  id: CONTRACT_UNKNOWN_METRIC,
  expression(e, analysis) {
    return (e.facts?.unresolved ?? []).flatMap((sel) => {
      if (sel.name === undefined || sel.name.includes(':')) return [];
      const suggestion = didYouMean(sel.name, analysis.allNames);
      const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
      return [
        {
          check: CONTRACT_UNKNOWN_METRIC,
          severity: 'error',
          ...at(e, sel.nameFrom),
          message: `unknown metric "${sel.name}"${hint}`,
        },
      ];
    });
  },
};
