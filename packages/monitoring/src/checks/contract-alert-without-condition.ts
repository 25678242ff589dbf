/**
 * `contract/alert-without-condition`: an alerting rule whose expression never drops a series (no comparison, or
 * only comparisons with `bool`; no `and`/`unless`/`absent`), so it fires for every series all the time. A constant
 * `vector(…)` (the Watchdog) fires on purpose. See docs/checks/contract-alert-without-condition.md.
 */
import { at, type ContractRule } from './lib/contract-analysis.ts';

export const CONTRACT_ALERT_WITHOUT_CONDITION = 'contract/alert-without-condition';

export const contractAlertWithoutCondition: ContractRule = {
  id: CONTRACT_ALERT_WITHOUT_CONDITION,
  expression(e) {
    const condition = e.facts?.condition;
    if (condition?.kind !== 'none' && condition?.kind !== 'bool-only') return [];
    return [
      {
        check: CONTRACT_ALERT_WITHOUT_CONDITION,
        severity: 'error',
        ...at(e, condition.kind === 'bool-only' ? condition.from : 0),
        message:
          condition.kind === 'bool-only'
            ? 'the comparison uses `bool`, which keeps every series (as 0 or 1) instead of dropping those that fail: the alert fires all the time; drop `bool`'
            : 'the alert has no condition (no comparison such as `> 0.01`, no `and`/`unless`, no `absent`): it fires for every series the expression returns, all the time',
      },
    ];
  },
};
