/**
 * The table runner the contract/* table tests share: each case is one expression, checked as a recording rule or
 * (with templates) as an alert in a rule file before the seed's, so it may read the seed's recording rules. A
 * broken case must give exactly its one finding (check id, column, message); a correct counterpart none.
 */

import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type ContractOptions, checkContract } from '../../src/checks/contract.ts';
import { JOB } from '../../src/conventions.ts';
import type { Finding } from '../../src/util/finding.ts';
import { ruleFile, seedRuleFiles, type TestRule } from '../contract-fixtures.ts';

export const CASE_ALERT = 'CaseUnderTest';
export const CASE_RECORD = 'case:under_test';
export const CASE_GROUP = 'contract_check_cases';

export interface ContractCase {
  readonly name: string;
  readonly expr: string;
  /** Checked as an alert with these annotation and label templates (`{}`: none); else as a recording rule. */
  readonly templates?: Pick<TestRule, 'labels' | 'annotations'>;
  /** The generated prometheus.yml the check is given. */
  readonly prometheusConfig?: string;
  /** The one finding expected; undefined: the expression must pass clean. */
  readonly expect?: { check: string; column: number; message?: string };
}

/**
 * Check one expression as a recording rule, or as an alert (with templates, if given), in a file that comes
 * before the seed's files (so it reads later rules).
 */
export function checkExpr(
  expr: string,
  templates: Pick<TestRule, 'labels' | 'annotations'> | undefined,
  options: ContractOptions = {},
): Finding[] {
  const rule: TestRule =
    templates === undefined ? { record: CASE_RECORD, expr } : { alert: CASE_ALERT, expr, ...templates };
  return checkContract([ruleFile('case', CASE_GROUP, [rule]), ...seedRuleFiles()], [], options);
}

/** A prometheus.yml: global intervals, and jobs with their own scrape interval if given. */
export function promYml(scrape: string, jobs: Record<string, string | undefined> = {}, evaluation = '15s'): string {
  return stringify({
    global: { scrape_interval: scrape, evaluation_interval: evaluation },
    scrape_configs: Object.entries(jobs).map(([job_name, interval]) => ({
      job_name,
      ...(interval === undefined ? {} : { scrape_interval: interval }),
      static_configs: [{ targets: ['localhost:1'] }],
    })),
  });
}
export const APP_AND_NODE = { api: undefined, [JOB.nodeExporter]: undefined };

/** The table test of one contract/* id: every broken case fires this id, every counterpart passes. */
export function contractTable(id: string, cases: readonly ContractCase[]): void {
  describe(`${id} (each broken input fires, each counterpart passes)`, () => {
    it('has broken cases, all of this id, and correct counterparts', () => {
      expect(cases.filter((c) => c.expect !== undefined).length).toBeGreaterThan(0);
      expect(cases.filter((c) => c.expect === undefined).length).toBeGreaterThan(0);
      for (const c of cases) if (c.expect !== undefined) expect(c.expect.check).toBe(id);
    });

    it.each(cases)('$name: $expr $templates', (c) => {
      const findings = checkExpr(
        c.expr,
        c.templates,
        c.prometheusConfig === undefined ? {} : { prometheusConfig: c.prometheusConfig },
      );
      if (c.expect === undefined) {
        expect(findings).toEqual([]);
        return;
      }
      expect(findings).toHaveLength(1);
      const [f] = findings;
      expect(f).toMatchObject({
        check: c.expect.check,
        severity: 'error',
        file: 'prometheus/rules/case.yml',
        group: CASE_GROUP,
        rule: c.templates === undefined ? CASE_RECORD : CASE_ALERT,
        column: c.expect.column,
      });
      if (c.expect.message !== undefined) expect(f?.message).toBe(c.expect.message);
    });
  });
}
