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

/**
 * The window of the seed's `greyhaven:http_rps` (`sum(rate(http_requests_total[1m]))`): the shortest rate window
 * ghmon writes, so every scrape interval must be at most half of it (a rate needs two samples in its window).
 */
export const RPS_RATE_WINDOW = '1m';

/** The seed's five alerts, names verbatim. */
export const ALERT = {
  highErrorRate: 'HighErrorRate',
  highLatencyP95: 'HighLatencyP95',
  criticalLatencyP99: 'CriticalLatencyP99',
  highCpuUsage: 'HighCPUUsage',
  highMemoryUsage: 'HighMemoryUsage',
} as const;

/** SLO recording rules. `window` is a Prometheus duration such as `5m` or `30d`. */
export const SLO_RECORD = {
  /** Ratio of bad events (5xx, or slower than the latency threshold) over a window. */
  errorRatio: (window: string) => `${RULE_PREFIX}:slo_errors:ratio_rate${window}`,
  /** Rate of all events and of bad events over 5m: summed over the SLO window for the budget. */
  eventsRate5m: `${RULE_PREFIX}:slo_events:rate5m`,
  badEventsRate5m: `${RULE_PREFIX}:slo_bad_events:rate5m`,
  /** The objective as a ratio (0.999), so dashboards need not know the config. */
  objective: `${RULE_PREFIX}:slo:objective_ratio`,
  /** 1 = untouched, 0 = spent, below 0 = overspent. */
  budgetRemaining: `${RULE_PREFIX}:slo:error_budget_remaining:ratio`,
} as const;

/**
 * Short-window latency quantiles by service (the seed's p95/p99 read 5m): HighLatencySustained checks that a
 * regression holds minute after minute, not only on the 5m average.
 */
export const LATENCY_RECORD = {
  p95Rate1m: `${RULE_PREFIX}:http_request_duration:p95_rate1m`,
  p99Rate1m: `${RULE_PREFIX}:http_request_duration:p99_rate1m`,
} as const;

/** SLI windows the burn-rate alerts read (Google SRE workbook, chapter 5). */
export const SLI_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/** Alerts ghmon adds to the seed's. */
export const EXTRA_ALERT = {
  budgetBurnSustained: 'ErrorBudgetBurnSustained',
  latencySustained: 'HighLatencySustained',
  budgetBurnFast: 'ErrorBudgetBurnFast',
  budgetBurnSlow: 'ErrorBudgetBurnSlow',
  targetDown: 'ServiceTargetDown',
  targetMissing: 'ServiceTargetMissing',
  metricsAbsent: 'ServiceMetricsAbsent',
  pushStopped: 'ServicePushStopped',
  errorsStopped: 'ServiceErrorsStopped',
  trafficStopped: 'ServiceTrafficStopped',
  infraTargetDown: 'InfrastructureTargetDown',
  watchdog: 'Watchdog',
  ruleFailures: 'PrometheusRuleEvaluationFailures',
  configReloadFailed: 'PrometheusConfigReloadFailed',
  notConnectedToAlertmanager: 'PrometheusNotConnectedToAlertmanagers',
  errorSendingAlerts: 'PrometheusErrorSendingAlerts',
  notificationsFailing: 'AlertmanagerNotificationsFailing',
} as const;

/** The `slo` label on SLO series and alerts. */
export const SLO_KIND = { availability: 'availability', latency: 'latency' } as const;
export type SloKind = (typeof SLO_KIND)[keyof typeof SLO_KIND];

/** Rule groups (one file each under out/prometheus/rules/). */
export const GROUP = {
  requestRate: 'golden_signals_request_rate',
  errors: 'golden_signals_errors',
  latency: 'golden_signals_latency',
  saturation: 'golden_signals_saturation',
  alerts: 'golden_signals_alerts',
  serviceHealth: 'service_health',
  metaMonitoring: 'meta_monitoring',
  latencySustained: 'latency_sustained',
  slo: (service: string) => `slo_${service}`,
  sloAlerts: (service: string) => `slo_${service}_alerts`,
} as const;

/** Labels ghmon sets or relies on. */
export const LABEL = {
  service: 'service',
  /** External label that tells HA Prometheus replicas apart (dropped from alerts). */
  replica: 'replica',
  slo: 'slo',
  severity: 'severity',
  job: 'job',
  instance: 'instance',
  /** Target label of every service's scrape job: its config `runtime` (`workers` is what workers/scraped looks for). */
  runtime: 'runtime',
  /**
   * Target label a scraped Worker's job carries when its config says `scrape: { singleInstance: true }`: the opt-out
   * of the workers/scraped check. A `__` label is dropped after relabelling, so it is in prometheus.yml (and on
   * Prometheus' targets page) without changing any series.
   */
  singleInstance: '__ghmon_single_instance',
} as const;

export const SEVERITY = { critical: 'critical', warning: 'warning', info: 'info', none: 'none' } as const;
export type Severity = (typeof SEVERITY)[keyof typeof SEVERITY];

