/** victoriametrics/values: every key of the VictoriaMetrics Helm values exists in the vendored chart's values. */
import { VICTORIAMETRICS_VALUES, victoriaMetricsValues } from '../../src/checks/victoriametrics-values.ts';
import { FIXTURES } from '../helpers.ts';
import { outTable } from './out-table.ts';

const AGENT = 'victoriametrics/kubernetes/vmagent-values.yaml';
const ALERT = 'victoriametrics/kubernetes/vmalert-values.yaml';

outTable(
  victoriaMetricsValues,
  [
    { name: 'the clean build' },
    {
      name: 'a key in the wrong case (statefulset)',
      edits: [{ file: AGENT, from: 'statefulSet:', to: 'statefulset:' }],
      expect: {
        check: VICTORIAMETRICS_VALUES,
        file: AGENT,
        printed: /statefulset: unknown key \(did you mean "statefulSet"\?\).*victoria-metrics-agent 0\.46\.0/,
      },
    },
    {
      name: 'a number where the chart has a map',
      edits: [{ file: ALERT, from: /datasource:\n\s+url: \S+/, to: 'datasource: 8428' }],
      expect: { check: VICTORIAMETRICS_VALUES, file: ALERT, printed: /server\.datasource: the chart has a map here/ },
    },
    {
      name: 'vmalert values at the top level instead of under server',
      edits: [{ file: ALERT, from: /^server:\n {2}replicaCount/m, to: 'replicaCount: 2\nserver:\n  replicaCount' }],
      expect: { check: VICTORIAMETRICS_VALUES, file: ALERT, printed: /^.*:3: replicaCount: unknown key/ },
    },
  ],
  { config: `${FIXTURES}scale.config.ts` },
);
