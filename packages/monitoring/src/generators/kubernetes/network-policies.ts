/**
 * NetworkPolicies for Prometheus and Alertmanager. On Kubernetes neither has a login: the Prometheus Operator's
 * `web` spec (WebConfigFileFields) carries TLS and HTTP-header settings but no basic-auth users, so the
 * `web.config.file` ghmon gives them under Docker Compose has no Kubernetes equivalent. What keeps their data and
 * their admin endpoints (silences, `/-/reload`, the remote-write receiver) from every other pod of the cluster is
 * this: ingress only from the pods that need it.
 *
 * - Prometheus (web 9090, config-reloader 8080): from Prometheus itself (self-scrape, HA replicas) and Grafana.
 * - Alertmanager (web 9093, reloader 8080, gossip 9094 TCP+UDP): from Prometheus (alerts, scrapes), Grafana
 *   (its Alertmanager datasource) and the other Alertmanager peers (gossip).
 * - `kubernetes.networkPolicy.allowFrom`: extra peers (an ingress controller, a Thanos querier) to the web ports.
 * Egress stays open: Prometheus scrapes everywhere, Alertmanager calls PagerDuty.
 */
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import type { INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort';
import { K8S_NAME, K8S_PART_OF } from '../../conventions.ts';
import { POD_LABELS, POD_PORTS } from '../../model/chart.ts';
import type { Model } from '../../model/model.ts';

/** kubernetes-models' NetworkPolicy with the parts ghmon always sets made required. */
export type NetworkPolicy = INetworkPolicy & {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: NonNullable<INetworkPolicy['spec']>;
};

const tcp = (...ports: number[]): INetworkPolicyPort[] => ports.map((port) => ({ protocol: 'TCP', port }));
const pods = (labels: Record<string, string>): INetworkPolicyPeer => ({ podSelector: { matchLabels: { ...labels } } });

/** The user's extra peers, as NetworkPolicy peers (both selectors in one peer: pods in those namespaces). */
function extraPeers(model: Model): INetworkPolicyPeer[] {
  return model.kubernetes.networkPolicy.allowFrom.map((p) => ({
    ...(p.namespaceLabels ? { namespaceSelector: { matchLabels: { ...p.namespaceLabels } } } : {}),
    // A peer with only a namespaceSelector allows every pod of those namespaces, as documented.
    ...(p.podLabels ? { podSelector: { matchLabels: { ...p.podLabels } } } : {}),
  }));
}

function policy(
  model: Model,
  name: string,
  selected: Record<string, string>,
  ingress: NonNullable<INetworkPolicy['spec']>['ingress'],
): NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: model.kubernetes.namespace, labels: { ...K8S_PART_OF } },
    spec: { podSelector: { matchLabels: { ...selected } }, policyTypes: ['Ingress'], ingress },
  };
}

export function networkPolicies(model: Model): NetworkPolicy[] {
  if (!model.kubernetes.networkPolicy.enabled) return [];
  const grafana = pods(POD_LABELS.grafana(model.kubernetes.releaseName));
  const prometheus = pods(POD_LABELS.prometheus);
  const alertmanager = pods(POD_LABELS.alertmanager);
  const extra = extraPeers(model);
  const fromExtra = (port: number) => (extra.length > 0 ? [{ from: extra, ports: tcp(port) }] : []);
  return [
    policy(model, K8S_NAME.networkPolicy('prometheus'), POD_LABELS.prometheus, [
      { from: [prometheus], ports: tcp(POD_PORTS.prometheusWeb, POD_PORTS.configReloader) },
      { from: [grafana], ports: tcp(POD_PORTS.prometheusWeb) },
      ...fromExtra(POD_PORTS.prometheusWeb),
    ]),
    policy(model, K8S_NAME.networkPolicy('alertmanager'), POD_LABELS.alertmanager, [
      { from: [prometheus], ports: tcp(POD_PORTS.alertmanagerWeb, POD_PORTS.configReloader) },
      { from: [grafana], ports: tcp(POD_PORTS.alertmanagerWeb) },
      {
        from: [alertmanager],
        ports: [
          ...tcp(POD_PORTS.alertmanagerWeb, POD_PORTS.alertmanagerMesh),
          { protocol: 'UDP', port: POD_PORTS.alertmanagerMesh },
        ],
      },
      ...fromExtra(POD_PORTS.alertmanagerWeb),
    ]),
  ];
}
