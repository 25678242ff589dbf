/** contract/range-too-short: the table of broken expressions (the finding, its column, its message) and their correct counterparts. */
import { CONTRACT_RANGE_TOO_SHORT } from '../../src/checks/contract-range-too-short.ts';
import { JOB, RECORD } from '../../src/conventions.ts';
import { APP_AND_NODE, type ContractCase, contractTable, promYml } from './contract-table.ts';

const CASES: ContractCase[] = [
  {
    // (The seed's own greyhaven:http_rps reads http_requests_total[1m]: application jobs stay at 15s here.)
    name: 'a 1m rate of series scraped every 1m',
    expr: 'sum(rate(node_cpu_seconds_total[1m])) > 0',
    prometheusConfig: promYml('1m', { api: '15s', [JOB.nodeExporter]: undefined }),
    expect: {
      check: CONTRACT_RANGE_TOO_SHORT,
      column: 33,
      message:
        'rate() over [1m] of node_cpu_seconds_total, which gets a sample every 1m (job "node-exporter"): rate needs two samples in its window and one shorter than two intervals often holds one (an empty result, an alert that cannot fire); use at least [2m] ([4m] is safer)',
    },
  },
  {
    name: 'the same rate at the seed 15s interval',
    expr: 'sum(rate(node_cpu_seconds_total[1m])) > 0',
    prometheusConfig: promYml('15s', APP_AND_NODE),
  },
  {
    name: "a job's own longer interval, through offset",
    expr: `increase(node_cpu_seconds_total[3m] offset 5m) > 0`,
    prometheusConfig: promYml('15s', { api: undefined, [JOB.nodeExporter]: '2m' }),
    expect: {
      check: CONTRACT_RANGE_TOO_SHORT,
      column: 33,
      message:
        'increase() over [3m] of node_cpu_seconds_total, which gets a sample every 2m (job "node-exporter"): increase needs two samples in its window and one shorter than two intervals often holds one (an empty result, an alert that cannot fire); use at least [4m] ([8m] is safer)',
    },
  },
  {
    name: 'a recorded series read at the evaluation interval',
    expr: `deriv(${RECORD.rps}[30s]) > 0`,
    prometheusConfig: promYml('15s', APP_AND_NODE, '30s'),
    expect: { check: CONTRACT_RANGE_TOO_SHORT, column: 26 },
  },
  {
    name: '*_over_time and subqueries are not rate-like',
    expr: `avg_over_time(node_load1[1m]) > 0 or rate(${RECORD.cpuUsagePercent}[1m:10s]) > 0`,
    prometheusConfig: promYml('1m', { api: '15s', [JOB.nodeExporter]: undefined }, '1m'),
  },
];

contractTable(CONTRACT_RANGE_TOO_SHORT, CASES);
