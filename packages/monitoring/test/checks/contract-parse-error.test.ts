/** contract/parse-error: the table of broken expressions (the finding, its column, its message) and their correct counterparts. */
import { describe, expect, it } from 'vitest';
import { checkContract, type QueryInput, type RuleFileInput } from '../../src/checks/contract.ts';
import { CONTRACT_PARSE_ERROR } from '../../src/checks/contract-parse-error.ts';
import type { Finding } from '../../src/util/finding.ts';
import { type ContractCase, contractTable } from './contract-table.ts';

const CASES: ContractCase[] = [
  {
    name: 'missing closing parenthesis',
    expr: 'sum(rate(http_requests_total[5m])',
    expect: {
      check: CONTRACT_PARSE_ERROR,
      column: 34,
      message: 'PromQL does not parse: unexpected end of expression',
    },
  },
  { name: 'balanced parentheses', expr: 'sum(rate(http_requests_total[5m]))' },
  {
    name: 'unknown function',
    expr: 'rates(http_requests_total[5m])',
    expect: { check: CONTRACT_PARSE_ERROR, column: 6, message: 'PromQL does not parse: unknown function "rates"' },
  },
  { name: 'known function', expr: 'rate(http_requests_total[5m])' },
  {
    name: 'unclosed matcher',
    expr: 'up{job="node-exporter"',
    expect: { check: CONTRACT_PARSE_ERROR, column: 23 },
  },
];

contractTable(CONTRACT_PARSE_ERROR, CASES);

describe('contract/parse-error beyond one expression', () => {
  it.each<{ name: string; files: RuleFileInput[]; queries: QueryInput[]; expected: Partial<Finding>[] }>([
    {
      name: 'a rule file that is not YAML',
      files: [{ path: 'prometheus/rules/bad.yml', content: 'groups: [\n  - name: x\n' }],
      queries: [],
      expected: [
        {
          check: CONTRACT_PARSE_ERROR,
          file: 'prometheus/rules/bad.yml',
          line: 2,
          message: 'not valid YAML: Block collections are not allowed within flow collections',
        },
      ],
    },
    {
      name: 'a YAML file that is not a rule file',
      files: [{ path: 'prometheus/rules/bad.yml', content: 'rules: []\n' }],
      queries: [],
      expected: [
        {
          check: CONTRACT_PARSE_ERROR,
          file: 'prometheus/rules/bad.yml',
          line: 1,
          message: 'not a rule file: expected a `groups` list',
        },
      ],
    },
    {
      name: 'an empty rule file',
      files: [{ path: 'prometheus/rules/empty.yml', content: '' }],
      queries: [],
      expected: [],
    },
    {
      name: 'a Grafana variable where PromQL needs a name',
      files: [],
      queries: [{ file: 'grafana/dashboards/service.json', where: 'Requests by route', expr: 'sum by ($group) (up)' }],
      expected: [
        {
          check: CONTRACT_PARSE_ERROR,
          file: 'grafana/dashboards/service.json',
          rule: 'Requests by route',
          column: 9,
          message:
            'PromQL does not parse with Grafana variable $group here: a variable outside a string can only stand for a number or a duration',
        },
      ],
    },
    {
      name: 'a Grafana variable inside a matcher string',
      files: [],
      queries: [{ file: 'grafana/dashboards/service.json', where: 'Up', expr: 'sum by (job) (up{job="$job"})' }],
      expected: [],
    },
  ])('$name', ({ files, queries, expected }) => {
    const findings = checkContract(files, queries);
    expect(findings).toHaveLength(expected.length);
    expected.forEach((e, i) => {
      expect(findings[i]).toMatchObject(e);
    });
  });
});
