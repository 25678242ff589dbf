/**
 * `contract/unknown-label`: a matcher, `by`/`without`, `on`/`ignoring`, `group_left`/`group_right` or a
 * `label_replace`/`label_join` source names a label the series it applies to cannot carry (labels inferred through
 * the whole expression; nothing said where they are unknown). See docs/checks/contract-unknown-label.md.
 */
import { at, type ContractRule } from './lib/contract-analysis.ts';

export const CONTRACT_UNKNOWN_LABEL = 'contract/unknown-label';

export const contractUnknownLabel: ContractRule = {
  id: CONTRACT_UNKNOWN_LABEL,
  expression(e) {
    return (e.facts?.labelIssues ?? []).map((issue) => ({
      check: CONTRACT_UNKNOWN_LABEL,
      severity: 'error',
      ...at(e, issue.from),
      message: `label "${issue.label}" is not produced by ${issue.origin} (it has: ${issue.has.join(', ') || 'no labels'})`,
    }));
  },
};
