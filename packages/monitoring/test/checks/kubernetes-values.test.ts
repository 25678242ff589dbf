/** kubernetes/values: kubernetes/values.yaml against the kube-prometheus-stack chart's defaults (keys and types). */
import { KUBERNETES_VALUES, kubernetesValues } from '../../src/checks/kubernetes-values.ts';
import { OUT } from '../../src/conventions.ts';
import { outTable } from './out-table.ts';

outTable(kubernetesValues, [
  { name: 'the clean build' },
  {
    name: 'a misspelt values key',
    edits: [{ file: OUT.kubernetesValues, from: 'retention: 30d', to: 'retension: 30d' }],
    expect: {
      check: KUBERNETES_VALUES,
      file: OUT.kubernetesValues,
      printed: /values\.yaml:\d+: prometheus\.prometheusSpec\.retension: unknown key \(did you mean "retention"\?\)/,
    },
  },
  {
    name: 'a boolean as a string',
    edits: [{ file: OUT.kubernetesValues, from: 'enabled: true', to: 'enabled: "true"' }],
    expect: { check: KUBERNETES_VALUES, printed: /grafana\.persistence\.enabled: the chart has a boolean here/ },
  },
]);
