/**
 * Facts about the kube-prometheus-stack chart that ghmon's Kubernetes output relies on. They are the chart's,
 * not ours: test/kubernetes.test.ts reads each one back from the vendored chart values (packages/monitoring/data/),
 * so a chart upgrade that changes one fails a test instead of silently breaking a deploy.
 */

/** The chart the values were validated against (data/kube-prometheus-stack-values.yaml). `helm --version` pins it. */
export const CHART = {
  repoName: 'prometheus-community',
  repoUrl: 'https://prometheus-community.github.io/helm-charts',
  name: 'kube-prometheus-stack',
  version: '88.5.3',
} as const;

/** The label the chart's Prometheus selects PrometheusRules and ServiceMonitors by (`release: <Helm release>`). */
export const RELEASE_LABEL = 'release';

/** `alertmanagerSpec.secrets` are mounted at `<this>/<secret name>/<key>` in the Alertmanager pods. */
export const ALERTMANAGER_SECRETS_DIR = '/etc/alertmanager/secrets';

/** The Grafana sidecar loads ConfigMaps carrying this label (kube-prometheus-stack's `grafana.sidecar.dashboards`). */
export const DASHBOARD_SIDECAR_LABEL = { label: 'grafana_dashboard', labelValue: '1' } as const;

/** The datasource uids the chart provisions in Grafana; out/compose/ provisions the same uids. */
export const DATASOURCE_UID = { prometheus: 'prometheus', alertmanager: 'alertmanager' } as const;

/** API versions of the objects ghmon emits. */
export const API = {
  monitoring: 'monitoring.coreos.com/v1',
  kustomize: 'kustomize.config.k8s.io/v1beta1',
} as const;

/**
 * Labels the Prometheus Operator puts on the pods it runs (`app.kubernetes.io/name`: `prometheus` or
 * `alertmanager`), and the grafana subchart on Grafana's (`app.kubernetes.io/name: grafana` plus the Helm release
 * as `app.kubernetes.io/instance`). The NetworkPolicies select pods by them. These are the operator's and the
 * subchart's conventions, not values: no vendored file states them, so they are named once, here.
 */
export const POD_LABELS = {
  prometheus: { 'app.kubernetes.io/name': 'prometheus' },
  alertmanager: { 'app.kubernetes.io/name': 'alertmanager' },
  grafana: (release: string) => ({ 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': release }),
} as const;

/**
 * Container ports of those pods (the operator's defaults): the web UI/API, the config-reloader sidecar's metrics,
 * and Alertmanager's cluster gossip (TCP and UDP).
 */
export const POD_PORTS = {
  prometheusWeb: 9090,
  alertmanagerWeb: 9093,
  alertmanagerMesh: 9094,
  configReloader: 8080,
} as const;
