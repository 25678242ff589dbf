/** kubernetes/promtool: `promtool check rules` on the PrometheusRules, `check config` on additional scrape configs. */
import { KUBERNETES_PROMTOOL, kubernetesPromtool } from '../../src/checks/kubernetes-promtool.ts';
import { OUT } from '../../src/conventions.ts';
import { outTable } from './out-table.ts';

outTable(kubernetesPromtool, [
  { name: 'the clean build' },
  {
    name: 'a rule that does not parse',
    edits: [
      {
        file: `${OUT.kubernetesRulesDir}/ghmon-golden-signals.yaml`,
        from: 'sum(rate(http_requests_total[1m]))',
        to: 'sum(rate(http_requests_total[1m])',
      },
    ],
    expect: { check: KUBERNETES_PROMTOOL, printed: /ghmon-golden-signals\.yaml: .*unclosed left parenthesis/ },
  },
  {
    // Grey Haven has no job outside the cluster (its Workers `api` pushes): one is added, broken.
    name: 'a bad additional scrape config',
    edits: [
      {
        file: OUT.kubernetesValues,
        from: '    enableRemoteWriteReceiver: true\n',
        to: '    enableRemoteWriteReceiver: true\n    additionalScrapeConfigs:\n      - job_name: edge\n        scrape_interval: 15x\n        static_configs:\n          - targets: [edge.example.com:443]\n',
      },
    ],
    expect: { check: KUBERNETES_PROMTOOL, printed: /additionalScrapeConfigs: .*not a valid duration/ },
  },
]);
