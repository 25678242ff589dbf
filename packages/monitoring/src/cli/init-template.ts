/**
 * The `monitoring.config.ts` that `ghmon init` writes: one service, every other value the schema's default written
 * out with a comment saying what it means. The values come from the schema itself (the config is parsed with
 * defaults filled in first), so the file and the defaults cannot drift apart. The text depends only on the answers.
 */
import type { MonitoringConfig } from '../config/schema.ts';

export type InitRuntime = 'typescript' | 'python' | 'workers';

export interface InitAnswers {
  service: string;
  runtime: InitRuntime;
  /** host:port Prometheus scrapes; absent for `workers`, which push over remote write. */
  target?: string | undefined;
}

/** The service entry of the generated config, as an object (what the rendered text says). */
export function serviceInput(a: InitAnswers): Record<string, unknown> {
  return a.runtime === 'workers' || a.target === undefined
    ? { name: a.service, runtime: a.runtime, push: { protocol: 'remote-write' } }
    : {
        name: a.service,
        runtime: a.runtime,
        scrape: { targets: [a.target], scheme: schemeOf(a.target), metricsPath: '/metrics' },
      };
}

/** https for a target on port 443, http otherwise. */
export function schemeOf(target: string): 'http' | 'https' {
  return target.endsWith(':443') ? 'https' : 'http';
}

/** A TypeScript string literal (values are schema-validated, so this only guards quotes and backslashes). */
const q = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const list = (xs: readonly string[]): string => `[${xs.map(q).join(', ')}]`;
const percent = (ratio: number): string => `${Number((ratio * 100).toPrecision(6))}%`;

const RUNTIME_NOTES: Record<InitRuntime, string[]> = {
  typescript: [
    '// typescript: a Node service instrumented with @greyhaven/metrics (its middleware serves /metrics).',
    "// python: greyhaven-metrics' middleware; workers: a Cloudflare Worker, which pushes instead of being scraped.",
  ],
  python: [
    '// python: a Python service instrumented with greyhaven-metrics (its ASGI middleware serves /metrics).',
    '// typescript: @greyhaven/metrics on Node; workers: a Cloudflare Worker, which pushes instead of being scraped.',
  ],
  workers: [
    '// workers: a Cloudflare Worker. A scrape would reach one isolate at random, so each isolate pushes its own',
    "// series over remote write (withRemoteWrite from '@greyhaven/metrics/workers') and the rules add them up.",
  ],
};

function serviceLines(a: InitAnswers): string[] {
  const lines = [
    '    {',
    '      // The `service` label of its series, alerts and dashboards: lowercase letters, digits and dashes.',
    `      name: ${q(a.service)},`,
    ...RUNTIME_NOTES[a.runtime].map((l) => `      ${l}`),
    `      runtime: ${q(a.runtime)},`,
  ];
  if (a.runtime === 'workers' || a.target === undefined) {
    lines.push(
      "      // Not scraped: Prometheus' remote-write receiver takes the pushes (ghmon turns it on for push services),",
      '      // and ServiceMetricsAbsent pages when no push arrives (a push service has no `up`).',
      "      push: { protocol: 'remote-write' },",
    );
  } else {
    lines.push(
      `      // Prometheus scrapes ${schemeOf(a.target)}://<target>/metrics: host:port without scheme or path, one per instance.`,
      '      // A target that is not on this machine is scraped with a bearer token read from',
      `      // /etc/prometheus/secrets/ghmon-metrics-token-${a.service}/token (set scrape.auth to change that).`,
      `      scrape: { targets: ${list([a.target])}, scheme: ${q(schemeOf(a.target))}, metricsPath: '/metrics' },`,
      '      // On Kubernetes (out/kubernetes/) a ServiceMonitor finds it instead: the Service labelled',
      `      // app.kubernetes.io/name=${a.service}, port \`http\`, namespace \`default\` (see the \`kubernetes\` field).`,
    );
  }
  lines.push(
    "      // Extra labels on every series of this service, e.g. { team: 'payments' }.",
    '      labels: {},',
    '      // An SLO of this service besides the global one below, e.g. 99% of requests faster than 0.5s',
    '      // (the threshold must be a bucket of http_request_duration_seconds):',
    "      // slo: { latency: { objective: 99, threshold: 0.5, window: '30d' } },",
    '    },',
  );
  return lines;
}

