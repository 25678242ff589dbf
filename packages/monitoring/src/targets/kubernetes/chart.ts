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
