/** contract/unknown-template-label: the table of broken expressions (the finding, its column, its message) and their correct counterparts. */
import { CONTRACT_UNKNOWN_TEMPLATE_LABEL } from '../../src/checks/contract-unknown-template-label.ts';
import { RECORD } from '../../src/conventions.ts';
import { type ContractCase, contractTable } from './contract-table.ts';

const CASES: ContractCase[] = [
  {
    name: 'annotation reads a label the per-service ratio aggregated away',
    expr: `${RECORD.errorsRate5mByService} > 0.01`,
    templates: { annotations: { summary: 'Errors on {{ $labels.route }}' } },
    expect: {
      check: CONTRACT_UNKNOWN_TEMPLATE_LABEL,
      column: 14,
      message:
        "annotations.summary: $labels.route is not returned by the alert's expression (it has: service); it renders as an empty string",
    },
  },
  {
    name: 'annotation reads the label the ratio keeps',
    expr: `${RECORD.errorsRate5mByService} > 0.01`,
    templates: { annotations: { summary: 'Errors on {{ $labels.service }} ({{ $value | humanizePercentage }})' } },
  },
  {
    name: 'index form, on an expression with no labels',
    expr: 'sum(rate(http_requests_total[5m])) > 1',
    templates: { annotations: { description: 'x {{- index $labels "service" }}' } },
    expect: {
      check: CONTRACT_UNKNOWN_TEMPLATE_LABEL,
      column: 7,
      message:
        'annotations.description: index $labels "service" is not returned by the alert\'s expression (it has: no labels); it renders as an empty string',
    },
  },
  {
    name: 'a static label is not in $labels',
    expr: `${RECORD.errorsRate5mByService} > 0.01`,
    templates: {
      labels: { severity: 'page' },
      annotations: { summary: '{{ $labels.severity }} on {{ .Labels.service }}' },
    },
    expect: {
      check: CONTRACT_UNKNOWN_TEMPLATE_LABEL,
      column: 4,
      message:
        "annotations.summary: $labels.severity is not returned by the alert's expression (it has: service); it renders as an empty string",
    },
  },
  {
    name: 'a label template reading a target label the metric has',
    expr: 'up{job="ghmon-services"} == 0',
    templates: { labels: { instance_down: '{{ $labels.instance }}' }, annotations: { note: '{{/* $labels.nope */}}' } },
  },
];

contractTable(CONTRACT_UNKNOWN_TEMPLATE_LABEL, CASES);
