/**
 * `contract/unknown-template-label`: an alert's annotation or label template reads a label (`$labels.x`,
 * `.Labels.x`, `index $labels "x"`) its expression does not return; `$labels` is the series the expression returned,
 * before the rule's static labels, and a missing label renders empty. See docs/checks/contract-unknown-template-label.md.
 */
import { templateLabelRefs } from '../promql/alert-templates.ts';
import { METRIC_NAME_LABEL } from '../promql/selectors.ts';
import type { Finding } from '../util/finding.ts';
import type { ContractRule } from './lib/contract-analysis.ts';

export const CONTRACT_UNKNOWN_TEMPLATE_LABEL = 'contract/unknown-template-label';

export const contractUnknownTemplateLabel: ContractRule = {
  id: CONTRACT_UNKNOWN_TEMPLATE_LABEL,
  expression(e) {
    const result = e.facts?.result;
    const returned = result?.kind === 'vector' ? result.labels : undefined;
    if (returned === undefined || returned === 'unknown') return [];
    const findings: Finding[] = [];
    for (const t of e.templates) {
      for (const ref of templateLabelRefs(t.text)) {
        if (returned.has(ref.label)) continue;
        const has = [...returned].filter((l) => l !== METRIC_NAME_LABEL).sort();
        findings.push({
          check: CONTRACT_UNKNOWN_TEMPLATE_LABEL,
          severity: 'error',
          ...e.place,
          ...(t.line === undefined ? {} : { line: t.line }),
          column: ref.from + 1,
          message: `${t.field}: ${ref.ref} is not returned by the alert's expression (it has: ${has.join(', ') || 'no labels'}); it renders as an empty string`,
        });
      }
    }
    return findings;
  },
};