/** The text of `monitoring.config.ts`; `c` is the config parsed from `services: [serviceInput(a)]`. */
export function renderConfig(a: InitAnswers, c: MonitoringConfig): string {
  const t = c.thresholds;
  const threshold = (key: 'latencyP95' | 'latencyP99' | 'cpuPercent' | 'memoryPercent') =>
    `{ threshold: ${t[key].threshold}, for: ${q(t[key].for)}, severity: ${q(t[key].severity)} }`;
  const availability = c.slo.availability;
  return [
    '/**',
    ` * Monitoring of ${a.service}, as code (written by \`ghmon init\`; edit it freely).`,
    ' *',
    ' *   npx ghmon build   turns this file into out/: Prometheus config, recording rules, alerts and their unit tests,',
    ' *                     Alertmanager config, Grafana dashboards, Kubernetes and Compose files',
    ' *   npx ghmon check   checks out/ with promtool, amtool and the metric-contract check',
    ' *',
    " * Every value below except the service is ghmon's default, the seed's system, written out so that it is easy to",
    ' * change: a field left out takes the same value. The schema (and its documentation) is the type of',
    ' * defineMonitoring: hover a field in your editor. A misspelt field is an error, not a silently ignored setting.',
    ' * No secret belongs in this file: PagerDuty routing keys and tokens are read from files.',
    ' */',
    "import { defineMonitoring } from '@greyhaven/monitoring';",
    '',
    'export default defineMonitoring({',
    '  // The `environment` external label on everything this Prometheus sends out (alerts, remote write).',
    `  environment: ${q(c.environment)},`,
    '  // How often Prometheus scrapes and evaluates rules (at most 30s: the 1m request rates need two samples).',
    `  scrapeInterval: ${q(c.scrapeInterval)},`,
    `  evaluationInterval: ${q(c.evaluationInterval)},`,
    '  // How long Prometheus keeps samples, and the size of its volume on Kubernetes.',
    `  retention: ${q(c.retention)},`,
    `  storage: ${q(c.storage)},`,
    '  services: [',
    ...serviceLines(a),
    '  ],',
    '  // Prometheus, Alertmanager and node_exporter themselves: scraped as targets, and where alerts are sent.',
    `  prometheus: { targets: ${list(c.prometheus.targets)} },`,
    `  alertmanager: { targets: ${list(c.alertmanager.targets)} },`,
    `  nodeExporter: { targets: ${list(c.nodeExporter.targets)} },`,
    `  // The availability SLO of every service (the seed's): ${availability.objective}% of requests without a 5xx over a rolling ${availability.window}.`,
    '  // Error-budget burn-rate alerts page on a fast burn and open a ticket on a slow one.',
    `  slo: { availability: { objective: ${availability.objective}, window: ${q(availability.window)} } },`,
    "  // The seed's alert thresholds: `for` is how long the condition must hold; critical pages, warning opens a ticket.",
    '  thresholds: {',
    `    // HighErrorRate: more than ${percent(t.errorRatio.threshold)} of a service's requests fail with a 5xx (ignored below`,
    `    // ${t.errorRatio.minRequestsPerSecond} requests per second, where the SLO burn-rate alerts cover it).`,
    `    errorRatio: { threshold: ${t.errorRatio.threshold}, for: ${q(t.errorRatio.for)}, severity: ${q(t.errorRatio.severity)} },`,
    '    // HighLatencyP95 and CriticalLatencyP99, in seconds.',
    `    latencyP95: ${threshold('latencyP95')},`,
    `    latencyP99: ${threshold('latencyP99')},`,
    '    // HighCPUUsage and HighMemoryUsage of the machines node_exporter runs on, in percent.',
    `    cpuPercent: ${threshold('cpuPercent')},`,
    `    memoryPercent: ${threshold('memoryPercent')},`,
    '  },',
    '  // PagerDuty (Events API v2): critical alerts page, warnings open a ticket. Each routing key is read by',
    '  // Alertmanager from the file named here, never written in this file. Compose and `ghmon deploy kubernetes` take',
    '  // the keys from $GHMON_SECRETS_DIR/ghmon-pagerduty/page-routing-key and .../ticket-routing-key instead.',
    '  routing: {',
    `    page: { routingKeyFile: ${q(c.routing.page.routingKeyFile)} },`,
    `    ticket: { routingKeyFile: ${q(c.routing.ticket.routingKeyFile)} },`,
    '  },',
    '});',
    '',
  ].join('\n');
}
