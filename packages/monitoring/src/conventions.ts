/**
 * Every generated name lives here (as Sloth keeps its names in one place): recording-rule names, label names,
 * rule group names, receiver names and the layout of `out/`. Generators, checks and tests import these
 * constants; none of them spells a generated name itself.
 */

/** Recording-rule prefix. The seed's rules are `greyhaven:...`; the names below are a contract. */
export const RULE_PREFIX = 'greyhaven';

/** The seed's twelve recording rules, names verbatim. */
export const RECORD = {
  requestsRate5m: `${RULE_PREFIX}:http_requests:rate5m`,
  requestsRate5mByService: `${RULE_PREFIX}:http_requests:rate5m:by_service`,
  rps: `${RULE_PREFIX}:http_rps`,
  errorsRate5m: `${RULE_PREFIX}:http_errors:rate5m`,
  errorsRate5mByService: `${RULE_PREFIX}:http_errors:rate5m:by_service`,
  durationP50: `${RULE_PREFIX}:http_request_duration:p50`,
  durationP95: `${RULE_PREFIX}:http_request_duration:p95`,
  durationP99: `${RULE_PREFIX}:http_request_duration:p99`,
  durationAvg: `${RULE_PREFIX}:http_request_duration:avg`,
  cpuUsagePercent: `${RULE_PREFIX}:cpu_usage:percent`,
  memoryUsagePercent: `${RULE_PREFIX}:memory_usage:percent`,
  dbPoolSaturation: `${RULE_PREFIX}:db_pool:saturation`,
} as const;

/** The seed's five alerts, names verbatim. */
export const ALERT = {
  highErrorRate: 'HighErrorRate',
  highLatencyP95: 'HighLatencyP95',
  criticalLatencyP99: 'CriticalLatencyP99',
  highCpuUsage: 'HighCPUUsage',
  highMemoryUsage: 'HighMemoryUsage',
} as const;

/** Rule groups (one file each under out/prometheus/rules/). */
export const GROUP = {
  requestRate: 'golden_signals_request_rate',
  errors: 'golden_signals_errors',
  latency: 'golden_signals_latency',
  saturation: 'golden_signals_saturation',
  alerts: 'golden_signals_alerts',
} as const;

/** Labels ghmon sets or relies on. */
export const LABEL = {
  service: 'service',
  severity: 'severity',
  job: 'job',
  instance: 'instance',
} as const;

export const SEVERITY = { critical: 'critical', warning: 'warning', info: 'info', none: 'none' } as const;
export type Severity = (typeof SEVERITY)[keyof typeof SEVERITY];

/** Alertmanager receiver names. */
export const RECEIVER = {
  page: 'pagerduty-page',
  ticket: 'pagerduty-ticket',
  blackhole: 'blackhole',
} as const;

/** Scrape job names for the infrastructure ghmon always scrapes. */
export const JOB = {
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  nodeExporter: 'node-exporter',
} as const;

/** Layout of the output directory. Paths are relative to it and always use `/`. */
export const OUT = {
  prometheusConfig: 'prometheus/prometheus.yml',
  rulesDir: 'prometheus/rules',
  testsDir: 'prometheus/tests',
  alertmanagerConfig: 'alertmanager/alertmanager.yml',
  contract: 'contract/metrics.json',
  readme: 'README.md',
} as const;

/** Where the generated prometheus.yml expects rule files, relative to prometheus.yml itself. */
export const RULE_FILES_GLOB = 'rules/*.yml';

/** Base URL of the runbooks linked from every alert's `runbook_url` annotation. */
export const DEFAULT_RUNBOOK_BASE_URL = 'https://github.com/greyhaven/ghmon/blob/main/docs/runbooks';

export function runbookFile(alertName: string): string {
  return `${alertName
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()}.md`;
}
