/** victoriametrics/vmalert: vmalert -dryRun on the vmalert copy of the rules, and that copy equal to prometheus/rules/. */
import { VICTORIAMETRICS_VMALERT, victoriaMetricsVmalert } from '../../src/checks/victoriametrics-vmalert.ts';
import { FIXTURES } from '../helpers.ts';
import { outTable } from './out-table.ts';

const VM = 'victoriametrics/rules/golden-signals-alerts.yml';

outTable(
  victoriaMetricsVmalert,
  [
    { name: 'the clean build' },
    {
      name: 'keep_firing_for left in (vmalert 1.79 refuses the file)',
      edits: [{ file: VM, from: /(\n(\s+)- alert: HighErrorRate\n)/, to: '$1$2  keep_firing_for: 10m\n' }],
      expect: {
        check: VICTORIAMETRICS_VMALERT,
        file: VM,
        printed: /HighErrorRate"?: unknown fields in rule: keep_firing_for/,
      },
    },
    {
      name: 'an expression MetricsQL cannot parse',
      edits: [
        {
          file: VM,
          from: 'greyhaven:http_errors:rate5m:by_service > 0.01',
          to: 'greyhaven:http_errors:rate5m:by_service >',
        },
      ],
      expect: { check: VICTORIAMETRICS_VMALERT, printed: /HighErrorRate|cannot parse|expression/ },
    },
    {
      name: 'a threshold changed in the vmalert copy only',
      edits: [
        {
          file: VM,
          from: 'greyhaven:http_errors:rate5m:by_service > 0.01',
          to: 'greyhaven:http_errors:rate5m:by_service > 0.05',
        },
      ],
      expect: {
        check: VICTORIAMETRICS_VMALERT,
        file: VM,
        printed: /rule HighErrorRate differs from prometheus\/rules\/golden-signals-alerts\.yml/,
      },
    },
    {
      name: 'a group renamed on one side',
      edits: [
        {
          file: 'prometheus/rules/golden-signals.yml',
          from: '- name: golden_signals_errors\n',
          to: '- name: golden_signals_errors_v2\n',
        },
      ],
      expect: {
        check: VICTORIAMETRICS_VMALERT,
        file: 'victoriametrics/rules/golden-signals.yml',
        printed: /group golden_signals_errors_v2 is missing/,
      },
    },
  ],
  { config: `${FIXTURES}scale.config.ts`, timeoutMs: 120_000 },
);
