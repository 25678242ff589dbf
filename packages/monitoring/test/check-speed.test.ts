/**
 * What makes `ghmon check` fast without dropping anything (issue 18), each shown to keep its findings:
 * - SLO rules in one file per service, and the SLO alerts' unit tests per service loading only that file;
 * - promtool/tests dealing the test files into a few batches, a failing batch rerun file by file so each
 *   finding still names its file;
 * - amtool/routes running amtool once per label set the route tree can tell apart.
 */
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { AMTOOL_ROUTES, amtoolRoutes, routingClass } from '../src/checks/amtool-routes.ts';
import { checkContext } from '../src/checks/lib/context.ts';
import { dealt, PROMTOOL_TESTS, promtoolTests } from '../src/checks/promtool-tests.ts';
import type { RuleFile } from '../src/generators/prometheus/rules/types.ts';
import { neededRuleFiles } from '../src/generators/prometheus/tests/index.ts';
import { GREYHAVEN_CONFIG, ghmon, tempDir } from './helpers.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let clean = '';
beforeAll(async () => {
  clean = join(tempDir(), 'out');
  const r = await ghmon('build', '--config', GREYHAVEN_CONFIG, '--out', clean);
  expect(r.code, r.err).toBe(0);
});

function copy(): string {
  const out = join(tempDir(), 'out');
  cpSync(clean, out, { recursive: true });
  return out;
}

describe('per-service SLO rule files and their tests', () => {
  it('writes one SLO rule file per service, each holding only its own groups', () => {
    const files = readdirSync(join(clean, 'prometheus/rules')).filter((f) => f.startsWith('slo'));
    expect(files.sort()).toEqual(['slo-api.yml', 'slo-backend.yml']);
    for (const f of files) {
      const service = f.slice(4, -4);
      const doc = parse(readFileSync(join(clean, 'prometheus/rules', f), 'utf8')) as { groups: { name: string }[] };
      expect(doc.groups.map((g) => g.name)).toEqual([`slo_${service}`, `slo_${service}_alerts`]);
    }
  });

  it("tests each service's SLO alerts on its own rule file, every case kept", () => {
    const tests = join(clean, 'prometheus/tests');
    for (const alert of ['error-budget-burn-fast', 'error-budget-burn-slow', 'error-budget-burn-sustained']) {
      const names: string[] = [];
      for (const service of ['api', 'backend']) {
        const doc = parse(readFileSync(join(tests, `${alert}.${service}.test.yml`), 'utf8')) as {
          rule_files: string[];
          group_eval_order: string[];
          tests: { name: string }[];
        };
        expect(doc.rule_files).toEqual([`../rules/slo-${service}.yml`]);
        expect(doc.group_eval_order).toEqual([`slo_${service}`, `slo_${service}_alerts`]);
        // Every case of the file is about this service (its name says so), and there are cases for both SLIs.
        for (const t of doc.tests) expect(t.name).toMatch(new RegExp(`^\\w+: ${service}[ :]`));
        expect(doc.tests.some((t) => t.name.includes('availability'))).toBe(true);
        expect(doc.tests.some((t) => t.name.includes('latency'))).toBe(true);
        names.push(...doc.tests.map((t) => t.name.replace(service, '<s>')));
      }
      // The same cases for both services.
      const half = names.length / 2;
      expect(names.slice(0, half)).toEqual(names.slice(half));
      expect(readdirSync(tests)).not.toContain(`${alert}.test.yml`);
    }
  });

  const file = (name: string, rules: RuleFile['groups'][number]['rules']): RuleFile => ({
    file: name,
    groups: [{ name, rules }],
  });
  const alert = (name: string, expr: string, labels: Record<string, string> = {}) => ({
    alert: name,
    expr,
    labels,
    annotations: { summary: '', description: '', runbook_url: '' },
  });
  const files = [
    file('shared.yml', [{ record: 'x:total', expr: 'sum by (service) (up)' }]),
    file('slo-a.yml', [
      { record: 'x:ratio', expr: 'x:total', labels: { service: 'a' } },
      alert('Burn', 'x:ratio{service="a"} > 1', { service: 'a' }),
    ]),
    file('slo-b.yml', [
      { record: 'x:ratio', expr: 'x:total', labels: { service: 'b' } },
      alert('Burn', 'x:ratio{service="b"} > 1', { service: 'b' }),
    ]),
    file('generic.yml', [alert('Down', 'x:ratio > 0')]),
  ];
  it.each([
    ['Burn', 'a', ['shared.yml', 'slo-a.yml']],
    ['Burn', 'b', ['shared.yml', 'slo-b.yml']],
    ['Burn', undefined, ['shared.yml', 'slo-a.yml', 'slo-b.yml']],
    // No rule of its own for "c": every file defining it.
    ['Burn', 'c', ['shared.yml', 'slo-a.yml', 'slo-b.yml']],
    // A selector without the service label reads both services' recordings.
    ['Down', 'a', ['shared.yml', 'slo-a.yml', 'slo-b.yml', 'generic.yml']],
  ])('%s for service %s loads %j', (name, service, expected) => {
    expect(neededRuleFiles(files, name, service).map((f) => f.file)).toEqual(expected);
  });
});

