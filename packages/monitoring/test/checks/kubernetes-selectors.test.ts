/** kubernetes/selectors: the chart's Prometheus and Alertmanager select (and mount) what ghmon generates. */
import { KUBERNETES_SELECTORS, kubernetesSelectors } from '../../src/checks/kubernetes-selectors.ts';
import { OUT } from '../../src/conventions.ts';
import { outTable } from './out-table.ts';

outTable(kubernetesSelectors, [
  { name: 'the clean build' },
  {
    name: 'a PrometheusRule without the release label',
    edits: [
      {
        file: `${OUT.kubernetesRulesDir}/ghmon-golden-signals.yaml`,
        from: 'release: prometheus',
        to: 'release: prometheus-stack',
      },
    ],
    expect: {
      check: KUBERNETES_SELECTORS,
      printed:
        /PrometheusRule ghmon-golden-signals is not selected by the chart's Prometheus, whose ruleSelector for Helm release "prometheus" is release=prometheus/,
    },
  },
  {
    name: 'an admin password in values',
    edits: [{ file: OUT.kubernetesValues, from: 'grafana:\n', to: 'grafana:\n  adminPassword: changeme\n' }],
    expect: { check: KUBERNETES_SELECTORS, printed: /grafana\.adminPassword is set/ },
  },
]);
