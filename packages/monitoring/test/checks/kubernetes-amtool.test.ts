/** kubernetes/amtool: the Alertmanager config in values.yaml, merged as Helm does, through amtool (config and routes). */
import { KUBERNETES_AMTOOL, kubernetesAmtool } from '../../src/checks/kubernetes-amtool.ts';
import { OUT } from '../../src/conventions.ts';
import { outTable } from './out-table.ts';

outTable(kubernetesAmtool, [
  { name: 'the clean build' },
  {
    name: 'a route to a missing receiver',
    edits: [{ file: OUT.kubernetesValues, from: 'receiver: pagerduty-page', to: 'receiver: pagerduty-pages' }],
    expect: { check: KUBERNETES_AMTOOL, printed: /alertmanager\.config: .*undefined receiver "pagerduty-pages"/ },
  },
  {
    name: 'the tickets routed to the empty dead-man receiver',
    edits: [
      {
        file: OUT.kubernetesValues,
        from: /- receiver: pagerduty-ticket\n(\s+)matchers:\n\s+- severity="warning"/,
        to: '- receiver: deadmans-switch\n$1matchers:\n$1  - severity="warning"',
      },
    ],
    expect: {
      check: KUBERNETES_AMTOOL,
      printed:
        /prometheusrules\/ghmon-golden-signals-alerts\.yaml:golden_signals_alerts:HighLatencyP95: \{alertname="HighLatencyP95", severity="warning"\} routes to "deadmans-switch", which has no integration/,
    },
  },
]);
