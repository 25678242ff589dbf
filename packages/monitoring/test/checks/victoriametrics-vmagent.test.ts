/** victoriametrics/vmagent: vmagent -dryRun on the scrape config every vmagent member reads. */
import { VICTORIAMETRICS_VMAGENT, victoriaMetricsVmagent } from '../../src/checks/victoriametrics-vmagent.ts';
import { FIXTURES } from '../helpers.ts';
import { outTable } from './out-table.ts';

const FILE = 'victoriametrics/vmagent.yml';

outTable(
  victoriaMetricsVmagent,
  [
    { name: 'the clean build' },
    {
      name: 'an unknown field (vmagent parses strictly)',
      edits: [{ file: FILE, from: 'scrape_interval: 15s', to: 'scrape_intervall: 15s' }],
      expect: { check: VICTORIAMETRICS_VMAGENT, file: FILE, printed: /field scrape_intervall not found/ },
    },
    {
      name: 'a scrape interval that is no duration',
      edits: [{ file: FILE, from: 'scrape_interval: 15s', to: 'scrape_interval: fifteen' }],
      expect: { check: VICTORIAMETRICS_VMAGENT, file: FILE, printed: /fifteen/ },
    },
  ],
  { config: `${FIXTURES}scale.config.ts`, timeoutMs: 120_000 },
);
