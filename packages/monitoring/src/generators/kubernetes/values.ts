/**
 * values.yaml for kube-prometheus-stack: the seed's settings (30d retention, 15s scrape interval, the 100Gi
 * volumeClaimTemplate, the Cloudflare Workers scrape job, Grafana persistence 10Gi) with the Grafana admin
 * password from an existing Secret and the PagerDuty routing keys mounted from a Secret; `longTerm` as the operator's
 * remoteWrite. Every key exists in the
 * chart's values (checked by `kubernetes/values`): Helm silently ignores a misspelt key.
 */

import { EXTRA_ALERT } from '../../conventions.ts';
import { remoteWriteConfigs } from '../../model/long-term.ts';
import type { Model } from '../../model/model.ts';
import { type OperatorRemoteWrite, operatorRemoteWrite } from '../../model/remote-write.ts';
import { type AlertmanagerConfig, alertmanagerConfig } from '../alertmanager/config.ts';
import { prometheusConfig, type ScrapeConfig } from '../prometheus/config/prometheus-yml.ts';
import { inClusterModel, inClusterPrometheusModel, kubernetesSecrets } from './secrets.ts';

export interface KubePrometheusStackValues {
  defaultRules: { disabled: Record<string, boolean> };
  prometheus: {
    prometheusSpec: {
      scrapeInterval: string;
      evaluationInterval: string;
      retention: string;
      externalLabels: Record<string, string>;
      enableRemoteWriteReceiver?: boolean;
      replicas?: number;
      storageSpec: unknown;
      additionalScrapeConfigs?: ScrapeConfig[];
      /** Mounted at /etc/prometheus/secrets/<name>/ (metrics tokens). */
      secrets?: string[];
      /** `longTerm`: the operator's RemoteWriteSpec, the token from a Secret reference. */
      remoteWrite?: OperatorRemoteWrite[];
    };
  };
  alertmanager: { config: AlertmanagerConfig; alertmanagerSpec: { secrets: string[]; replicas?: number } };
  grafana: {
    admin: { existingSecret: string; userKey: string; passwordKey: string };
    persistence: { enabled: boolean; size: string };
  };
}

/** Scrape jobs of services outside the cluster, exactly as out/prometheus/prometheus.yml has them. */
export function additionalScrapeConfigs(model: Model): ScrapeConfig[] {
  const outside = new Set(model.services.filter((s) => s.kubernetes?.discovery === 'static').map((s) => s.job));
  return prometheusConfig(inClusterPrometheusModel(model)).scrape_configs.filter((j) => outside.has(j.job_name));
}

export function kubernetesValues(model: Model): KubePrometheusStackValues {
  const scrape = additionalScrapeConfigs(model);
  const s = model.kubernetes.secrets;
  const promSecrets = kubernetesSecrets(model)
    .filter((x) => x.prometheus)
    .map((x) => x.name);
  return {
    defaultRules: {
      disabled: {
        // The chart's always-firing InfoInhibitor only serves the chart's own inhibit rule, which ghmon's routing
        // replaces: left on, it would open a permanent PagerDuty ticket through the catch-all route.
        InfoInhibitor: true,
        // ghmon's meta_monitoring group has its own Watchdog, routed to the dead man's switch.
        [EXTRA_ALERT.watchdog]: true,
      },
    },
    prometheus: {
      prometheusSpec: {
        scrapeInterval: model.scrapeInterval,
        evaluationInterval: model.evaluationInterval,
        retention: model.retention,
        externalLabels: { environment: model.environment },
        // Push services send samples to Prometheus' remote-write receiver.
        ...(model.services.some((x) => x.push) ? { enableRemoteWriteReceiver: true } : {}),
        // HA: the operator runs identical replicas, labels them (prometheus_replica) and drops that label from
        // alerts, and points every replica at every Alertmanager peer.
        ...(model.ha.prometheusReplicas > 1 ? { replicas: model.ha.prometheusReplicas } : {}),
        storageSpec: {
          volumeClaimTemplate: {
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: model.storage } } },
          },
        },
        ...(scrape.length > 0 ? { additionalScrapeConfigs: scrape } : {}),
        ...(promSecrets.length > 0 ? { secrets: promSecrets } : {}),
        ...(model.longTerm
          ? {
              remoteWrite: remoteWriteConfigs(model.longTerm).map((rw) =>
                operatorRemoteWrite(rw, { name: s.longTerm.name, key: s.longTerm.key }),
              ),
            }
          : {}),
      },
    },
    alertmanager: {
      // ghmon's Alertmanager config, with routing keys read from the Secrets mounted below. Helm merges it over
      // the chart's default config; `kubernetes/amtool` checks the merged result.
      config: alertmanagerConfig(inClusterModel(model)),
      alertmanagerSpec: {
        secrets: kubernetesSecrets(model)
          .filter((x) => x.alertmanager)
          .map((x) => x.name),
        // HA: the operator clusters the peers (gossip) itself.
        ...(model.ha.alertmanagerPeers > 1 ? { replicas: model.ha.alertmanagerPeers } : {}),
      },
    },
    grafana: {
      admin: {
        existingSecret: s.grafanaAdmin.name,
        userKey: s.grafanaAdmin.userKey,
        passwordKey: s.grafanaAdmin.passwordKey,
      },
      persistence: { enabled: true, size: model.kubernetes.grafanaPersistenceSize },
    },
  };
}
