/**
 * The schema of `monitoring.config.ts`: one typed, validated definition of services, SLOs, thresholds,
 * routing and targets. Defaults are the seed's system (15s intervals, 30d retention, 100Gi, its five alert
 * thresholds, a 99.9% availability SLO over 30d). Every object is strict: a misspelt key is an error, not a
 * silently ignored setting.
 */
import { HTTP_DURATION_BUCKETS } from '@greyhaven/metric-contract';
import { z } from 'zod';
import { RECORD, RPS_RATE_WINDOW } from '../conventions.ts';
import { formatDuration, parseDuration } from '../util/duration.ts';
import { longTermSchema } from './long-term.ts';
import { scaleSchema } from './scale.ts';
import { checkScrapeAuth, scrapeAuthFields } from './scrape-auth.ts';

/** A Prometheus duration (`15s`, `5m`, `1h30m`, `30d`). */
export const duration = z
  .string()
  .regex(/^([0-9]+(ms|s|m|h|d|w|y))+$/, 'expected a Prometheus duration such as 15s, 5m or 30d');

/** A Kubernetes quantity for volume sizes (`100Gi`). */
const storageSize = z.string().regex(/^[0-9]+(Ki|Mi|Gi|Ti|Pi|K|M|G|T|P)$/, 'expected a size such as 100Gi');

/** `host:port`, as Prometheus static_configs want it (no scheme, no path). */
const target = z
  .string()
  .regex(
    /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):[0-9]{1,5}$/,
    'expected host:port, without scheme or path (e.g. api.greyhaven.io:443)',
  );

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a Prometheus label name');
const labelValues = z.record(labelName, z.string());

const severity = z.enum(['critical', 'warning']);

const threshold = (value: number, forDuration: string, sev: 'critical' | 'warning') =>
  z
    .strictObject({
      threshold: z.number().gt(0, 'expected a number above 0'),
      for: duration.default(forDuration),
      severity: severity.default(sev),
    })
    .default({ threshold: value, for: forDuration, severity: sev });

export const thresholdsSchema = z
  .strictObject({
    /** HighErrorRate: ratio of 5xx responses per service (seed: 1% for 5m, critical). */
    errorRatio: z
      .strictObject({
        threshold: z.number().gt(0, 'expected a number above 0').lt(1, 'expected a ratio below 1 (0.01 is 1%)'),
        for: duration.default('5m'),
        severity: severity.default('critical'),
        /**
         * Below this many requests per second (per service, over 5m) a ratio says little: one failed request
         * out of 15 is 6.7%. Low-traffic services are covered by the SLO burn-rate alerts instead.
         */
        minRequestsPerSecond: z.number().min(0, 'expected a number of at least 0').default(0.1),
      })
      .default({ threshold: 0.01, for: '5m', severity: 'critical', minRequestsPerSecond: 0.1 }),
    /** HighLatencyP95 in seconds (seed: 0.5s for 5m, warning). */
    latencyP95: threshold(0.5, '5m', 'warning'),
    /** CriticalLatencyP99 in seconds (seed: 1s for 5m, critical). */
    latencyP99: threshold(1, '5m', 'critical'),
    /** HighCPUUsage in percent (seed: 80% for 10m, warning). */
    cpuPercent: threshold(80, '10m', 'warning'),
    /** HighMemoryUsage in percent (seed: 85% for 5m, critical). */
    memoryPercent: threshold(85, '5m', 'critical'),
    /** ServiceTargetDown: a service's scrape target answers nothing (`up == 0`); a crash pages this fast. */
    targetDown: z
      .strictObject({ for: duration.default('1m'), severity: severity.default('critical') })
      .default({ for: '1m', severity: 'critical' }),
    /**
     * ServiceTrafficStopped: a service that averaged at least `minRequestsPerSecond` over the last day has
     * received no request for 5m while its target is up (a broken route, DNS or load balancer upstream).
     */
    trafficStopped: z
      .strictObject({
        minRequestsPerSecond: z.number().gt(0, 'expected a number above 0').default(0.1),
        for: duration.default('2m'),
        severity: severity.default('warning'),
      })
      .default({ minRequestsPerSecond: 0.1, for: '2m', severity: 'warning' }),
    /**
     * How long a paging alert (severity `critical`, routed to the page receiver) whose condition is a windowed
     * ratio or quantile — HighErrorRate, CriticalLatencyP99, ErrorBudgetBurnFast — keeps firing after its
     * condition cleared (Prometheus ≥ 2.42 `keep_firing_for`), so that an incident that flaps around its
     * threshold pages once instead of once per burst. `0s` turns it off. It changes only when an alert
     * resolves, never when it fires.
     */
    pageKeepFiringFor: z
      .string()
      .regex(/^([0-9]+(ms|s|m|h|d|w|y))+$/, 'expected a Prometheus duration such as 10m, or 0s to turn it off')
      .default('10m'),
    /**
     * The longest burst of errors (or of slow requests) that must not page through the fast sustained pages,
     * ErrorBudgetBurnSustained and HighLatencySustained: a deploy's restart, a dependency's blip. They page once
     * the condition has held for this long plus their short window (30s of errors, 1m of latency at a 15s
     * scrape), so raising it delays those pages by as much; longer bursts still page.
     */
    burstTolerance: duration.default('1m'),
  })
  .default({
    errorRatio: { threshold: 0.01, for: '5m', severity: 'critical', minRequestsPerSecond: 0.1 },
    latencyP95: { threshold: 0.5, for: '5m', severity: 'warning' },
    latencyP99: { threshold: 1, for: '5m', severity: 'critical' },
    cpuPercent: { threshold: 80, for: '10m', severity: 'warning' },
    memoryPercent: { threshold: 85, for: '5m', severity: 'critical' },
    targetDown: { for: '1m', severity: 'critical' },
    trafficStopped: { minRequestsPerSecond: 0.1, for: '2m', severity: 'warning' },
    pageKeepFiringFor: '10m',
    burstTolerance: '1m',
  });

