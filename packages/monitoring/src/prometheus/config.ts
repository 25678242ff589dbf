/**
 * prometheus.yml: global intervals, rule files, Alertmanager, and one scrape job per service whose targets
 * carry the `service` (and `runtime`) target labels the rules group by. Infrastructure jobs: Prometheus itself,
 * Alertmanager, node_exporter.
 */
import { JOB, RULE_FILES_GLOB } from '../conventions.ts';
import { type RemoteWriteConfig, remoteWriteConfigs } from '../longterm/model.ts';
import type { Model, ServiceModel } from '../model/model.ts';

export interface ScrapeConfig {
  job_name: string;
  scheme?: 'http' | 'https';
  metrics_path?: string;
  scrape_interval?: string;
  static_configs: { targets: string[]; labels?: Record<string, string> }[];
}

export interface PrometheusConfig {
  global: {
    scrape_interval: string;
    evaluation_interval: string;
    external_labels: Record<string, string>;
  };
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: ScrapeConfig[];
  /** To the long-term store, when the config has `longTerm`. */
  remote_write?: RemoteWriteConfig[];
}

function serviceJob(s: ServiceModel): ScrapeConfig | undefined {
  if (!s.scrape) return undefined;
  return {
    job_name: s.job,
    ...(s.scrape.scheme !== 'http' ? { scheme: s.scrape.scheme } : {}),
    metrics_path: s.scrape.metricsPath,
    ...(s.scrape.interval ? { scrape_interval: s.scrape.interval } : {}),
    static_configs: [{ targets: s.scrape.targets, labels: s.targetLabels }],
  };
}

export function prometheusConfig(model: Model): PrometheusConfig {
  const infra = (job: string, targets: string[]): ScrapeConfig => ({ job_name: job, static_configs: [{ targets }] });
  return {
    global: {
      scrape_interval: model.scrapeInterval,
      evaluation_interval: model.evaluationInterval,
      external_labels: { environment: model.environment },
    },
    rule_files: [RULE_FILES_GLOB],
    alerting: { alertmanagers: [{ static_configs: [{ targets: model.alertmanagerTargets }] }] },
    scrape_configs: [
      infra(JOB.prometheus, model.prometheusTargets),
      infra(JOB.alertmanager, model.alertmanagerTargets),
      infra(JOB.nodeExporter, model.nodeExporterTargets),
      ...model.services.map(serviceJob).filter((j): j is ScrapeConfig => j !== undefined),
    ],
    ...(model.longTerm ? { remote_write: remoteWriteConfigs(model.longTerm) } : {}),
  };
}
