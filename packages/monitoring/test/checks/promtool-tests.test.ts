/** promtool/tests: `promtool test rules` on the generated alert unit tests (prometheus/tests/). */
import { PROMTOOL_TESTS, promtoolTests } from '../../src/checks/promtool-tests.ts';
import { FIXTURES } from '../helpers.ts';
import { outTable } from './out-table.ts';

// promtool runs every alert's unit tests (~15 s of CPU per case on Grey Haven): the minimal fixture has fewer.
outTable(
  promtoolTests,
  [
    { name: 'the clean build' },
    {
      name: 'HighErrorRate loosened to 50%',
      edits: [
        {
          file: 'prometheus/rules/golden-signals-alerts.yml',
          from: 'greyhaven:http_errors:rate5m:by_service > 0.01',
          to: 'greyhaven:http_errors:rate5m:by_service > 0.5',
        },
      ],
      expect: { check: PROMTOOL_TESTS, printed: /HighErrorRate/ },
    },
  ],
  { config: `${FIXTURES}minimal.config.ts`, timeoutMs: 180_000 },
);