const objective = z.number().gt(0, 'expected a number above 0').lt(100, 'expected a number below 100');

export const availabilitySloSchema = z.strictObject({
  /** Percentage of requests that must not fail with a 5xx (seed: 99.9). */
  objective,
  /** Rolling window the objective is measured over (seed: 30d). */
  window: duration.default('30d'),
});

export const latencySloSchema = z.strictObject({
  /** Percentage of requests that must be faster than `threshold`. */
  objective,
  /** Latency threshold in seconds; must be a bucket boundary of http_request_duration_seconds. */
  threshold: z.number().gt(0, 'expected a number above 0'),
  window: duration.default('30d'),
});

export const serviceSloSchema = z.strictObject({
  availability: availabilitySloSchema.optional(),
  latency: latencySloSchema.optional(),
});

const scrapeSchema = z.strictObject({
  targets: z.array(target).min(1, 'expected at least one target'),
  scheme: z.enum(['http', 'https']).default('http'),
  metricsPath: z.string().startsWith('/', 'expected a path starting with /').default('/metrics'),
  /** Overrides the global scrape interval for this job. */
  interval: duration.optional(),
  /** `/metrics` bearer-token auth (config/scrape-auth.ts): on by default for non-local targets. */
  ...scrapeAuthFields,
  /**
   * Runtime `workers` only: the explicit opt-out of the `workers/scraped` check (docs/checks/workers-scraped.md).
   * A Worker runs in many isolates and a scrape reaches one at random, so a Worker pushes (`push: { protocol:
   * 'remote-write' }`). Set this only when every scrape reaches the one same instance — e.g. `/metrics` served
   * by a single Durable Object that holds the counters (docs/scaling.md, option (b)). `ghmon build` marks the
   * target with the `__ghmon_single_instance="true"` label in prometheus.yml (dropped before ingestion: no series
   * changes), which is what the check reads.
   */
  singleInstance: z.boolean().optional(),
});

const pushSchema = z.strictObject({
  /** The service pushes its samples to Prometheus' remote-write receiver instead of being scraped. */
  protocol: z.literal('remote-write'),
});

/** A Kubernetes object name (RFC 1123 label): lowercase letters, digits and dashes. */
const k8sName = z
  .string()
  .max(63, 'expected at most 63 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a Kubernetes name: lowercase letters, digits and dashes');
