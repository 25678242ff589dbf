/**
 * The seed's names, thresholds, `for` and severities are a contract: read them back from the files a user
 * deploys and compare with the seed (../shared/seed/prometheus-grafana-monitoring.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GREYHAVEN_CONFIG, ghmon, REPO_ROOT, tempDir } from './helpers.ts';

interface RuleYaml {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rules: RuleYaml[] = [];
let alertmanager: {
  route: { group_by: string[]; routes: { receiver: string; matchers: string[] }[] };
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
  receivers: { name: string; pagerduty_configs?: Record<string, unknown>[] }[];
};

beforeAll(async () => {
  const out = join(tempDir(), 'out');
  expect((await ghmon('build', '--config', GREYHAVEN_CONFIG, '--out', out)).code).toBe(0);
  for (const f of ['golden-signals.yml', 'golden-signals-alerts.yml']) {
    const doc = parse(readFileSync(join(out, 'prometheus/rules', f), 'utf8')) as { groups: { rules: RuleYaml[] }[] };
    rules.push(...doc.groups.flatMap((g) => g.rules));
  }
  alertmanager = parse(readFileSync(join(out, 'alertmanager/alertmanager.yml'), 'utf8'));
});

const SEED_RECORDS = [
  'greyhaven:http_requests:rate5m',
  'greyhaven:http_requests:rate5m:by_service',
  'greyhaven:http_rps',
  'greyhaven:http_errors:rate5m',
  'greyhaven:http_errors:rate5m:by_service',
  'greyhaven:http_request_duration:p50',
  'greyhaven:http_request_duration:p95',
  'greyhaven:http_request_duration:p99',
  'greyhaven:http_request_duration:avg',
  'greyhaven:cpu_usage:percent',
  'greyhaven:memory_usage:percent',
  'greyhaven:db_pool:saturation',
];

describe("the seed's recording rules", () => {
  it('are all present with their names verbatim', () => {
    const names = rules.map((r) => r.record).filter(Boolean);
    for (const name of SEED_RECORDS) expect(names).toContain(name);
  });

  it('the seed text itself names exactly these twelve', () => {
    const seed = readFileSync(join(REPO_ROOT, '../shared/seed/prometheus-grafana-monitoring.md'), 'utf8');
    const inSeed = [...seed.matchAll(/record: (greyhaven:[\w:]+)/g)].map((m) => m[1]);
    expect(new Set(inSeed)).toEqual(new Set(SEED_RECORDS));
  });

  it.each([
    ['greyhaven:http_requests:rate5m:by_service', /sum by \(service, method, status\)/],
    ['greyhaven:http_errors:rate5m:by_service', /status=~"5\.\."/],
    ['greyhaven:http_request_duration:p95', /histogram_quantile\(0\.95, sum by \(service, le\)/],
    ['greyhaven:http_request_duration:p99', /histogram_quantile\(0\.99, sum by \(service, le\)/],
    ['greyhaven:http_rps', /\[1m\]/],
    ['greyhaven:cpu_usage:percent', /node_cpu_seconds_total\{mode="idle"\}/],
    ['greyhaven:memory_usage:percent', /node_memory_MemAvailable_bytes \/ node_memory_MemTotal_bytes/],
    ['greyhaven:db_pool:saturation', /db_pool_connections_active\n\/\n\(db_pool_connections_max > 0\)/],
  ])('%s keeps the seed meaning', (name, pattern) => {
    expect(rules.find((r) => r.record === name)?.expr).toMatch(pattern);
  });
});

describe("the seed's five alerts", () => {
  it.each([
    ['HighErrorRate', 'greyhaven:http_errors:rate5m:by_service > 0.01', '5m', 'critical'],
    ['HighLatencyP95', 'greyhaven:http_request_duration:p95 > 0.5', '5m', 'warning'],
    ['CriticalLatencyP99', 'greyhaven:http_request_duration:p99 > 1', '5m', 'critical'],
    ['HighCPUUsage', 'greyhaven:cpu_usage:percent > 80', '10m', 'warning'],
    ['HighMemoryUsage', 'greyhaven:memory_usage:percent > 85', '5m', 'critical'],
  ])('%s: %s for %s, %s', (name, expr, forDuration, severity) => {
    const rule = rules.find((r) => r.alert === name);
    expect(rule).toBeDefined();
    // The seed's condition is the first line; HighErrorRate adds a minimum-traffic guard after it.
    expect(rule?.expr.split('\n')[0]).toBe(expr);
    expect(rule?.for).toBe(forDuration);
    expect(rule?.labels?.severity).toBe(severity);
    if (name === 'HighErrorRate') {
      expect(rule?.expr).toMatch(
        /and on \(service\)\nsum by \(service\) \(greyhaven:http_requests:rate5m:by_service\) >= 0\.1$/,
      );
    } else {
      expect(rule?.expr).toBe(expr);
    }
    expect(Object.keys(rule?.annotations ?? {})).toEqual(
      expect.arrayContaining(['summary', 'description', 'runbook_url']),
    );
  });
});

describe('alertmanager.yml', () => {
  it('uses PagerDuty Events API v2 with a routing key file, never an inline key', () => {
    const pd = alertmanager.receivers.flatMap((r) => r.pagerduty_configs ?? []);
    expect(pd.length).toBeGreaterThanOrEqual(2);
    for (const c of pd) {
      expect(c.routing_key_file).toMatch(/^\//);
      expect(c).not.toHaveProperty('routing_key');
      expect(c).not.toHaveProperty('service_key');
      expect(c.url).toBe('https://events.pagerduty.com/v2/enqueue');
    }
  });

  it('groups by service (one incident per service) and routes critical to pages, warning to tickets', () => {
    expect(alertmanager.route.group_by).toEqual(['service']);
    const routes = Object.fromEntries(alertmanager.route.routes.map((r) => [r.matchers.join(','), r.receiver]));
    expect(routes['severity="critical"']).toBe('pagerduty-page');
    expect(routes['severity="warning"']).toBe('pagerduty-ticket');
    expect(routes['severity="critical"']).not.toBe(routes['severity="warning"']);
  });

  it('inhibits HighLatencyP95 while CriticalLatencyP99 fires for the same service', () => {
    expect(alertmanager.inhibit_rules).toContainEqual({
      source_matchers: ['alertname="CriticalLatencyP99"'],
      target_matchers: ['alertname="HighLatencyP95"'],
      equal: ['service'],
    });
  });
});