describe('promtool/tests in batches', () => {
  it('deals every file once, in near-equal batches, heaviest first', () => {
    const weights = [9, 1, 1, 5, 4, 3, 3, 2, 8, 1];
    const batches = dealt(weights, 4);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(weights.map((_, i) => i));
    const totals = batches.map((b) => b.reduce((s, i) => s + (weights[i] ?? 0), 0));
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
    expect(Math.max(...totals) - Math.min(...totals)).toBeLessThanOrEqual(Math.max(...weights));
    for (const b of batches) expect(b).toEqual([...b].sort((x, y) => x - y));
    expect(dealt([3, 2], 4)).toEqual([[0], [1]]);
  });

  it('names the failing files only, when they share a batch with passing ones', async () => {
    const out = copy();
    const dir = join(out, 'prometheus/tests');
    const broken = ['watchdog.test.yml', 'high-cpu-usage.test.yml'];
    // The small files only (more of them than batches, so that files share one); two of them broken.
    for (const f of readdirSync(dir)) if (statSync(join(dir, f)).size > 3000) rmSync(join(dir, f));
    const left = readdirSync(dir);
    expect(left.length).toBeGreaterThan(2 * availableParallelism());
    expect(left).toEqual(expect.arrayContaining(broken));
    for (const f of broken) {
      const p = join(dir, f);
      writeFileSync(p, readFileSync(p, 'utf8').replace(/alertname: (\w+)/, 'alertname: $1Typo'));
    }
    const findings = await promtoolTests.run(checkContext(out));
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.check === PROMTOOL_TESTS)).toBe(true);
    expect([...new Set(findings.map((f) => f.file))].sort()).toEqual(broken.map((f) => `prometheus/tests/${f}`).sort());
  });
});

describe('amtool/routes, one amtool run per routing class', () => {
  const am = () => readFileSync(join(clean, 'alertmanager/alertmanager.yml'), 'utf8');

  it('groups label sets by the labels and values the route tree matches on', () => {
    const classOf = routingClass(am());
    expect(classOf).toBeDefined();
    const key = (labels: Record<string, string>) => classOf?.(labels);
    // Grey Haven's tree matches alertname="Watchdog" and severity none/critical/warning: service and other
    // alert names do not matter.
    expect(key({ alertname: 'HighErrorRate', severity: 'critical', service: 'api' })).toBe(
      key({ alertname: 'ServiceTargetDown', severity: 'critical' }),
    );
    expect(key({ alertname: 'HighErrorRate', severity: 'critical' })).not.toBe(
      key({ alertname: 'HighErrorRate', severity: 'warning' }),
    );
    expect(key({ alertname: 'Watchdog', severity: 'critical' })).not.toBe(
      key({ alertname: 'HighErrorRate', severity: 'critical' }),
    );
    // An absent label is "", which no matcher names here: the same as any unnamed value.
    expect(key({ alertname: 'A' })).toBe(key({ alertname: 'B', severity: 'info' }));
  });

  it.each([
    [
      'a regex matcher keeps every value apart',
      'matchers:\n        - team=~"pay.*"',
      { team: 'payments' },
      { team: 'x' },
    ],
    ['match_re too', 'match_re:\n        team: pay.*', { team: 'payments' }, { team: 'x' }],
  ])('%s', (_name, matcher, a, b) => {
    const text = am().replace('matchers:\n        - severity="none"', matcher);
    expect(text).not.toBe(am());
    const classOf = routingClass(text);
    expect(classOf?.({ alertname: 'X', ...a })).not.toBe(classOf?.({ alertname: 'X', ...b }));
  });

  it('routes every set on its own when a matcher is not read with certainty', () => {
    const text = am().replace('- severity="none"', '- severity="none",team="x"');
    expect(text).not.toBe(am());
    expect(routingClass(text)).toBeUndefined();
  });

  it('still finds the one alert that a route by name sends to an empty receiver', async () => {
    const out = copy();
    const p = join(out, 'alertmanager/alertmanager.yml');
    const before = readFileSync(p, 'utf8');
    const after = before.replace(
      '  routes:\n',
      '  routes:\n    - receiver: inhibit-only\n      matchers:\n        - alertname="HighLatencyP95"\n',
    );
    expect(after).not.toBe(before);
    writeFileSync(p, after);
    const findings = await amtoolRoutes.run(checkContext(out));
    expect(findings.map((f) => `${f.check} ${f.rule}`)).toEqual([`${AMTOOL_ROUTES} HighLatencyP95`]);
    expect(findings[0]?.message).toMatch(/routes to "inhibit-only", which has no integration/);
  });
});
