/**
 * `contract/undefined-recording-rule`: a selector names a `prefix:name`-style metric (a name with `:`, which only
 * a recording rule writes) that no rule file defines; a near miss gets a suggestion.
 * See docs/checks/contract-undefined-recording-rule.md.
 */
import { didYouMean } from '../promql/suggest.ts';
import { at, type ContractRule } from './lib/contract-analysis.ts';

export const CONTRACT_UNDEFINED_RECORDING_RULE = 'contract/undefined-recording-rule';

export const contractUndefinedRecordingRule: ContractRule = {
  id: CONTRACT_UNDEFINED_RECORDING_RULE,
  expression(e, analysis) {
    return (e.facts?.unresolved ?? []).flatMap((sel) => {
      if (sel.name === undefined || !sel.name.includes(':')) return [];
      const suggestion = didYouMean(sel.name, analysis.allNames);
      const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
      return [
        {
          check: CONTRACT_UNDEFINED_RECORDING_RULE,
          severity: 'error',
          ...at(e, sel.nameFrom),
          message: `recording rule "${sel.name}" is not defined in any rule file${hint}`,
        },
      ];
    });
  },
};
