/**
 * Rule files for the contract check tests: the seed's twelve recording rules and five alerts (CPU rewritten
 * per instance), split one group per file as ghmon writes them, and a helper to wrap ad-hoc rules in a file.
 */
import { stringify } from 'yaml';
import type { RuleFileInput } from '../src/checks/contract.ts';
import { ALERT, GROUP, OUT, RECORD } from '../src/conventions.ts';

export interface TestRule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function ruleFile(name: string, group: string, rules: TestRule[]): RuleFileInput {
  return { path: `${OUT.rulesDir}/${name}.yml`, content: stringify({ groups: [{ name: group, rules }] }) };
}

/** The seed's expressions, verbatim except CPU (`avg by (instance)`, `rate`). */
export const SEED_RECORDS: Record<keyof typeof RECORD, string> = {
  requestsRate5m: 'sum(rate(http_requests_total[5m]))',
  requestsRate5mByService: 'sum(rate(http_requests_total[5m])) by (service, method, status)',
  rps: 'sum(rate(http_requests_total[1m]))',
  errorsRate5m: 'sum(rate(http_requests_total{status=~"5.."}[5m]))\n/\nsum(rate(http_requests_total[5m]))\n',
  errorsRate5mByService:
    'sum(rate(http_requests_total{status=~"5.."}[5m])) by (service)\n/\nsum(rate(http_requests_total[5m])) by (service)\n',
  durationP50: 'histogram_quantile(0.50, sum(rate(http_request_duration_seconds_bucket[5m])) by (le, service))',
  durationP95: 'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le, service))',
  durationP99: 'histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[5m])) by (le, service))',
  durationAvg: 'sum(rate(http_request_duration_seconds_sum[5m])) / sum(rate(http_request_duration_seconds_count[5m]))',
  cpuUsagePercent: '100 - (avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) * 100)',
  memoryUsagePercent: '100 * (1 - (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes))\n',
  dbPoolSaturation: 'db_pool_connections_active / db_pool_connections_max\n',
};

const record = (key: keyof typeof RECORD): TestRule => ({ record: RECORD[key], expr: SEED_RECORDS[key] });

export const SEED_ALERTS: TestRule[] = [
  {
    alert: ALERT.highErrorRate,
    expr: `${RECORD.errorsRate5m} > 0.01`,
    for: '5m',
    labels: { severity: 'critical' },
  },
  { alert: ALERT.highLatencyP95, expr: `${RECORD.durationP95} > 0.5`, for: '5m', labels: { severity: 'warning' } },
  {
    alert: ALERT.criticalLatencyP99,
    expr: `${RECORD.durationP99} > 1.0`,
    for: '5m',
    labels: { severity: 'critical' },
  },
  { alert: ALERT.highCpuUsage, expr: `${RECORD.cpuUsagePercent} > 80`, for: '10m', labels: { severity: 'warning' } },
  {
    alert: ALERT.highMemoryUsage,
    expr: `${RECORD.memoryUsagePercent} > 85`,
    for: '5m',
    labels: { severity: 'critical' },
  },
];

/** The seed as five files; the alerts file comes first, so every alert reads a rule defined later. */
export function seedRuleFiles(): RuleFileInput[] {
  return [
    ruleFile('alerts', GROUP.alerts, SEED_ALERTS),
    ruleFile('request-rate', GROUP.requestRate, [
      record('requestsRate5m'),
      record('requestsRate5mByService'),
      record('rps'),
    ]),
    ruleFile('errors', GROUP.errors, [record('errorsRate5m'), record('errorsRate5mByService')]),
    ruleFile('latency', GROUP.latency, [
      record('durationP50'),
      record('durationP95'),
      record('durationP99'),
      record('durationAvg'),
    ]),
    ruleFile('saturation', GROUP.saturation, [
      record('cpuUsagePercent'),
      record('memoryUsagePercent'),
      record('dbPoolSaturation'),
    ]),
  ];
}
