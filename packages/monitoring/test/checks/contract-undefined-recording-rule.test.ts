/** contract/undefined-recording-rule: the table of broken expressions (the finding, its column, its message) and their correct counterparts. */
import { CONTRACT_UNDEFINED_RECORDING_RULE } from '../../src/checks/contract-undefined-recording-rule.ts';
import { type ContractCase, contractTable } from './contract-table.ts';

const CASES: ContractCase[] = [
  {
    name: 'misspelt recording rule',
    expr: 'greyhaven:http_rsp > 100',
    expect: {
      check: CONTRACT_UNDEFINED_RECORDING_RULE,
      column: 1,
      message:
        'recording rule "greyhaven:http_rsp" is not defined in any rule file (did you mean "greyhaven:http_rps"?)',
    },
  },
  { name: 'recording rule defined in a later file', expr: 'greyhaven:http_rps > 100' },
  {
    name: 'recording rule nobody defines',
    expr: 'slo:availability:ratio_rate30d < 0.999',
    expect: {
      check: CONTRACT_UNDEFINED_RECORDING_RULE,
      column: 1,
      message: 'recording rule "slo:availability:ratio_rate30d" is not defined in any rule file',
    },
  },
];

contractTable(CONTRACT_UNDEFINED_RECORDING_RULE, CASES);
