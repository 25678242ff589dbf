/**
 * The contract check (contract/*) as a whole: the seed passes clean; range windows against sample intervals,
 * template labels against what promtool renders, recording-rule chains, rule file positions; label inference is
 * pinned by a table; dashboard queries with Grafana variables are checked with columns in the original text.
 * Each id's own table of broken inputs and correct counterparts is in test/checks/contract-<id>.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CONTRACT_CHECK, checkContract, type QueryInput } from '../src/checks/contract.ts';
import { ALERT, GROUP, JOB, RECORD } from '../src/conventions.ts';
import { substituteGrafanaVariables } from '../src/promql/grafana-vars.ts';
import { knownSeries } from '../src/promql/known-metrics.ts';
import { labelsOf } from '../src/promql/labels.ts';
import { parsePromQL } from '../src/promql/parse.ts';
import { seriesResolver } from '../src/promql/recorded-series.ts';
import { targetLabelsFromPrometheusConfig } from '../src/promql/target-labels.ts';
import { APP_AND_NODE, CASE_GROUP, CASE_RECORD, promYml } from './checks/contract-table.ts';
import { ruleFile, SEED_ALERTS, SEED_RECORDS, seedRuleFiles } from './contract-fixtures.ts';
import { tempDir } from './helpers.ts';

describe('the seed', () => {
  it('has twelve recording rules and five alerts', () => {
    expect(Object.keys(SEED_RECORDS)).toHaveLength(12);
    expect(Object.keys(SEED_RECORDS)).toEqual(Object.keys(RECORD));
    expect(SEED_ALERTS.map((a) => a.alert)).toEqual(Object.values(ALERT));
  });

  it('passes clean', () => {
    expect(checkContract(seedRuleFiles())).toEqual([]);
  });

  it('passes clean with its dashboard queries', () => {
    const queries: QueryInput[] = [
      `${RECORD.rps}`,
      `${RECORD.errorsRate5m} * 100`,
      `${RECORD.durationP50} * 1000`,
      `${RECORD.durationP95} * 1000`,
      `${RECORD.durationP99} * 1000`,
      `${RECORD.cpuUsagePercent}`,
      `${RECORD.memoryUsagePercent}`,
    ].map((expr, i) => ({ file: 'grafana/golden-signals.json', where: `panel ${i}`, expr }));
    expect(checkContract(seedRuleFiles(), queries)).toEqual([]);
  });
});

describe('range windows against sample intervals', () => {
  const grouped = (interval: string) =>
    stringify({
      groups: [
        { name: 'slow', interval, rules: [{ record: 'greyhaven:test:slow', expr: 'sum(node_load1)' }] },
        { name: 'reader', rules: [{ alert: 'SlowRising', expr: 'deriv(greyhaven:test:slow[3m]) > 0' }] },
      ],
    });
  const check = (content: string, prometheusConfig?: string) =>
    checkContract(
      [{ path: 'prometheus/rules/slow.yml', content }],
      [],
      prometheusConfig === undefined ? {} : { prometheusConfig },
    );

  it("a recorded series is read at its group's own interval", () => {
    const findings = check(grouped('2m'), promYml('15s', APP_AND_NODE));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: CONTRACT_CHECK.rangeTooShort, group: 'reader', rule: 'SlowRising' });
    expect(findings[0]?.message).toContain('gets a sample every 2m (group "slow" interval)');
    expect(check(grouped('1m'), promYml('15s', APP_AND_NODE))).toEqual([]);
  });

  it('says nothing without prometheus.yml (the intervals are unknown)', () => {
    expect(check(grouped('2m'))).toEqual([]);
  });

  it("Prometheus' 1m default applies where prometheus.yml sets no interval", () => {
    const findings = check(
      stringify({ groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'rate(node_load1[90s]) > 0' }] }] }),
      stringify({ scrape_configs: [{ job_name: JOB.nodeExporter, static_configs: [{ targets: ['x:1'] }] }] }),
    );
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringContaining('rate() over [90s] of node_load1, which gets a sample every 1m (job "node-exporter")'),
    ]);
  });
});

describe('template labels, against what Prometheus renders', () => {
  it('reports exactly the references promtool renders empty', () => {
    const summary = 'svc=[{{ $labels.service }}] route=[{{ $labels.route }}] sev=[{{ index $labels "severity" }}]';
    const rules = stringify({
      groups: [
        {
          name: 'templates',
          rules: [
            {
              alert: 'ServiceBusy',
              expr: 'sum by (service) (rate(http_requests_total[5m])) > 0',
              labels: { severity: 'page', owner: 'team-{{ $labels.service }}' },
              annotations: {
                summary,
              },
            },
          ],
        },
      ],
    });
    const findings = checkContract([{ path: 'prometheus/rules/templates.yml', content: rules }]);
    expect(findings.map((f) => [f.check, f.column, f.message?.split(':')[1]?.trim()])).toEqual([
      [
        CONTRACT_CHECK.unknownTemplateLabel,
        summary.indexOf('$labels.route') + 1,
        "$labels.route is not returned by the alert's expression (it has",
      ],
      [
        CONTRACT_CHECK.unknownTemplateLabel,
        summary.indexOf('index $labels') + 1,
        'index $labels "severity" is not returned by the alert\'s expression (it has',
      ],
    ]);
    expect(findings.every((f) => f.line === 10)).toBe(true);

    // promtool evaluates the same rule: the two references the check names render empty, the other one does not.
    const dir = tempDir('ghmon-contract-templates-');
    try {
      writeFileSync(join(dir, 'rules.yml'), rules);
      writeFileSync(
        join(dir, 'test.yml'),
        stringify({
          rule_files: ['rules.yml'],
          evaluation_interval: '1m',
          tests: [
            {
              interval: '1m',
              input_series: [
                {
                  series: 'http_requests_total{service="api",route="/a",method="GET",status="200"}',
                  values: '0+60x10',
                },
              ],
              alert_rule_test: [
                {
                  eval_time: '6m',
                  alertname: 'ServiceBusy',
                  exp_alerts: [
                    {
                      exp_labels: { service: 'api', severity: 'page', owner: 'team-api' },
                      exp_annotations: { summary: 'svc=[api] route=[] sev=[]' },
                    },
                  ],
                },
              ],
            },
          ],
        }),
      );
      const r = spawnSync('promtool', ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('recording rules reading recording rules', () => {
  const chain = (order: 'forward' | 'backward') => {
    const files = [
      ruleFile('a', 'a', [
        { record: 'greyhaven:test_requests:rate5m', expr: 'sum by (service, route) (rate(http_requests_total[5m]))' },
      ]),
      ruleFile('b', 'b', [
        { record: 'greyhaven:test_requests:by_route', expr: 'sum by (route) (greyhaven:test_requests:rate5m)' },
      ]),
      ruleFile('c', 'c', [
        {
          alert: 'TestRouteHot',
          expr: 'greyhaven:test_requests:by_route{route="/login"} > 100',
          labels: { severity: 'info' },
        },
      ]),
    ];
    return order === 'forward' ? files : files.reverse();
  };

  it('resolves a chain in any file order', () => {
    expect(checkContract(chain('forward'))).toEqual([]);
    expect(checkContract(chain('backward'))).toEqual([]);
  });

  it('catches a label dropped two rules up the chain', () => {
    const files = [
      ...chain('backward'),
      ruleFile('d', 'd', [{ alert: 'TestServiceHot', expr: 'greyhaven:test_requests:by_route{service="api"} > 1' }]),
    ];
    expect(checkContract(files)).toMatchObject([
      {
        check: CONTRACT_CHECK.unknownLabel,
        rule: 'TestServiceHot',
        column: 34,
        message: 'label "service" is not produced by greyhaven:test_requests:by_route (it has: route)',
      },
    ]);
  });

  it('adds a rule’s static labels to its series', () => {
    const files = [
      ruleFile('a', 'a', [{ record: 'greyhaven:test:static', expr: 'vector(1)', labels: { tier: 'gold' } }]),
      ruleFile('b', 'b', [{ alert: 'TestStatic', expr: 'greyhaven:test:static{tier="gold"} > 0' }]),
    ];
    expect(checkContract(files)).toEqual([]);
  });

  it('reads static labels written as a YAML alias', () => {
    const content = [
      'groups:',
      '  - name: a',
      '    rules:',
      '      - record: greyhaven:test:one',
      '        expr: vector(1)',
      '        labels: &common {slo: availability}',
      '      - record: greyhaven:test:two',
      '        expr: vector(2)',
      '        labels: *common',
      '      - alert: TestAlias',
      '        expr: greyhaven:test:two{slo="availability"} > 0',
    ].join('\n');
    expect(checkContract([{ path: 'prometheus/rules/alias.yml', content }])).toEqual([]);
  });

  it('terminates on rules that read each other', () => {
    const files = [
      ruleFile('a', 'a', [
        { record: 'greyhaven:test:a', expr: 'greyhaven:test:b or sum by (job) (up)' },
        { record: 'greyhaven:test:b', expr: 'greyhaven:test:a or sum by (instance) (up)' },
      ]),
    ];
    expect(checkContract(files)).toEqual([]);
    const reader = ruleFile('b', 'b', [
      { alert: 'TestCycle', expr: 'sum by (job, instance, route) (greyhaven:test:a) > 0' },
    ]);
    expect(checkContract([...files, reader])).toMatchObject([{ check: CONTRACT_CHECK.unknownLabel, column: 24 }]);
  });
});

describe('rule file positions and bad YAML', () => {
  it('gives the line of the rule’s expr', () => {
    const content = [
      'groups:',
      `  - name: ${GROUP.errors}`,
      '    rules:',
      `      - record: ${RECORD.errorsRate5m}`,
      `        expr: ${SEED_RECORDS.errorsRate5m.replace(/\n/g, ' ')}`,
      '      - record: greyhaven:test:by_endpoint',
      '        expr: |',
      '          sum(rate(http_requests_total[5m]))',
      '            by (endpoint)',
    ].join('\n');
    const findings = checkContract([{ path: 'prometheus/rules/errors.yml', content }]);
    expect(findings).toMatchObject([
      {
        check: CONTRACT_CHECK.unknownLabel,
        file: 'prometheus/rules/errors.yml',
        group: GROUP.errors,
        rule: 'greyhaven:test:by_endpoint',
        line: 7,
        column: 42,
      },
    ]);
  });

  it.each([
    ['not YAML', 'groups: [\n  - name: x\n', 'not valid YAML'],
    ['not a rule file', 'rules: []\n', 'not a rule file'],
    ['rule without expr', 'groups:\n  - name: x\n    rules:\n      - record: a\n', 'rule has no `expr`'],
  ])('reports %s as a parse error, without throwing', (_name, content, message) => {
    const findings = checkContract([{ path: 'prometheus/rules/bad.yml', content }, ...seedRuleFiles()]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: CONTRACT_CHECK.parseError, file: 'prometheus/rules/bad.yml' });
    expect(findings[0]?.message).toContain(message);
    expect(findings[0]?.line).toBeTypeOf('number');
  });

  it('accepts an empty rule file', () => {
    expect(checkContract([{ path: 'prometheus/rules/empty.yml', content: '' }])).toEqual([]);
  });
});

describe('dashboard queries', () => {
  const query = (expr: string): QueryInput => ({ file: 'grafana/service.json', where: 'Requests by route', expr });

  it.each([
    'sum by (route) (rate(http_requests_total{service="$service"}[$__rate_interval]))',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's ${var} syntax, not a JS template
    'sum by (route) (rate(http_requests_total{service=~"${service:regex}"}[${__rate_interval}]))',
    'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="$service"}[$__interval])))',
    'topk($limit, sum by (route) (increase(http_requests_total{service="[[service]]"}[$__range])))',
    `${RECORD.errorsRate5mByService}{service="$service"} > $threshold`,
  ])('passes: %s', (expr) => {
    expect(checkContract(seedRuleFiles(), [query(expr)])).toEqual([]);
  });

  it('reports a wrong label at its column in the original query', () => {
    const expr = 'sum by (endpoint) (rate(http_requests_total{service="$service"}[$__rate_interval]))';
    expect(checkContract(seedRuleFiles(), [query(expr)])).toEqual([
      {
        check: CONTRACT_CHECK.unknownLabel,
        severity: 'error',
        file: 'grafana/service.json',
        rule: 'Requests by route',
        column: 9,
        message:
          'label "endpoint" is not produced by http_requests_total (it has: instance, job, method, route, service, status)',
      },
    ]);
  });

  it('reports a misspelt metric after a variable at its original column', () => {
    const expr = 'rate(http_requests_total[$__rate_interval]) / rate(http_request_total[$__rate_interval])';
    expect(checkContract([], [query(expr)])).toMatchObject([
      { check: CONTRACT_CHECK.unknownMetric, column: expr.indexOf('http_request_total') + 1 },
    ]);
  });

  it('explains a variable where PromQL needs a name', () => {
    expect(checkContract([], [query('sum by ($group) (up)')])).toMatchObject([
      {
        check: CONTRACT_CHECK.parseError,
        column: 9,
        message: expect.stringContaining('Grafana variable $group'),
      },
    ]);
  });

  it('substitutes variables outside strings only, keeping every offset', () => {
    const q = 'rate(x{a="$a"}[$__rate_interval]) > $t';
    const out = substituteGrafanaVariables(q);
    expect(out).toHaveLength(q.length);
    expect(out).toBe('rate(x{a="$a"}[5m              ]) > 1 ');
  });
});

describe('target labels from prometheus.yml', () => {
  const prometheusConfig = [
    'scrape_configs:',
    `  - job_name: ${JOB.nodeExporter}`,
    '    static_configs:',
    '      - targets: [localhost:9100]',
    '  - job_name: api',
    '    static_configs:',
    '      - targets: [api:8080]',
    '        labels: {service: api, team: platform}',
    '    relabel_configs:',
    '      - source_labels: [__address__]',
    '        target_label: pod',
    '      - regex: tmp_.*',
    '        action: labeldrop',
  ].join('\n');

  it('reads static labels and relabel targets per kind of job', () => {
    expect(targetLabelsFromPrometheusConfig(prometheusConfig)).toEqual({
      node_exporter: [],
      application: ['pod', 'service', 'team'],
      scrape: ['pod', 'service', 'team'],
    });
    expect(targetLabelsFromPrometheusConfig('scrape_configs: [')).toEqual({});
  });

  it.each<[string, 'passes' | 'fails']>([
    ['sum by (team) (rate(http_requests_total[5m]))', 'passes'],
    ['count by (pod) (up == 0)', 'passes'],
    ['sum by (team) (node_load1)', 'fails'],
  ])('%s: unknown label without the scrape config; with it, %s', (expr, withConfig) => {
    const file = ruleFile('case', CASE_GROUP, [{ record: CASE_RECORD, expr }]);
    expect(checkContract([file])).toMatchObject([{ check: CONTRACT_CHECK.unknownLabel }]);
    expect(checkContract([file], [], { prometheusConfig })).toHaveLength(withConfig === 'passes' ? 0 : 1);
  });
});

describe('labelsOf', () => {
  const resolve = seriesResolver(new Map([['greyhaven:test:by_service', new Set(['service'])]]), knownSeries());
  const labels = (expr: string) => {
    const parsed = parsePromQL(expr);
    expect(parsed.error).toBeUndefined();
    const out = labelsOf(parsed.tree.topNode, { expr, seriesLabels: resolve });
    return out === 'unknown' ? out : [...out].sort();
  };
  const HTTP = ['instance', 'job', 'method', 'route', 'service', 'status'];

  it.each<[string, string[] | 'unknown']>([
    ['http_requests_total', ['__name__', ...HTTP]],
    ['http_request_duration_seconds_bucket', ['__name__', ...HTTP, 'le'].sort()],
    ['node_cpu_seconds_total', ['__name__', 'cpu', 'instance', 'job', 'mode']],
    ['greyhaven:test:by_service', ['__name__', 'service']],
    ['rate(http_requests_total[5m])', HTTP],
    ['sum by (service) (rate(http_requests_total[5m]))', ['service']],
    ['sum(rate(http_requests_total[5m])) by (service, route)', ['route', 'service']],
    ['sum without (route, instance) (rate(http_requests_total[5m]))', ['job', 'method', 'service', 'status']],
    ['sum(http_requests_total)', []],
    ['count_values("v", up)', ['v']],
    ['count_values("v", up) by (job)', ['job', 'v']],
    ['topk by (service) (3, http_requests_total)', ['__name__', ...HTTP]],
    ['histogram_quantile(0.9, sum by (le, service) (rate(http_request_duration_seconds_bucket[5m])))', ['service']],
    ['label_replace(node_load1, "host", "$1", "instance", "(.*):.*")', ['__name__', 'host', 'instance', 'job']],
    ['label_join(node_load1, "both", "/", "job", "instance")', ['__name__', 'both', 'instance', 'job']],
    ['vector(1)', []],
    ['time()', []],
    ['42', []],
    ['absent(up{job="node-exporter", instance=~"x.*"})', ['job']],
    ['absent_over_time(up{job="node-exporter"}[5m])', ['job']],
    ['-node_load1', ['instance', 'job']],
    ['abs(node_load1)', ['instance', 'job']],
    ['node_load1 > 1', ['__name__', 'instance', 'job']],
    ['node_load1 > bool 1', ['instance', 'job']],
    ['node_load1 * 2', ['instance', 'job']],
    ['node_load1 / node_load5', ['instance', 'job']],
    ['node_load1 > node_load5', ['__name__', 'instance', 'job']],
    ['node_load1 / on(instance) node_load5', ['instance']],
    ['node_load1 / ignoring(job) node_load5', ['instance']],
    ['node_load1 * on(instance) group_left(release) node_uname_info', ['instance', 'job', 'release']],
    ['node_uname_info * on(instance) group_right(release) node_load1', ['instance', 'job', 'release']],
    ['node_load1 and node_load5', ['__name__', 'instance', 'job']],
    ['node_load1 unless on(instance) up', ['__name__', 'instance', 'job']],
    ['node_cpu_seconds_total or node_load1', ['__name__', 'cpu', 'instance', 'job', 'mode']],
    ['max_over_time(node_load1[1h])', ['instance', 'job']],
    ['last_over_time(node_load1[1h])', ['__name__', 'instance', 'job']],
    ['max_over_time(rate(node_cpu_seconds_total[5m])[1h:5m])', ['cpu', 'instance', 'job', 'mode']],
    ['(node_load1 offset 5m)', ['__name__', 'instance', 'job']],
    ['sort_desc(node_load1)', ['__name__', 'instance', 'job']],
    ['hour()', []],
    ['info(up)', 'unknown'],
    ['kafka_consumer_lag', 'unknown'],
    ['sum by (service) (kafka_consumer_lag)', ['service']],
  ])('%s', (expr, expected) => {
    expect(labels(expr)).toEqual(expected);
  });
});

describe('documentation', () => {
  it('lists every check id in docs/checks/contract.md', () => {
    const doc = readFileSync(new URL('../../../docs/checks/contract.md', import.meta.url), 'utf8');
    for (const id of Object.values(CONTRACT_CHECK)) expect(doc).toContain(`\`${id}\``);
  });
});
