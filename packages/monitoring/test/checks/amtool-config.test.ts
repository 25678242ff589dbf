/** amtool/config: `amtool check-config` on alertmanager/alertmanager.yml. */
import { AMTOOL_CONFIG, amtoolConfig } from '../../src/checks/amtool-config.ts';
import { outTable } from './out-table.ts';

const CONFIG = 'alertmanager/alertmanager.yml';

outTable(amtoolConfig, [
  { name: 'the clean build' },
  {
    name: 'a route to a receiver that does not exist',
    edits: [{ file: CONFIG, from: 'receiver: pagerduty-page', to: 'receiver: pagerduty-pages' }],
    expect: { check: AMTOOL_CONFIG, printed: /undefined receiver "pagerduty-pages"/ },
  },
  {
    name: 'a receiver without a name',
    edits: [{ file: CONFIG, from: '- name: pagerduty-page\n', to: '- name: ""\n' }],
    expect: { check: AMTOOL_CONFIG, printed: /missing name in receiver|undefined receiver/ },
  },
]);