/** Alertmanager receiver names. */
export const RECEIVER = {
  page: 'pagerduty-page',
  ticket: 'pagerduty-ticket',
  deadMansSwitch: 'deadmans-switch',
  /** Alerts of severity `none` that exist to inhibit others: routed here, they notify nobody. */
  inhibitOnly: 'inhibit-only',
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
  /** With HA: one config per replica, beside prometheus.yml (same rule_files). */
  prometheusReplicaConfig: (replica: string) => `prometheus/${replica}.yml`,
  /** With HA: the Alertmanager cluster's command-line flags per peer. */
  alertmanagerCluster: 'alertmanager/cluster.md',
  rulesDir: 'prometheus/rules',
  testsDir: 'prometheus/tests',
  alertmanagerConfig: 'alertmanager/alertmanager.yml',
  contract: 'contract/metrics.json',
  readme: 'README.md',
  /** Grafana dashboards (JSON); out/kubernetes/ wraps each one in a ConfigMap, out/compose/ provisions them. */
  grafanaDashboardsDir: 'grafana/dashboards',
  /** Grafana provisioning: the Prometheus datasource, and the provider that loads grafana/dashboards/. */
  grafanaDatasourceProvisioning: 'grafana/provisioning/datasources/ghmon.yaml',
  grafanaDashboardProvisioning: 'grafana/provisioning/dashboards/ghmon.yaml',
  /** kube-prometheus-stack: Helm values, the release to install, and what `kubectl apply -k` applies. */
  kubernetesDir: 'kubernetes',
  kubernetesValues: 'kubernetes/values.yaml',
  kubernetesHelmfile: 'kubernetes/helmfile.yaml',
  kubernetesKustomization: 'kubernetes/kustomization.yaml',
  kubernetesReadme: 'kubernetes/README.md',
  kubernetesRulesDir: 'kubernetes/prometheusrules',
  kubernetesServiceMonitorsDir: 'kubernetes/servicemonitors',
  kubernetesDashboardsDir: 'kubernetes/dashboards',
  kubernetesNetworkPoliciesDir: 'kubernetes/networkpolicies',
  /** Secret templates without values: never listed in kustomization.yaml. */
  kubernetesSecretsDir: 'kubernetes/secrets',
  /** Docker Compose: the compose file, and the configs whose hosts and secret paths differ from out/prometheus/. */
  composeFile: 'compose/docker-compose.yml',
  composeReadme: 'compose/README.md',
  composePrometheusConfig: 'compose/prometheus/prometheus.yml',
  composeAlertmanagerConfig: 'compose/alertmanager/alertmanager.yml',
  composeGrafanaDatasources: 'compose/grafana/provisioning/datasources/ghmon.yml',
  composeGrafanaDashboardProviders: 'compose/grafana/provisioning/dashboards/ghmon.yml',
  /** Prometheus' and Alertmanager's web.config.file, with a placeholder for the user's bcrypt hash. */
  composeWebConfigTemplate: 'compose/web-config.template.yml',
} as const;

/** Names of the Kubernetes objects ghmon generates (metadata.name, and the file name under out/kubernetes/). */
export const K8S_NAME = {
  /** One PrometheusRule per rule file: `golden-signals.yml` → `ghmon-golden-signals`. */
  prometheusRule: (ruleFile: string) => `ghmon-${ruleFile.replace(/\.ya?ml$/, '')}`,
  serviceMonitor: (service: string) => `ghmon-${service}`,
  /** `prometheus` → `ghmon-prometheus`: the NetworkPolicy in front of that component. */
  networkPolicy: (component: 'prometheus' | 'alertmanager') => `ghmon-${component}`,
  /** `ghmon-slo.json`, `API_Overview.json` → `ghmon-dashboard-slo`, `ghmon-dashboard-api-overview`. */
  dashboard: (dashboardFile: string) =>
    `ghmon-dashboard-${dashboardFile
      .replace(/\.json$/, '')
      .replace(/^ghmon-/, '')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')}`
      .slice(0, 63)
      .replace(/-+$/, ''),
} as const;

/** Label on every Kubernetes object ghmon generates. */
export const K8S_PART_OF = { 'app.kubernetes.io/part-of': 'ghmon' } as const;

/** Where `ghmon deploy` and docker compose read secret values from: `$GHMON_SECRETS_DIR/<secret name>/<key>`. */
export const SECRETS_DIR_VAR = 'GHMON_SECRETS_DIR';

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

/**
 * Grafana: dashboard uids (stable: Grafana URLs, provisioning and `ghmon deploy grafana` key on them, at most 40
 * characters), the provisioned Prometheus datasource and the variables every dashboard shares.
 */
export const DASHBOARD_UID = {
  goldenSignals: 'ghmon-golden-signals',
  serviceOverview: 'ghmon-service-overview',
  slo: 'ghmon-slo',
  saturation: 'ghmon-saturation',
} as const;

export const GRAFANA = {
  datasourceUid: 'ghmon-prometheus',
  datasourceName: 'Prometheus (ghmon)',
  /** Template variables: the Prometheus datasource, and the service (values of the `service` label). */
  datasourceVariable: 'datasource',
  serviceVariable: 'service',
  /** Tag on every generated dashboard; also the provisioning provider's name and folder. */
  tag: 'ghmon',
  folder: 'Grey Haven (ghmon)',
  folderUid: 'ghmon',
  /** Where the provisioning provider expects out/grafana/dashboards/ inside the Grafana host or container. */
  dashboardsPath: '/var/lib/grafana/dashboards/ghmon',
  /** The seed's latency panel threshold (ms), drawn on the latency panels. */
  latencyPanelThresholdMs: 200,
} as const;

/** Who produces a series: the application's middleware, Prometheus' scrape, or one of the stack's own jobs. */
export type MetricSource = 'application' | 'scrape' | 'node_exporter' | 'prometheus' | 'alertmanager';
