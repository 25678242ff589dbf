/**
 * The VictoriaMetrics Helm charts the scale-out's Kubernetes values are for (VictoriaMetrics/helm-charts), each
 * with its values file vendored in data/ (the victoriametrics/values check reads every key against it), and the
 * subtrees whose content the chart takes as free-form, with the reason for each (keep these lists short).
 */
export interface VmChart {
  /** Helm chart name in https://victoriametrics.github.io/helm-charts/. */
  chart: string;
  version: string;
  /** The file under out/victoriametrics/kubernetes/. */
  file: string;
  /** The chart's values.yaml, vendored in packages/monitoring/data/. */
  dataFile: string;
  free: readonly { path: string; why: string }[];
}

export const VM_CHARTS = {
  agent: {
    chart: 'victoria-metrics-agent',
    version: '0.46.0',
    file: 'victoriametrics/kubernetes/vmagent-values.yaml',
    dataFile: 'victoria-metrics-agent-values.yaml',
    free: [
      { path: 'config', why: 'the scrape config itself (victoriametrics/vmagent.yml, which vmagent -dryRun checks)' },
      { path: 'remoteWrite', why: 'a list of {url, …}: the chart documents its keys in a comment only' },
    ],
  },
  alert: {
    chart: 'victoria-metrics-alert',
    version: '0.47.0',
    file: 'victoriametrics/kubernetes/vmalert-values.yaml',
    dataFile: 'victoria-metrics-alert-values.yaml',
    free: [
      {
        path: 'server.config.alerts.groups',
        why: 'the rule groups (victoriametrics/rules/, which vmalert -dryRun checks)',
      },
      { path: 'server.remoteWrite', why: '`{}` in the chart, which documents `url` in a comment' },
      { path: 'server.remoteRead', why: '`{}` in the chart, which documents `url` in a comment' },
      { path: 'server.notifiers', why: 'a list of {url, …}: the chart documents its keys in a comment only' },
    ],
  },
  single: {
    chart: 'victoria-metrics-single',
    version: '0.45.0',
    file: 'victoriametrics/kubernetes/victoria-metrics-single-values.yaml',
    dataFile: 'victoria-metrics-single-values.yaml',
    free: [
      { path: 'server.extraArgs', why: 'command-line flags by name (the chart lists only a few of the hundreds)' },
      {
        path: 'server.retentionPeriod',
        why: 'a number of months (the chart default, 1) or a string with a unit such as 30d, both documented',
      },
    ],
  },
  cluster: {
    chart: 'victoria-metrics-cluster',
    version: '0.49.0',
    file: 'victoriametrics/kubernetes/victoria-metrics-cluster-values.yaml',
    dataFile: 'victoria-metrics-cluster-values.yaml',
    free: [
      { path: 'vmstorage.extraArgs', why: 'command-line flags by name (the chart lists only a few)' },
      { path: 'vminsert.extraArgs', why: 'command-line flags by name (the chart lists only a few)' },
      { path: 'vmselect.extraArgs', why: 'command-line flags by name (the chart lists only a few)' },
      {
        path: 'vmstorage.retentionPeriod',
        why: 'a number of months (the chart default, 1) or a string with a unit such as 30d, both documented',
      },
    ],
  },
} as const satisfies Record<string, VmChart>;

/** The charts a model's scale-out is deployed with: a single node or a cluster as the store. */
export function vmChartsFor(cluster: boolean): VmChart[] {
  return [VM_CHARTS.agent, VM_CHARTS.alert, cluster ? VM_CHARTS.cluster : VM_CHARTS.single];
}
