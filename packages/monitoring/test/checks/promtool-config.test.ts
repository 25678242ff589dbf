/** promtool/config: `promtool check config` on prometheus/prometheus.yml. */
import { PROMTOOL_CONFIG, promtoolConfig } from '../../src/checks/promtool-config.ts';
import { outTable } from './out-table.ts';

outTable(promtoolConfig, [
  { name: 'the clean build' },
  {
    name: 'an invalid scrape interval',
    edits: [{ file: 'prometheus/prometheus.yml', from: 'scrape_interval: 15s', to: 'scrape_interval: 15x' }],
    expect: { check: PROMTOOL_CONFIG, file: 'prometheus/prometheus.yml', printed: /not a valid duration/ },
  },
  {
    name: 'an unknown top-level key',
    edits: [{ file: 'prometheus/prometheus.yml', from: 'scrape_configs:', to: 'scrape_config:' }],
    expect: { check: PROMTOOL_CONFIG, file: 'prometheus/prometheus.yml', printed: /field scrape_config not found/ },
  },
]);
