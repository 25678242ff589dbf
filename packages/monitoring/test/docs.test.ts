/** Every alert has a runbook and a promtool test with a firing and a quiet case; every check has a docs page. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRACT_CHECK } from '../src/checks/contract.ts';
import { CHECKS } from '../src/checks/index.ts';
import { validateConfig } from '../src/config/load.ts';
import { runbookFile } from '../src/conventions.ts';
import { ruleFiles } from '../src/generators/prometheus/rules/index.ts';
import { isAlert } from '../src/generators/prometheus/rules/types.ts';
import { alertTestFiles } from '../src/generators/prometheus/tests/index.ts';
import { buildModel } from '../src/model/model.ts';
import { REPO_ROOT } from './helpers.ts';

const model = buildModel(
  validateConfig({
    services: [
      {
        name: 'web',
        runtime: 'typescript',
        scrape: { targets: ['127.0.0.1:1'] },
        slo: { latency: { objective: 99, threshold: 0.5 } },
      },
      { name: 'edge', runtime: 'workers', push: { protocol: 'remote-write' } },
    ],
  }),
);
const alerts = [
  ...new Set(
    ruleFiles(model)
      .flatMap((f) => f.groups.flatMap((g) => g.rules))
      .filter(isAlert)
      .map((r) => r.alert),
  ),
];

describe('every alert', () => {
  it('there are the seed five and the new ones', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(18);
  });

  it.each(alerts)('%s has a runbook page its runbook_url points at', (alert) => {
    expect(existsSync(join(REPO_ROOT, 'docs/runbooks', runbookFile(alert)))).toBe(true);
    const rule = ruleFiles(model)
      .flatMap((f) => f.groups.flatMap((g) => g.rules))
      .filter(isAlert)
      .find((r) => r.alert === alert);
    expect(rule?.annotations.runbook_url).toMatch(new RegExp(`/docs/runbooks/${runbookFile(alert)}$`));
  });

  it.each(alerts)('%s has a promtool test where it fires and (but for Watchdog) one where it does not', (alert) => {
    const tests = [...alertTestFiles(model).values()].flatMap((f) => f.tests);
    const checks = tests.flatMap((t) => t.alert_rule_test).filter((a) => a.alertname === alert);
    expect(checks.some((c) => c.exp_alerts.length > 0)).toBe(true);
    if (alert !== 'Watchdog') expect(checks.some((c) => c.exp_alerts.length === 0)).toBe(true);
  });
});

describe('every check', () => {
  it.each(CHECKS.map((c) => c.id))('%s has a docs page', (id) => {
    expect(existsSync(join(REPO_ROOT, 'docs/checks', `${id.replace('/', '-')}.md`))).toBe(true);
  });

  it('the contract check ids are all documented', () => {
    expect(Object.values(CONTRACT_CHECK).length).toBeGreaterThanOrEqual(4);
  });
});
