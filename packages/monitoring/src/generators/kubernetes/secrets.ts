/**
 * The Secrets the Kubernetes deployment reads, by name and key only, and the Model as it runs inside the cluster:
 * the same Alertmanager generator, with every `*_file` path pointing into the Secrets mounted through
 * `alertmanagerSpec.secrets`.
 */

import { METRICS_TOKEN_DIR, tokenScrapedServices, withTokenFiles } from '../../config/scrape-auth.ts';
import { RECEIVER } from '../../conventions.ts';
import { ALERTMANAGER_SECRETS_DIR } from '../../model/chart.ts';
import type { Model } from '../../model/model.ts';

export interface SecretSpec {
  name: string;
  /** Mounted into the Alertmanager pods (`alertmanagerSpec.secrets`). */
  alertmanager: boolean;
  /** Mounted into the Prometheus pods (`prometheusSpec.secrets`) at /etc/prometheus/secrets/<name>/<key>. */
  prometheus?: boolean;
  keys: { key: string; what: string }[];
}

export function kubernetesSecrets(model: Model): SecretSpec[] {
  const s = model.kubernetes.secrets;
  return [
    {
      name: s.grafanaAdmin.name,
      alertmanager: false,
      keys: [
        { key: s.grafanaAdmin.userKey, what: 'Grafana admin user name (e.g. admin)' },
        { key: s.grafanaAdmin.passwordKey, what: 'Grafana admin password (long and random)' },
      ],
    },
    {
      name: s.pagerduty.name,
      alertmanager: true,
      keys: [
        {
          key: s.pagerduty.pageKey,
          what: `PagerDuty Events API v2 integration key of the service that pages (receiver ${RECEIVER.page}, critical)`,
        },
        {
          key: s.pagerduty.ticketKey,
          what: `PagerDuty Events API v2 integration key of the low-urgency service (receiver ${RECEIVER.ticket}, warning)`,
        },
      ],
    },
    ...(model.routing.deadMansSwitch?.bearerTokenFile
      ? [
          {
            name: s.deadMansSwitch.name,
            alertmanager: true,
            keys: [{ key: s.deadMansSwitch.key, what: "bearer token of the dead man's switch heartbeat endpoint" }],
          },
        ]
      : []),
    ...(model.longTerm?.remoteWrite.bearerTokenFile
      ? [
          {
            // Read by the operator itself (remoteWrite authorization.credentials): not mounted anywhere.
            name: s.longTerm.name,
            alertmanager: false,
            keys: [{ key: s.longTerm.key, what: 'bearer token of the long-term store (longTerm.remoteWrite)' }],
          },
        ]
      : []),
    ...tokenScrapedServices(model.services).map((t) => ({
      name: t.secret,
      alertmanager: false,
      prometheus: true,
      keys: [{ key: t.key, what: `bearer token of ${t.service}'s /metrics (the value the service reads too)` }],
    })),
  ];
}

/** The model as Prometheus sees it inside the cluster: each metrics token read from its mounted Secret. */
export function inClusterPrometheusModel(model: Model): Model {
  return { ...model, services: withTokenFiles(model.services, (name, key) => `${METRICS_TOKEN_DIR}/${name}/${key}`) };
}

/** Where a key of a Secret listed in `alertmanagerSpec.secrets` is mounted in the Alertmanager pods. */
export function alertmanagerSecretFile(name: string, key: string): string {
  return `${ALERTMANAGER_SECRETS_DIR}/${name}/${key}`;
}

/** The model as Alertmanager sees it inside the cluster: routing keys and tokens read from mounted Secrets. */
export function inClusterModel(model: Model): Model {
  const s = model.kubernetes.secrets;
  const dms = model.routing.deadMansSwitch;
  return {
    ...model,
    routing: {
      ...model.routing,
      page: { routingKeyFile: alertmanagerSecretFile(s.pagerduty.name, s.pagerduty.pageKey) },
      ticket: { routingKeyFile: alertmanagerSecretFile(s.pagerduty.name, s.pagerduty.ticketKey) },
      ...(dms
        ? {
            deadMansSwitch: {
              ...dms,
              ...(dms.bearerTokenFile
                ? { bearerTokenFile: alertmanagerSecretFile(s.deadMansSwitch.name, s.deadMansSwitch.key) }
                : {}),
            },
          }
        : {}),
    },
  };
}
