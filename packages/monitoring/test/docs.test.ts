/** Every alert has a runbook and a promtool test with a firing and a quiet case; every check has a docs page. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRACT, CONTRACT_CHECK } from '../src/checks/contract.ts';
import { CHECKS, FINDING_IDS } from '../src/checks/index.ts';
import { LIVE_SERIES } from '../src/checks/live-series.ts';
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
  const pageOf = (id: string) => `${id.replaceAll('/', '-')}.md`;
  /** The page of the `contract` check, an index of the contract/* pages: it reports no finding under its own id. */
  const INDEX_PAGES = new Set([pageOf(CONTRACT)]);

  it.each(CHECKS.map((c) => c.id))('%s has a docs page', (id) => {
    expect(existsSync(join(REPO_ROOT, 'docs/checks', pageOf(id)))).toBe(true);
  });

  it('every finding id has a docs page, and every page is for a finding id', () => {
    const pages = readdirSync(join(REPO_ROOT, 'docs/checks')).filter((f) => f.endsWith('.md') && !INDEX_PAGES.has(f));
    expect(new Set(pages)).toEqual(new Set(FINDING_IDS.map(pageOf)));
    expect(FINDING_IDS).toEqual(expect.arrayContaining([...Object.values(CONTRACT_CHECK), LIVE_SERIES]));
    expect(new Set(FINDING_IDS).size).toBe(FINDING_IDS.length);
  });

  it.each(FINDING_IDS)('%s: its page names it and it has a table test', (id) => {
    const page = readFileSync(join(REPO_ROOT, 'docs/checks', pageOf(id)), 'utf8');
    expect(page.split('\n')[0]).toBe(`# ${id}`);
    expect(existsSync(join(REPO_ROOT, 'packages/monitoring/test/checks', `${id.replaceAll('/', '-')}.test.ts`))).toBe(
      true,
    );
  });

  it('the contract index page links every contract/* page', () => {
    const index = readFileSync(join(REPO_ROOT, 'docs/checks', pageOf(CONTRACT)), 'utf8');
    for (const id of Object.values(CONTRACT_CHECK)) expect(index).toContain(`[\`${id}\`](${pageOf(id)})`);
  });
});