/** A Kubernetes label key, optionally prefixed (`app.kubernetes.io/name`). */
const k8sLabelKey = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    'expected a Kubernetes label key such as app.kubernetes.io/name',
  );
const k8sLabelValue = z
  .string()
  .regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/, 'expected a Kubernetes label value');
/** A key inside a Kubernetes Secret. */
const secretKey = z.string().regex(/^[-._a-zA-Z0-9]+$/, 'expected a Secret key of letters, digits, -, _ and .');

/**
 * How Prometheus finds a scraped service inside Kubernetes (ghmon build → out/kubernetes/). `serviceMonitor`
 * (the default, except for runtime `workers`): a ServiceMonitor selects the Kubernetes Service by its labels and
 * scrapes the named port. `static`: the service runs outside the cluster (Cloudflare Workers always do) and its
 * targets become an additionalScrapeConfigs job, as in the seed's values.yaml.
 */
export const serviceKubernetesSchema = z.strictObject({
  discovery: z.enum(['serviceMonitor', 'static']).optional(),
  /** Namespace of the Kubernetes Service (default `default`). */
  namespace: k8sName.optional(),
  /** Labels of the Kubernetes Service (default `app.kubernetes.io/name: <service name>`). */
  selector: z.record(k8sLabelKey, k8sLabelValue).optional(),
  /** Name of the Service port serving the metrics path (default `http`). */
  port: z
    .string()
    .max(15, 'expected a port name of at most 15 characters')
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'expected a Service port name such as http or metrics')
    .optional(),
});

