/** compose/schema: compose/docker-compose.yml against the Compose specification, its mounts and secrets. */
import { COMPOSE_SCHEMA, composeSchema } from '../../src/checks/compose-schema.ts';
import { outTable } from './out-table.ts';

const COMPOSE = 'compose/docker-compose.yml';

outTable(composeSchema, [
  { name: 'the clean build' },
  {
    name: 'a misspelt service key',
    edits: [{ file: COMPOSE, from: 'image: prom/alertmanager:', to: 'imgae: prom/alertmanager:' }],
    expect: {
      check: COMPOSE_SCHEMA,
      printed: /services\.alertmanager: must NOT have additional properties "imgae" \(Compose specification\)/,
    },
  },
  {
    name: 'a mount of a file that does not exist',
    edits: [{ file: COMPOSE, from: './alertmanager/alertmanager.yml:', to: './alertmanager/am.yml:' }],
    expect: {
      check: COMPOSE_SCHEMA,
      printed: /services\.alertmanager: mounts \.\/alertmanager\/am\.yml, which does not exist \(from compose\/\)/,
    },
  },
  {
    name: 'a Prometheus that no longer mounts the token its scrape config reads',
    edits: [{ file: COMPOSE, from: /\n\s+- ghmon-metrics-token-backend\.token/, to: '' }],
    expect: { check: COMPOSE_SCHEMA, printed: /does not mount secret "ghmon-metrics-token-backend\.token"/ },
  },
]);
