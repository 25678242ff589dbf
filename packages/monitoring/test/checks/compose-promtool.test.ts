/** compose/promtool: `promtool check config` on the Prometheus config as the Compose container mounts it. */
import { COMPOSE_PROMTOOL, composePromtool } from '../../src/checks/compose-promtool.ts';
import { outTable } from './out-table.ts';

const COMPOSE = 'compose/docker-compose.yml';

outTable(composePromtool, [
  { name: 'the clean build' },
  {
    name: 'the rules mounted where Prometheus does not look',
    edits: [
      {
        file: COMPOSE,
        from: '../prometheus/rules:/etc/prometheus/rules:ro',
        to: '../prometheus/rules:/etc/prometheus/alerting-rules:ro',
      },
    ],
    expect: {
      check: COMPOSE_PROMTOOL,
      file: 'compose/prometheus/prometheus.yml',
      printed: /no rule file found through the mounts: Prometheus would run without rules/,
    },
  },
  {
    name: 'an invalid scrape interval in the mounted config',
    edits: [{ file: 'compose/prometheus/prometheus.yml', from: 'scrape_interval: 15s', to: 'scrape_interval: 15x' }],
    expect: { check: COMPOSE_PROMTOOL, printed: /not a valid duration/ },
  },
]);
