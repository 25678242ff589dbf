/**
 * prometheus.yml: global intervals, rule files, Alertmanager, and one scrape job per service whose targets
 * carry the `service` (and `runtime`) target labels the rules group by. Infrastructure jobs: Prometheus itself,
 * Alertmanager, node_exporter.
 */
import { JOB, LABEL, OUT, RULE_FILES_GLOB } from '../../../conventions.ts';
import { type RemoteWriteConfig, remoteWriteConfigs } from '../../../model/long-term.ts';
import type { Model, ServiceModel } from '../../../model/model.ts';
import { type OutDocument, yamlDocument } from '../../document.ts';

export interface ScrapeConfig {
  job_name: string;
  scheme?: 'http' | 'https';
  metrics_path?: string;
  scrape_interval?: string;
  /** Bearer token for `/metrics` (config/scrape-auth.ts), read from a file: never inlined. */
  authorization?: { type: 'Bearer'; credentials_file: string };
  /** Basic auth for Prometheus' and Alertmanager's own web endpoints (model/web-config.ts). */
  basic_auth?: { username: string; password_file: string };
  static_configs: { targets: string[]; labels?: Record<string, string> }[];
}

export interface PrometheusConfig {
  global: {
    scrape_interval: string;
    evaluation_interval: string;
    external_labels: Record<string, string>;
  };
  rule_files: string[];
  alerting: {
    alert_relabel_configs?: { action: 'labeldrop'; regex: string }[];
    alertmanagers: { static_configs: { targets: string[] }[] }[];
  };
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
    ...(s.scrape.auth ? { authorization: { type: 'Bearer', credentials_file: s.scrape.auth.bearerTokenFile } } : {}),
    // The opt-out of workers/scraped, visible where the check reads (a `__` label: no series changes).
    static_configs: [
      {
        targets: s.scrape.targets,
        labels: s.scrape.singleInstance ? { ...s.targetLabels, [LABEL.singleInstance]: 'true' } : s.targetLabels,
      },
    ],
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

/** Replica names of an HA pair (or more): `prometheus-0`, `prometheus-1`, … */
export function replicaNames(model: Pick<Model, 'ha'>): string[] {
  return Array.from({ length: model.ha.prometheusReplicas }, (_, i) => `prometheus-${i}`);
}

/**
 * With HA, one config per replica: the same scrape jobs and rules, a `replica` external label so that
 * remote storage can tell the copies apart, every Alertmanager peer, and the `replica` label dropped from
 * alerts so that the peers see one alert and page once. Without HA, none.
 */
export function replicaConfigs(model: Model): { replica: string; config: PrometheusConfig }[] {
  if (model.ha.prometheusReplicas < 2) return [];
  return replicaNames(model).map((replica) => {
    const base = prometheusConfig(model);
    return {
      replica,
      config: {
        ...base,
        global: { ...base.global, external_labels: { ...base.global.external_labels, [LABEL.replica]: replica } },
        alerting: {
          alert_relabel_configs: [{ action: 'labeldrop', regex: LABEL.replica }],
          alertmanagers: base.alerting.alertmanagers,
        },
      },
    };
  });
}

/** out/prometheus/prometheus.yml and, with HA, one config per replica beside it. */
export function prometheusConfigDocuments(model: Model): OutDocument[] {
  return [
    yamlDocument(OUT.prometheusConfig, prometheusConfig(model)),
    ...replicaConfigs(model).map(({ replica, config }) => yamlDocument(OUT.prometheusReplicaConfig(replica), config)),
  ];
}