export const serviceSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'expected a lowercase name of letters, digits and dashes (e.g. api-backend)'),
    /** Scrape job name; defaults to the service name. */
    job: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'expected a job name of letters, digits, dots, dashes and underscores')
      .optional(),
    runtime: z.enum(['typescript', 'python', 'workers']),
    scrape: scrapeSchema.optional(),
    push: pushSchema.optional(),
    /** Extra target labels (team, tier) attached to every series of this service. */
    labels: labelValues.default({}),
    slo: serviceSloSchema.optional(),
    kubernetes: serviceKubernetesSchema.optional(),
  })
  .superRefine((s, ctx) => {
    checkScrapeAuth(s.scrape, ctx);
    if (!s.scrape === !s.push) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of scrape or push', path: [] });
    }
    if (s.scrape?.singleInstance !== undefined && s.runtime !== 'workers') {
      ctx.addIssue({
        code: 'custom',
        message: 'only for runtime "workers" (a scraped Worker that really runs as one instance)',
        path: ['scrape', 'singleInstance'],
      });
    }
    if (s.push && s.kubernetes) {
      ctx.addIssue({
        code: 'custom',
        message: 'a push service is not scraped: it needs no Kubernetes discovery',
        path: ['kubernetes'],
      });
    }
    const k = s.kubernetes;
    if (k?.discovery === 'static' || (k && !k.discovery && s.runtime === 'workers')) {
      for (const key of ['namespace', 'selector', 'port'] as const) {
        if (k[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            message: 'only for discovery "serviceMonitor" (this service is scraped at its static targets)',
            path: ['kubernetes', key],
          });
        }
      }
    }
    const latency = s.slo?.latency;
    if (latency && !(HTTP_DURATION_BUCKETS as readonly number[]).includes(latency.threshold)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a bucket boundary of http_request_duration_seconds (${HTTP_DURATION_BUCKETS.join(', ')})`,
        path: ['slo', 'latency', 'threshold'],
      });
    }
    for (const reserved of ['service', 'job', 'instance', 'runtime']) {
      if (reserved in s.labels) {
        ctx.addIssue({
          code: 'custom',
          message: `"${reserved}" is set by ghmon and cannot be overridden`,
          path: ['labels', reserved],
        });
      }
    }
  });

const infraTargets = (defaults: string[]) =>
  z.strictObject({ targets: z.array(target).default(defaults) }).default({ targets: defaults });

const routingKeyFile = z.string().startsWith('/', 'expected an absolute path to a file holding the routing key');

export const routingSchema = z
  .strictObject({
    /** Critical alerts: a PagerDuty service with high urgency. The key is read from this file, never inlined. */
    page: z
      .strictObject({ routingKeyFile: routingKeyFile.default('/etc/alertmanager/secrets/pagerduty-page-routing-key') })
      .default({ routingKeyFile: '/etc/alertmanager/secrets/pagerduty-page-routing-key' }),
    /** Warning alerts: a PagerDuty service with low urgency (tickets). */
    ticket: z
      .strictObject({
        routingKeyFile: routingKeyFile.default('/etc/alertmanager/secrets/pagerduty-ticket-routing-key'),
      })
      .default({ routingKeyFile: '/etc/alertmanager/secrets/pagerduty-ticket-routing-key' }),
    /**
     * How long a new ticket group waits before its first notification: 2m, so that a page for the same service
     * that comes in the meantime inhibits it (one incident, one notification: an outage's early burn-rate ticket
     * never reaches the ticket queue). Tickets are not urgent; every ticket comes that much later.
     */
    groupWait: duration.default('2m'),
    /**
     * How long a new page group waits for more alerts of the same service before it pages: short, since every
     * second of it is added to the time to page; long enough that the alerts one incident trips together (a
     * crash: target down, no traffic) arrive as one notification.
     */
    pageGroupWait: duration.default('15s'),
    /**
     * How often a group's changes are sent: new alerts in an open incident, and its resolve. 30s, so that the
     * resolve reaches PagerDuty within a minute of the alert resolving (Alertmanager sends it at the next tick).
     */
    groupInterval: duration.default('30s'),
    /** How often a still-firing page is re-sent. */
    pageRepeatInterval: duration.default('1h'),
    /** How often a still-firing ticket is re-sent. */
    ticketRepeatInterval: duration.default('12h'),
    /**
     * Where the always-firing Watchdog alert goes: an external dead man's switch (e.g. a heartbeat monitor)
     * that raises its own alarm when the Watchdog stops arriving, i.e. when Prometheus, Alertmanager or the
     * path between them is down. Without it, the Watchdog goes to a receiver that sends nothing.
     */
    deadMansSwitch: z
      .strictObject({
        url: z.url(),
        /** File with a bearer token the heartbeat endpoint expects (never inlined). */
        bearerTokenFile: z.string().startsWith('/', 'expected an absolute path').optional(),
      })
      .optional(),
    /** Events API v2 endpoint; override only for a proxy or a local receiver. */
    pagerdutyUrl: z.url().default('https://events.pagerduty.com/v2/enqueue'),
  })
  .default({
    page: { routingKeyFile: '/etc/alertmanager/secrets/pagerduty-page-routing-key' },
    ticket: { routingKeyFile: '/etc/alertmanager/secrets/pagerduty-ticket-routing-key' },
    groupWait: '2m',
    pageGroupWait: '15s',
    groupInterval: '30s',
    pageRepeatInterval: '1h',
    ticketRepeatInterval: '12h',
    pagerdutyUrl: 'https://events.pagerduty.com/v2/enqueue',
  });

/** A Secret referenced by name, with the key each value is under. */
const secretRef = <const K extends Record<string, string>>(name: string, keys: K) =>
  z
    .strictObject({ name: k8sName, ...mapValues(keys, () => secretKey) })
    .partial()
    .transform((given) => ({ name, ...keys, ...given }) as { name: string } & { [k in keyof K]: string });

function mapValues<K extends Record<string, string>, V>(o: K, f: (v: string) => V): { [k in keyof K]: V } {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)])) as { [k in keyof K]: V };
}

/**
 * Deploying to Kubernetes with kube-prometheus-stack (out/kubernetes/). Defaults are the seed's
 * `helm install prometheus ... --namespace monitoring`. Secrets are referenced by name and key only: ghmon never
 * sees their values.
 */
/** A peer allowed through the NetworkPolicies: pods matching both selectors (an empty one matches all). */
const networkPeerSchema = z
  .strictObject({
    /** Labels of the peer's namespace (`kubernetes.io/metadata.name: ingress-nginx`); absent: this namespace. */
    namespaceLabels: z.record(k8sLabelKey, k8sLabelValue).optional(),
    /** Labels of the peer's pods; absent: every pod of the namespace(s). */
    podLabels: z.record(k8sLabelKey, k8sLabelValue).optional(),
  })
  .refine((p) => p.namespaceLabels !== undefined || p.podLabels !== undefined, {
    message: 'expected namespaceLabels or podLabels (a peer without either would allow the whole namespace)',
  });

/**
 * NetworkPolicies in front of Prometheus and Alertmanager, which have no login on Kubernetes (the operator's
 * `web` spec has TLS settings but no basic-auth users): only Grafana, Prometheus and the Alertmanager peers reach
 * their web ports, plus the peers listed here (an ingress controller, a Thanos querier, the push gateway path of
 * Workers). On by default; needs a CNI that enforces NetworkPolicy (Calico, Cilium, most managed clusters).
 */
const networkPolicySchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    allowFrom: z.array(networkPeerSchema).default([]),
  })
  .prefault({});

export const kubernetesSchema = z
  .strictObject({
    namespace: k8sName.default('monitoring'),
    /** Helm release name: the chart selects PrometheusRules and ServiceMonitors labelled `release: <this>`. */
    releaseName: k8sName.max(53, 'expected a Helm release name of at most 53 characters').default('prometheus'),
    /** Size of Grafana's PersistentVolumeClaim (seed: 10Gi). */
    grafanaPersistenceSize: storageSize.default('10Gi'),
    networkPolicy: networkPolicySchema,
    secrets: z
      .strictObject({
        /** Grafana admin user and password (the chart's `grafana.admin.existingSecret`). */
        grafanaAdmin: secretRef('ghmon-grafana-admin', {
          userKey: 'admin-user',
          passwordKey: 'admin-password',
        }).prefault({}),
        /** PagerDuty Events API v2 routing keys, mounted into Alertmanager (`alertmanagerSpec.secrets`). */
        pagerduty: secretRef('ghmon-pagerduty', {
          pageKey: 'page-routing-key',
          ticketKey: 'ticket-routing-key',
        }).prefault({}),
        /** Bearer token of the dead man's switch, when `routing.deadMansSwitch.bearerTokenFile` is set. */
        deadMansSwitch: secretRef('ghmon-deadmans-switch', { key: 'bearer-token' }).prefault({}),
        /** Bearer token of the long-term store, when `longTerm.remoteWrite.bearerTokenFile` is set. */
        longTerm: secretRef('ghmon-long-term', { key: 'bearer-token' }).prefault({}),
      })
      .prefault({}),
  })
  .prefault({});

/** An image with a pinned tag (not `latest`) or digest. */
const pinnedImage = z
  .string()
  .regex(
    /^([a-z0-9.-]+(:[0-9]+)?\/)?[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
    'expected an image reference such as prom/prometheus:v2.42.0',
  )
  .refine((i) => /@sha256:|:[^/]+$/.test(i) && !/:latest$/.test(i), 'expected a pinned tag or digest, not latest');

/**
 * Docker Compose (out/compose/), for teams without Kubernetes. The Prometheus, Alertmanager and node_exporter
 * tags are the versions of Debian's packages, whose promtool and amtool check the generated files here.
 */
export const composeSchema = z
  .strictObject({
    images: z
      .strictObject({
        prometheus: pinnedImage.default('prom/prometheus:v2.42.0'),
        alertmanager: pinnedImage.default('prom/alertmanager:v0.25.0'),
        nodeExporter: pinnedImage.default('prom/node-exporter:v1.5.0'),
        grafana: pinnedImage.default('grafana/grafana:13.2.0'),
      })
      .prefault({}),
  })
  .prefault({});

export const monitoringSchema = z
  .strictObject({
    /** `environment` external label on everything this Prometheus sends out. */
    environment: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'expected a lowercase name')
      .default('production'),
    /** At most 30s: the seed's `greyhaven:http_rps` is a 1m rate, which needs two samples (services' own too). */
    scrapeInterval: duration.default('15s'),
    evaluationInterval: duration.default('15s'),
    retention: duration.default('30d'),
    storage: storageSize.default('100Gi'),
    services: z.array(serviceSchema).min(1, 'expected at least one service'),
    prometheus: infraTargets(['localhost:9090']),
    alertmanager: infraTargets(['localhost:9093']),
    nodeExporter: infraTargets(['localhost:9100']),
    thresholds: thresholdsSchema,
    slo: z
      .strictObject({ availability: availabilitySloSchema.default({ objective: 99.9, window: '30d' }) })
      .default({ availability: { objective: 99.9, window: '30d' } }),
    routing: routingSchema,
    /** Where each alert's runbook_url points; the runbooks themselves are in docs/runbooks/. */
    runbookBaseUrl: z.url().default('https://github.com/greyhaven/ghmon/blob/main/docs/runbooks'),
    /**
     * High availability: identical Prometheus replicas (told apart by a `replica` external label, dropped from
     * alerts so Alertmanager deduplicates them) sending to every member of an Alertmanager cluster.
     * `prometheus.targets` and `alertmanager.targets` then list every replica and peer. Off by default.
     */
    ha: z
      .strictObject({
        prometheusReplicas: z.int().min(1, 'expected at least 1').max(5, 'expected at most 5').default(1),
        alertmanagerPeers: z.int().min(1, 'expected at least 1').max(7, 'expected at most 7').default(1),
      })
      .default({ prometheusReplicas: 1, alertmanagerPeers: 1 }),
    /** Long-term storage: Prometheus also remote-writes every sample to this store (config/long-term.ts). */
    longTerm: longTermSchema.optional(),
    /** Past one Prometheus: vmagent members, VictoriaMetrics and vmalert replicas (config/scale.ts). */
    scale: scaleSchema.optional(),
    kubernetes: kubernetesSchema,
    compose: composeSchema,
  })
  .superRefine((c, ctx) => {
    for (const [key, count, what] of [
      ['prometheus', c.ha.prometheusReplicas, 'prometheusReplicas'],
      ['alertmanager', c.ha.alertmanagerPeers, 'alertmanagerPeers'],
    ] as const) {
      if (count > 1 && c[key].targets.length !== count) {
        ctx.addIssue({
          code: 'custom',
          message: `expected ${count} targets, one per member (ha.${what} is ${count})`,
          path: [key, 'targets'],
        });
      }
    }
    // A rate needs two samples in its window: every scrape interval at most half the shortest window the rules use.
    const longest = (parseDuration(RPS_RATE_WINDOW) as number) / 2;
    const tooLong = (interval: string | undefined) =>
      interval !== undefined && (parseDuration(interval) ?? 0) > longest;
    const why = `longer than half the ${RPS_RATE_WINDOW} rate window of ${RECORD.rps} (a rate needs two samples in its window): use ${formatDuration(longest)} or less`;
    if (tooLong(c.scrapeInterval)) {
      ctx.addIssue({ code: 'custom', message: `${c.scrapeInterval} is ${why}`, path: ['scrapeInterval'] });
    }
    c.services.forEach((s, i) => {
      if (s.scrape !== undefined && tooLong(s.scrape.interval)) {
        ctx.addIssue({
          code: 'custom',
          message: `${s.scrape.interval} is ${why}`,
          path: ['services', i, 'scrape', 'interval'],
        });
      }
    });
    const seen = new Map<string, number>();
    c.services.forEach((s, i) => {
      for (const [kind, value] of [
        ['name', s.name],
        ['job', s.job ?? s.name],
      ] as const) {
        const key = `${kind}:${value}`;
        const first = seen.get(key);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `duplicate service ${kind} "${value}" (also services[${first}])`,
            path: ['services', i, kind],
          });
        } else {
          seen.set(key, i);
        }
      }
    });
  });

/** What a user writes (defaults optional). */
export type MonitoringInput = z.input<typeof monitoringSchema>;
/** What ghmon works with (defaults filled in). */
export type MonitoringConfig = z.output<typeof monitoringSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
export type Thresholds = z.output<typeof thresholdsSchema>;
export type KubernetesConfig = z.output<typeof kubernetesSchema>;
export type ComposeConfig = z.output<typeof composeSchema>;
