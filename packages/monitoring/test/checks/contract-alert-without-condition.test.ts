/** contract/alert-without-condition: the table of broken expressions (the finding, its column, its message) and their correct counterparts. */
import { CONTRACT_ALERT_WITHOUT_CONDITION } from '../../src/checks/contract-alert-without-condition.ts';
import { RECORD } from '../../src/conventions.ts';
import { type ContractCase, contractTable } from './contract-table.ts';

const CASES: ContractCase[] = [
  {
    name: 'an alert with its threshold forgotten',
    expr: RECORD.errorsRate5mByService,
    templates: {},
    expect: {
      check: CONTRACT_ALERT_WITHOUT_CONDITION,
      column: 1,
      message:
        'the alert has no condition (no comparison such as `> 0.01`, no `and`/`unless`, no `absent`): it fires for every series the expression returns, all the time',
    },
  },
  {
    name: 'an alert comparing with bool',
    expr: `${RECORD.errorsRate5mByService} > bool 0.01`,
    templates: {},
    expect: { check: CONTRACT_ALERT_WITHOUT_CONDITION, column: 43 },
  },
  { name: 'an alert with its threshold', expr: `${RECORD.errorsRate5mByService} > 0.01`, templates: {} },
  { name: 'a comparison inside an aggregation', expr: 'count by (job) (up == 0)', templates: {} },
  { name: 'absent as the condition', expr: 'absent(up{job="prometheus"})', templates: {} },
  { name: 'unless as the condition', expr: 'up unless up offset 1h', templates: {} },
  { name: 'a constant alert, on purpose (the Watchdog)', expr: 'vector(1)', templates: {} },
  { name: 'the same expression as a recording rule', expr: RECORD.errorsRate5mByService },
];

contractTable(CONTRACT_ALERT_WITHOUT_CONDITION, CASES);
