/** promtool/rules: `promtool check rules` on prometheus/rules/*.yml. */
import { PROMTOOL_RULES, promtoolRules } from '../../src/checks/promtool-rules.ts';
import { outTable } from './out-table.ts';

const RULES = 'prometheus/rules/golden-signals.yml';

outTable(promtoolRules, [
  { name: 'the clean build' },
  {
    name: 'a rule that does not parse',
    edits: [{ file: RULES, from: 'sum(rate(http_requests_total[1m]))', to: 'sum(rate(http_requests_total[1m])' }],
    expect: { check: PROMTOOL_RULES, printed: /unclosed left parenthesis/ },
  },
  {
    name: 'a recording rule with an invalid name',
    edits: [{ file: RULES, from: 'record: greyhaven:http_rps', to: 'record: greyhaven http_rps' }],
    expect: { check: PROMTOOL_RULES, printed: /invalid recording rule name/ },
  },
]);
