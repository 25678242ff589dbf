/**
 * `ghmon check` on real promtool and amtool: clean output passes, and deliberately broken files are caught
 * by the check that owns them (so each check is seen to fail).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CHECKS, runChecks } from '../src/checks/index.ts';
import { formatFinding } from '../src/util/finding.ts';
import { FIXTURES, GREYHAVEN_CONFIG, ghmon, tempDir } from './helpers.ts';

// promtool runs every alert's unit tests (~15 s of CPU); on a shared 2-core machine give it room.
vi.setConfig({ testTimeout: 180_000 });

async function built(config = GREYHAVEN_CONFIG): Promise<string> {
  const out = join(tempDir(), 'out');
  const r = await ghmon('build', '--config', config, '--out', out);
  expect(r.code, r.err).toBe(0);
  return out;
}

function edit(out: string, rel: string, from: string | RegExp, to: string): void {
  const p = join(out, rel);
  const before = readFileSync(p, 'utf8');
  const after = before.replace(from, to);
  expect(after, `pattern ${from} not found in ${rel}`).not.toBe(before);
  writeFileSync(p, after);
}

describe('ghmon check', () => {
  it.each([
    ['Grey Haven', GREYHAVEN_CONFIG],
    ['minimal', `${FIXTURES}minimal.config.ts`],
    ['every feature', `${FIXTURES}full.config.ts`],
  ])('passes on the %s build (promtool, amtool, unit tests, contract)', async (_, config) => {
    const out = await built(config);
    const r = await ghmon('check', '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const id of CHECKS.map((c) => c.id)) {
      expect(r.out).toMatch(new RegExp(`ok\\s+${id.replace('/', '\\/')}`));
    }
  });

  it.each([
    [
      'promtool/rules',
      'a rule that does not parse',
      'prometheus/rules/golden-signals.yml',
      'sum(rate(http_requests_total[1m]))',
      'sum(rate(http_requests_total[1m])',
      /unclosed left parenthesis/,
    ],
    [
      'promtool/config',
      'an invalid scrape interval',
      'prometheus/prometheus.yml',
      'scrape_interval: 15s',
      'scrape_interval: 15x',
      /not a valid duration/,
    ],
    [
      'workers/scraped',
      'a scraped job whose targets are Cloudflare Workers',
      'prometheus/prometheus.yml',
      'runtime: python',
      'runtime: workers',
      /prometheus\/prometheus\.yml:\d+: job "backend" \(service "backend"\) scrapes a Cloudflare Worker at backend\.greyhaven\.internal:8000: .*`push: \{ protocol: 'remote-write' \}`.*`withRemoteWrite` from '@greyhaven\/metrics\/workers'.* \[workers\/scraped\]/,
    ],
    [
      'amtool/config',
      'a route to a receiver that does not exist',
      'alertmanager/alertmanager.yml',
      'receiver: pagerduty-page',
      'receiver: pagerduty-pages',
      /undefined receiver/,
    ],
    [
      'amtool/routes',
      'the tickets routed to the empty dead-man receiver',
      'alertmanager/alertmanager.yml',
      /- receiver: pagerduty-ticket\n(\s+)matchers:\n\s+- severity="warning"/,
      '- receiver: deadmans-switch\n$1matchers:\n$1  - severity="warning"',
      /golden_signals_alerts:HighLatencyP95: \{alertname="HighLatencyP95", severity="warning"\} routes to "deadmans-switch", which has no integration \(no \*_configs\): it would notify nobody \[amtool\/routes\]/,
    ],
    [
      'amtool/routes',
      'the pages routed to a receiver stripped of its PagerDuty config',
      'alertmanager/alertmanager.yml',
      /- name: pagerduty-page\n\s+pagerduty_configs:\n(\s{6}.*\n)+/,
      '- name: pagerduty-page\n',
      /HighErrorRate: \{alertname="HighErrorRate", severity="critical"\} routes to "pagerduty-page", which has no integration/,
    ],
    [
      'compose/schema',
      'a Prometheus that no longer mounts the token its scrape config reads',
      'compose/docker-compose.yml',
      /\n\s+- ghmon-metrics-token-backend\.token/,
      '',
      /services\.prometheus: reads \/run\/secrets\/ghmon-metrics-token-backend\.token \(compose\/prometheus\/prometheus\.yml\) but does not mount secret "ghmon-metrics-token-backend\.token"/,
    ],
    [
      'compose/schema',
      'a misspelt service key',
      'compose/docker-compose.yml',
      'image: prom/alertmanager:',
      'imgae: prom/alertmanager:',
      /services\.alertmanager: must NOT have additional properties "imgae" \(Compose specification\)/,
    ],
    [
      'compose/schema',
      'a mount of a file that does not exist',
      'compose/docker-compose.yml',
      './alertmanager/alertmanager.yml:',
      './alertmanager/am.yml:',
      /services\.alertmanager: mounts \.\/alertmanager\/am\.yml, which does not exist \(from compose\/\)/,
    ],
    [
      'compose/promtool',
      'the rules mounted where Prometheus does not look',
      'compose/docker-compose.yml',
      '../prometheus/rules:/etc/prometheus/rules:ro',
      '../prometheus/rules:/etc/prometheus/alerting-rules:ro',
      /no rule file found through the mounts: Prometheus would run without rules/,
    ],
    [
      'compose/amtool',
      'an Alertmanager started on a config it does not mount',
      'compose/docker-compose.yml',
      '--config.file=/etc/alertmanager/alertmanager.yml',
      '--config.file=/etc/alertmanager/config.yml',
      /services\.alertmanager: --config\.file=\/etc\/alertmanager\/config\.yml is not among its mounts/,
    ],
    [
      'compose/amtool',
      'a route to a receiver that does not exist, in the config Compose mounts',
      'compose/alertmanager/alertmanager.yml',
      'receiver: pagerduty-page',
      'receiver: pagerduty-pages',
      /undefined receiver "pagerduty-pages"/,
    ],
    [
      'promtool/tests',
      'HighErrorRate loosened to 50%',
      'prometheus/rules/golden-signals-alerts.yml',
      'greyhaven:http_errors:rate5m:by_service > 0.01',
      'greyhaven:http_errors:rate5m:by_service > 0.5',
      /HighErrorRate/,
    ],
    [
      'promtool/tests',
      'the burn-rate alerts computed against a 10% budget instead of 0.1%',
      'prometheus/rules/slo-api.yml',
      /\* 0\.001\)/g,
      '* 0.1)',
      /ErrorBudgetBurnFast/,
    ],
    [
      'promtool/tests',
      'the pages without keep_firing_for (each burst of a flapping incident would page again)',
      'prometheus/rules/golden-signals-alerts.yml',
      /\n\s+keep_firing_for: 10m/g,
      '',
      /HighErrorRate, time: 20m[\s\S]*CriticalLatencyP99, time: 24m|CriticalLatencyP99, time: 24m[\s\S]*HighErrorRate, time: 20m/,
    ],
    [
      'contract',
      "a rule grouping by the seed's Python label `endpoint`",
      'prometheus/rules/golden-signals.yml',
      'sum by (service, method, status) (rate(http_requests_total[5m]))',
      'sum by (service, endpoint) (rate(http_requests_total[5m]))',
      /label "endpoint" is not produced by http_requests_total.*\(at column \d+\)/,
    ],
    [
      'contract',
      'a misspelt metric',
      'prometheus/rules/golden-signals.yml',
      'sum(rate(http_requests_total[1m]))',
      'sum(rate(http_request_total[1m]))',
      /unknown metric "http_request_total" \(did you mean "http_requests_total"\?\)/,
    ],
  ])('%s catches %s', async (check, _, file, from, to, message) => {
    const out = await built();
    // Only the check under test runs (the others are covered above); it reads the edited file on disk.
    const owner = CHECKS.filter((c) => c.id === check);
    expect(owner).toHaveLength(1);
    edit(out, file, from, to);
    const { findings } = await runChecks(out, owner);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.map(formatFinding).join('\n')).toMatch(message);
  });

  it('exits 1, marks the failing check and names file, group and rule of a contract finding', async () => {
    const out = await built();
    edit(
      out,
      'prometheus/rules/golden-signals.yml',
      'sum(rate(http_requests_total[1m]))',
      'sum(rate(http_request_total[1m]))',
    );
    const r = await ghmon('check', '--out', out);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL\s+contract/);
    expect(r.out).toMatch(/ok\s+promtool\/rules/);
    expect(r.err).toContain('prometheus/rules/golden-signals.yml:golden_signals_request_rate:greyhaven:http_rps:');
  });

  it('--format json: one document with every finding (file under out/, line, column, check id) and every check', async () => {
    const out = await built(`${FIXTURES}minimal.config.ts`);
    edit(
      out,
      'prometheus/rules/golden-signals.yml',
      'sum(rate(http_requests_total[1m]))',
      'sum(rate(http_request_total[1m]))',
    );
    const rps = readFileSync(join(out, 'prometheus/rules/golden-signals.yml'), 'utf8').split('\n');
    const line = rps.findIndex((l) => l.includes('http_request_total[1m]')) + 1;
    const r = await ghmon('check', '--out', out, '--format', 'json');
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    const report = JSON.parse(r.out) as {
      out: string;
      clean: boolean;
      errors: number;
      checks: { id: string; findings: number }[];
      findings: Record<string, unknown>[];
    };
    expect(report).toMatchObject({ out, clean: false, errors: 1 });
    expect(report.findings).toEqual([
      {
        check: 'contract/unknown-metric',
        severity: 'error',
        file: `${out}/prometheus/rules/golden-signals.yml`,
        group: 'golden_signals_request_rate',
        rule: 'greyhaven:http_rps',
        line,
        column: 10,
        message: 'unknown metric "http_request_total" (did you mean "http_requests_total"?)',
      },
    ]);
    expect(report.checks.map((c) => c.id)).toEqual(CHECKS.map((c) => c.id));
    expect(report.checks.find((c) => c.id === 'contract')?.findings).toBe(1);
    expect(report.checks.filter((c) => c.id !== 'contract').every((c) => c.findings === 0)).toBe(true);

    // --format github: the same finding as a workflow command on stdout, which Actions turns into an annotation.
    const gh = await ghmon('check', '--out', out, '--format', 'github');
    expect(gh.code).toBe(1);
    expect(gh.err).toBe('');
    const commands = gh.out.split('\n').filter((l) => l.startsWith('::'));
    expect(commands).toEqual([
      `::error file=${out}/prometheus/rules/golden-signals.yml,line=${line},title=ghmon check contract/unknown-metric::golden_signals_request_rate:greyhaven:http_rps: unknown metric "http_request_total" (did you mean "http_requests_total"?) (at column 10)`,
    ]);
    expect(gh.out).toMatch(/FAIL\s+contract/);

    const bad = await ghmon('check', '--out', out, '--format', 'sarif');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('ghmon: --format sarif: expected one of text, json, github');
  });

  it('reports missing files instead of crashing', async () => {
    const out = await built();
    rmSync(join(out, 'alertmanager'), { recursive: true });
    const r = await ghmon('check', '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/alertmanager\/alertmanager\.yml: file is missing/);
  });

  it('says to build first when out/ does not exist', async () => {
    const r = await ghmon('check', '--out', join(tempDir(), 'nope'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/run `ghmon build` first/);
  });
});
