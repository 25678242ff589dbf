/** workers/scraped: a scrape job whose targets are Cloudflare Workers (`runtime: workers`) is an error. */
import { WORKERS_SCRAPED, workersScraped } from '../../src/checks/workers-scraped.ts';
import { outTable } from './out-table.ts';

outTable(workersScraped, [
  { name: 'the clean build' },
  {
    name: 'a scraped job whose targets are Cloudflare Workers',
    edits: [{ file: 'prometheus/prometheus.yml', from: 'runtime: python', to: 'runtime: workers' }],
    expect: {
      check: WORKERS_SCRAPED,
      file: 'prometheus/prometheus.yml',
      printed:
        /prometheus\/prometheus\.yml:\d+: job "backend" \(service "backend"\) scrapes a Cloudflare Worker at backend\.greyhaven\.internal:8000: .*`push: \{ protocol: 'remote-write' \}`/,
    },
  },
]);
