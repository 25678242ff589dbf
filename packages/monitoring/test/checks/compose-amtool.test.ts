/** compose/amtool: `amtool check-config` on the Alertmanager config as the Compose container mounts it. */
import { COMPOSE_AMTOOL, composeAmtool } from '../../src/checks/compose-amtool.ts';
import { outTable } from './out-table.ts';

outTable(composeAmtool, [
  { name: 'the clean build' },
  {
    name: 'an Alertmanager started on a config it does not mount',
    edits: [
      {
        file: 'compose/docker-compose.yml',
        from: '--config.file=/etc/alertmanager/alertmanager.yml',
        to: '--config.file=/etc/alertmanager/config.yml',
      },
    ],
    expect: {
      check: COMPOSE_AMTOOL,
      file: 'compose/docker-compose.yml',
      printed: /services\.alertmanager: --config\.file=\/etc\/alertmanager\/config\.yml is not among its mounts/,
    },
  },
  {
    name: 'a route to a receiver that does not exist, in the config Compose mounts',
    edits: [
      {
        file: 'compose/alertmanager/alertmanager.yml',
        from: 'receiver: pagerduty-page',
        to: 'receiver: pagerduty-pages',
      },
    ],
    expect: { check: COMPOSE_AMTOOL, printed: /undefined receiver "pagerduty-pages"/ },
  },
]);
