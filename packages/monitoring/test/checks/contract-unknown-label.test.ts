/** contract/unknown-label: the table of broken expressions (the finding, its column, its message) and their correct counterparts. */
import { CONTRACT_UNKNOWN_LABEL } from '../../src/checks/contract-unknown-label.ts';
import { ALERT, RECORD } from '../../src/conventions.ts';
import { type ContractCase, contractTable } from './contract-table.ts';

const SEED_ENDPOINT = 'sum(rate(http_requests_total[5m])) by (endpoint)';

const CASES: ContractCase[] = [
  {
    name: "the seed's Python `endpoint` label",
    expr: SEED_ENDPOINT,
    expect: {
      check: CONTRACT_UNKNOWN_LABEL,
      column: SEED_ENDPOINT.indexOf('endpoint') + 1,
      message:
        'label "endpoint" is not produced by http_requests_total (it has: instance, job, method, route, service, status)',
    },
  },
  { name: 'the contract `route` label', expr: 'sum(rate(http_requests_total[5m])) by (route)' },
  {
    name: 'matcher on a label the metric does not have',
    expr: 'http_requests_total{endpoint="/login"}',
    expect: { check: CONTRACT_UNKNOWN_LABEL, column: 21 },
  },
  { name: 'matcher on a contract label', expr: 'http_requests_total{route="/login"}' },
  {
    name: 'without a label the input does not have',
    expr: 'sum without (endpoint) (rate(http_requests_total[5m]))',
    expect: { check: CONTRACT_UNKNOWN_LABEL, column: 14 },
  },
  { name: 'without a label the input has', expr: 'sum without (route) (rate(http_requests_total[5m]))' },
  {
    name: 'on(service) against a node_exporter metric',
    expr: 'sum by (service) (rate(http_requests_total[5m])) / on(service) node_load1',
    expect: {
      check: CONTRACT_UNKNOWN_LABEL,
      column: 55,
      message: 'label "service" is not produced by node_load1 (it has: instance, job)',
    },
  },
  {
    name: 'on(instance) against a node_exporter metric',
    expr: 'sum by (instance) (rate(http_requests_total[5m])) / on(instance) node_load1',
  },
  {
    name: 'group_left a label the one side does not have',
    expr: 'node_load1 * on(instance) group_left(kernel) node_uname_info',
    expect: { check: CONTRACT_UNKNOWN_LABEL, column: 38 },
  },
  {
    name: 'group_left a label the one side has',
    expr: 'node_load1 * on(instance) group_left(release) node_uname_info',
  },
  {
    name: 'ignoring a label neither side has',
    expr: 'node_load1 / ignoring(endpoint) node_load5',
    expect: { check: CONTRACT_UNKNOWN_LABEL, column: 23 },
  },
  {
    name: 'ignoring a label one side has',
    expr: 'sum by (service, status) (rate(http_requests_total[5m])) / ignoring(status) group_left sum by (service) (rate(http_requests_total[5m]))',
  },
  {
    name: 'grouping a recorded series by a label the recording dropped',
    expr: `sum by (method)(${RECORD.errorsRate5mByService})`,
    expect: {
      check: CONTRACT_UNKNOWN_LABEL,
      column: 9,
      message: `label "method" is not produced by ${RECORD.errorsRate5mByService} (it has: service)`,
    },
  },
  { name: 'grouping a recorded series by a label it kept', expr: `sum by (service)(${RECORD.errorsRate5mByService})` },
  {
    name: 'le after histogram_quantile',
    expr: `max by (le) (${RECORD.durationP95})`,
    expect: { check: CONTRACT_UNKNOWN_LABEL, column: 9 },
  },
  {
    name: 'CPU rule grouped by service (node_exporter has none)',
    expr: `${RECORD.cpuUsagePercent}{service="api"}`,
    expect: {
      check: CONTRACT_UNKNOWN_LABEL,
      column: 29,
      message: `label "service" is not produced by ${RECORD.cpuUsagePercent} (it has: instance)`,
    },
  },
  {
    name: 'label_replace from a label the input does not have',
    expr: 'label_replace(up, "host", "$1", "hostname", "(.*)")',
    expect: { check: CONTRACT_UNKNOWN_LABEL, column: 34 },
  },
  {
    name: 'label_replace adds its destination label',
    expr: 'sum by (host) (label_replace(up, "host", "$1", "instance", "([^:]+):.*"))',
  },
  { name: 'count_values adds its label', expr: 'sum by (build) (count_values("build", prometheus_build_info))' },
  {
    name: 'alert static labels are on ALERTS',
    expr: `ALERTS{alertname="${ALERT.highErrorRate}", severity="critical"}`,
  },
  {
    name: 'ALERTS label no alert has',
    expr: 'ALERTS{team="payments"}',
    expect: { check: CONTRACT_UNKNOWN_LABEL, column: 8 },
  },
  { name: 'unmodelled function: labels unknown, nothing reported', expr: 'sum by (anything) (info(up))' },
  { name: 'up carries the service target label', expr: 'up{service="api"} == 0' },
];

contractTable(CONTRACT_UNKNOWN_LABEL, CASES);
