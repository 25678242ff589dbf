/**
 * The model: plain data derived from a validated config, with every default and derived name resolved.
 * Generators read only the model. Building it is pure.
 */

import type { ComposeConfig, KubernetesConfig, MonitoringConfig, ServiceConfig, Thresholds } from '../config/schema.ts';
import { resolveScrapeAuth } from '../config/scrape-auth.ts';
import { LABEL } from '../conventions.ts';
import { type LongTermModel, longTermModel } from './long-term.ts';
import { type ScaleModel, scaleModel } from './scale.ts';

export interface ServiceModel {
  name: string;
  job: string;
  runtime: ServiceConfig['runtime'];
  /** Undefined for a push service. */
  scrape?: {
    targets: string[];
    scheme: 'http' | 'https';
    metricsPath: string;
    interval?: string;
    /** Bearer token sent to `/metrics`; undefined: unauthenticated (local targets, or `auth: 'none'`). */
    auth?: { bearerTokenFile: string };
    /** A Worker that really runs as one instance (config `scrape.singleInstance`): the workers/scraped opt-out. */
    singleInstance?: true;
  };
  push?: { protocol: 'remote-write' };
  /** Target labels attached by the scrape config: always `service` and `runtime`, plus the config's own. */
  targetLabels: Record<string, string>;
  slo: {
    availability: { objective: number; window: string };
    latency?: { objective: number; threshold: number; window: string };
  };
  /** How Prometheus finds it in Kubernetes; undefined for a push service (nothing to scrape). */
  kubernetes?: ServiceKubernetes;
}

/** A ServiceMonitor selecting a Kubernetes Service, or the static targets as an additional scrape job. */
export type ServiceKubernetes =
  | { discovery: 'serviceMonitor'; namespace: string; selector: Record<string, string>; port: string }
  | { discovery: 'static' };

export interface Model {
  environment: string;
  scrapeInterval: string;
  evaluationInterval: string;
  retention: string;
  storage: string;
  services: ServiceModel[];
  prometheusTargets: string[];
  alertmanagerTargets: string[];
  nodeExporterTargets: string[];
  thresholds: Thresholds;
  routing: MonitoringConfig['routing'];
  runbookBaseUrl: string;
  ha: { prometheusReplicas: number; alertmanagerPeers: number };
  /** Long-term storage over remote write; undefined without `longTerm` in the config. */
  longTerm?: LongTermModel;
  /** The VictoriaMetrics scale-out (model/scale.ts); undefined without `scale` in the config. */
  scale?: ScaleModel;
  kubernetes: KubernetesConfig;
  compose: ComposeConfig;
}

export function buildModel(config: MonitoringConfig): Model {
  return {
    environment: config.environment,
    scrapeInterval: config.scrapeInterval,
    evaluationInterval: config.evaluationInterval,
    retention: config.retention,
    storage: config.storage,
    services: config.services.map((s) => ({
      name: s.name,
      job: s.job ?? s.name,
      runtime: s.runtime,
      ...(s.scrape ? { scrape: scrapeModel(s.name, s.scrape) } : {}),
      ...(s.push ? { push: { ...s.push } } : {}),
      targetLabels: sortKeys({ ...s.labels, [LABEL.service]: s.name, [LABEL.runtime]: s.runtime }),
      slo: {
        availability: { ...(s.slo?.availability ?? config.slo.availability) },
        ...(s.slo?.latency ? { latency: { ...s.slo.latency } } : {}),
      },
      ...(s.scrape ? { kubernetes: serviceKubernetes(s) } : {}),
    })),
    prometheusTargets: [...config.prometheus.targets],
    alertmanagerTargets: [...config.alertmanager.targets],
    nodeExporterTargets: [...config.nodeExporter.targets],
    thresholds: structuredClone(config.thresholds),
    routing: structuredClone(config.routing),
    runbookBaseUrl: config.runbookBaseUrl.replace(/\/+$/, ''),
    ha: { ...config.ha },
    ...(config.longTerm ? { longTerm: longTermModel(config.longTerm) } : {}),
    ...(config.scale ? { scale: scaleModel(config.scale) } : {}),
    kubernetes: structuredClone(config.kubernetes),
    compose: structuredClone(config.compose),
  };
}

function scrapeModel(name: string, s: NonNullable<ServiceConfig['scrape']>): NonNullable<ServiceModel['scrape']> {
  const auth = resolveScrapeAuth(name, s);
  return {
    targets: [...s.targets],
    scheme: s.scheme,
    metricsPath: s.metricsPath,
    ...(s.interval ? { interval: s.interval } : {}),
    ...(auth ? { auth } : {}),
    ...(s.singleInstance ? { singleInstance: true as const } : {}),
  };
}

/** Defaults: Cloudflare Workers never run in a cluster (static); anything else is a Service labelled by its name. */
function serviceKubernetes(s: ServiceConfig): ServiceKubernetes {
  const k = s.kubernetes ?? {};
  const discovery = k.discovery ?? (s.runtime === 'workers' ? 'static' : 'serviceMonitor');
  if (discovery === 'static') return { discovery };
  return {
    discovery: 'serviceMonitor',
    namespace: k.namespace ?? 'default',
    selector: sortKeys({ ...(k.selector ?? { 'app.kubernetes.io/name': s.name }) }),
    port: k.port ?? 'http',
  };
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
