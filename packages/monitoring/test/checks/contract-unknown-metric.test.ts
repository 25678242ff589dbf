/** contract/unknown-metric: the table of broken expressions (the finding, its column, its message) and their correct counterparts. */
import { CONTRACT_UNKNOWN_METRIC } from '../../src/checks/contract-unknown-metric.ts';
import { type ContractCase, contractTable } from './contract-table.ts';

const CASES: ContractCase[] = [
  {
    name: 'misspelt application metric',
    expr: 'sum(rate(http_request_total[5m]))',
    expect: {
      check: CONTRACT_UNKNOWN_METRIC,
      column: 10,
      message: 'unknown metric "http_request_total" (did you mean "http_requests_total"?)',
    },
  },
  { name: 'application metric spelt right', expr: 'sum(rate(http_requests_total[5m]))' },
  {
    name: 'misspelt node_exporter metric',
    expr: 'node_memory_MemAvailable_byte < 1e9',
    expect: {
      check: CONTRACT_UNKNOWN_METRIC,
      column: 1,
      message: 'unknown metric "node_memory_MemAvailable_byte" (did you mean "node_memory_MemAvailable_bytes"?)',
    },
  },
  { name: 'node_exporter metric spelt right', expr: 'node_memory_MemAvailable_bytes < 1e9' },
  {
    name: 'made-up metric, nothing close',
    expr: 'up + kafka_consumer_lag',
    expect: { check: CONTRACT_UNKNOWN_METRIC, column: 6, message: 'unknown metric "kafka_consumer_lag"' },
  },
  {
    name: 'metric named in a __name__ matcher',
    expr: '{__name__="http_request_total"}',
    expect: { check: CONTRACT_UNKNOWN_METRIC, column: 2 },
  },
  { name: 'Prometheus self-monitoring', expr: 'increase(prometheus_rule_evaluation_failures_total[5m]) > 0' },
  {
    name: 'Alertmanager metric',
    expr: 'rate(alertmanager_notifications_failed_total{integration="pagerduty"}[5m]) > 0',
  },
  { name: 'histogram series', expr: 'rate(http_request_duration_seconds_count[5m])' },
  {
    name: 'histogram family name is not a series',
    expr: 'rate(http_request_duration_seconds[5m])',
    expect: { check: CONTRACT_UNKNOWN_METRIC, column: 6 },
  },
];

contractTable(CONTRACT_UNKNOWN_METRIC, CASES);
