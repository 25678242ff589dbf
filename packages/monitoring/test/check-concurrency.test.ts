/**
 * `ghmon check` runs its checks concurrently (bounded) yet reports them in a fixed order, with each check's wall
 * time (`--verbose`, `--format json`'s `ms`); and the generated unit tests load only the rule files their alert
 * reads. Times are only checked to be there and numeric: no assertion depends on the machine's speed.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CHECKS, runChecks } from '../src/checks/index.ts';
import type { Check } from '../src/checks/lib/context.ts';
import type { RuleFile } from '../src/generators/prometheus/rules/types.ts';
import { neededRuleFiles } from '../src/generators/prometheus/tests/index.ts';
import type { Finding } from '../src/util/finding.ts';
import { GREYHAVEN_CONFIG, ghmon, tempDir } from './helpers.ts';

vi.setConfig({ testTimeout: 180_000 });

/** A check that waits `delayMs`, then reports one finding; it records how many checks run at once. */
function fakeCheck(id: string, delayMs: number, live: { now: number; max: number }): Check {
  return {
    id,
    description: id,
    async run() {
      live.now++;
      live.max = Math.max(live.max, live.now);
      await new Promise((r) => setTimeout(r, delayMs));
      live.now--;
      return [{ check: id, severity: 'error', file: `${id}.yml`, message: `${id} failed` } satisfies Finding];
    },
  };
}

describe('runChecks', () => {
  it.each([1, 2, 3])('reports in the given order whatever order checks finish in (at most %i at a time)', async (n) => {
    const live = { now: 0, max: 0 };
    // The first checks are the slowest: with concurrency they finish last.
    const checks = [
      fakeCheck('a', 60, live),
      fakeCheck('b', 40, live),
      fakeCheck('c', 20, live),
      fakeCheck('d', 1, live),
    ];
    const report = await runChecks(tempDir(), checks, n);
    expect(report.findings.map((f) => f.check)).toEqual(['a', 'b', 'c', 'd']);
    expect(report.summary.map((s) => s.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(live.max).toBe(n);
    for (const s of report.summary) {
      expect(typeof s.ms).toBe('number');
      expect(Number.isFinite(s.ms)).toBe(true);
      expect(s.ms).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('ghmon check on a broken out/', () => {
  it('reports findings of several checks in the same order concurrently and one at a time, with times', async () => {
    const out = join(tempDir(), 'out');
    expect((await ghmon('build', '--config', GREYHAVEN_CONFIG, '--out', out)).code).toBe(0);
    const edit = (rel: string, from: string, to: string) => {
      const p = join(out, rel);
      const before = readFileSync(p, 'utf8');
      expect(before.includes(from), `${from} in ${rel}`).toBe(true);
      writeFileSync(p, before.replace(from, to));
    };
    // promtool/tests: one small test file, made to fail (the others removed to keep the test quick).
    const testsDir = join(out, 'prometheus/tests');
    for (const f of readdirSync(testsDir)) if (f !== 'watchdog.test.yml') rmSync(join(testsDir, f));
    edit('prometheus/tests/watchdog.test.yml', 'alertname: Watchdog', 'alertname: Watchdogg');
    // amtool/config, contract and kubernetes/values (or whichever checks read these files) fail too.
    edit('alertmanager/alertmanager.yml', 'receiver: pagerduty-page', 'receiver: pagerduty-pages');
    edit(
      'prometheus/rules/golden-signals.yml',
      'sum(rate(http_requests_total[1m]))',
      'sum(rate(http_request_total[1m]))',
    );

    const sequential = await runChecks(out, CHECKS, 1);
    const byCheck = [...new Set(sequential.findings.map((f) => f.check))];
    expect(byCheck.length).toBeGreaterThanOrEqual(3);
    expect(byCheck).toEqual(expect.arrayContaining(['promtool/tests', 'amtool/config', 'contract/unknown-metric']));

    const json = await ghmon('check', '--out', out, '--format', 'json');
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.out) as { checks: { id: string; ms: unknown }[]; findings: Finding[] };
    expect(doc.findings.map((f) => ({ ...f, file: f.file.slice(out.length + 1) }))).toEqual(sequential.findings);
    expect(doc.checks.map((c) => c.id)).toEqual(CHECKS.map((c) => c.id));
    for (const c of doc.checks) expect(typeof c.ms, c.id).toBe('number');

    const text = await ghmon('check', '--out', out, '--verbose');
    expect(text.code).toBe(1);
    const again = await ghmon('check', '--out', out);
    expect(text.err).toBe(again.err);
    for (const c of CHECKS) expect(text.out).toMatch(new RegExp(`^\\s+\\d+\\.\\d\\d s ${c.id}$`, 'm'));
    expect(text.out).toMatch(
      new RegExp(`^ghmon check: \\d+\\.\\d\\d s in all \\(${CHECKS.length} checks, up to \\d+ at a time\\)$`, 'm'),
    );
    expect(again.out).not.toMatch(/ s in all/);
  });
});

describe('neededRuleFiles', () => {
  const file = (name: string, rules: RuleFile['groups'][number]['rules']): RuleFile => ({
    file: name,
    groups: [{ name, rules }],
  });
  const alert = (name: string, expr: string) => ({
    alert: name,
    expr,
    labels: {},
    annotations: { summary: '', description: '', runbook_url: '' },
  });
  const files = [
    file('base.yml', [{ record: 'x:base', expr: 'sum(up)' }]),
    file('mid.yml', [{ record: 'x:mid', expr: 'x:base * 2' }]),
    file('other.yml', [{ record: 'x:other', expr: 'sum(up)' }, alert('Other', 'x:other > 0')]),
    file('alerts.yml', [alert('Top', 'x:mid > 1'), alert('Plain', 'up == 0')]),
  ];
  it.each([
    ['Top', ['base.yml', 'mid.yml', 'alerts.yml']],
    ['Plain', ['base.yml', 'mid.yml', 'alerts.yml']],
    ['Other', ['other.yml']],
  ])('%s loads %j (its file, and what it reads, transitively, in production order)', (name, expected) => {
    expect(neededRuleFiles(files, name).map((f) => f.file)).toEqual(expected);
  });
  it('rejects an alert no file defines', () => {
    expect(() => neededRuleFiles(files, 'Nope')).toThrow(/no rule file defines it/);
  });
});
