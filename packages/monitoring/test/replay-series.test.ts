/**
 * The scenario generators produce promtool input that promtool accepts and that says what the scenario says:
 * each scenario's series are loaded by the real promtool and checked with PromQL at a moment of the incident.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  APPLICATION_METRICS,
  HTTP_DURATION_BUCKETS,
  HTTP_LABELS,
  SERVICE_LABEL,
  seriesNames,
} from '@greyhaven/metric-contract';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadRuleSet } from '../src/replay/ruleset.ts';
import { SCENARIOS, scenarioById } from '../src/replay/scenarios.ts';
import {
  generateSeries,
  NODE_CPU_SECONDS,
  NODE_MEM_AVAILABLE,
  NODE_MEM_TOTAL,
  type Sample,
  sampleCount,
  type Targets,
  targetsFromPrometheusConfig,
  UP,
  withPushServices,
} from '../src/replay/series.ts';
import { findBinary, runTool } from '../src/util/tool.ts';
import { GOLDEN_DIR } from './golden.ts';
import { tempDir } from './helpers.ts';

/** Grey Haven's targets: the scraped ones of the golden prometheus.yml, plus the services that push (the rules name them). */
const goldenRules = join(GOLDEN_DIR, 'greyhaven/prometheus/rules');
const targets = withPushServices(
  targetsFromPrometheusConfig(readFileSync(join(GOLDEN_DIR, 'greyhaven/prometheus/prometheus.yml'), 'utf8')) as Targets,
  loadRuleSet(
    'golden',
    'golden',
    readdirSync(goldenRules).map((f) => join(goldenRules, f)),
  ).services,
);
/** The service the incidents hit (the first scraped one) and another, healthy one (scraped or pushing). */
const INC = targets.incidentService;
const OTHER = [...targets.app, ...(targets.push ?? [])]
  .map((t) => t.labels[SERVICE_LABEL] as string)
  .find((s) => s !== INC) as string;
const timeline = { step: 15, warmup: 3600 };
const ONSET = timeline.warmup;
const MIN = 60;

const ratio = (sel: string, w = '5m') =>
  `sum by (service) (rate(http_requests_total{${sel}status=~"5.."}[${w}])) / sum by (service) (rate(http_requests_total{${sel}}[${w}]))`;
/** 1 if `expr` is within 1e-9 of `value` (promtool compares floats exactly), with expr's labels. */
const near = (expr: string, value: number) => `abs((${expr}) - ${value}) < bool 1e-9`;

interface Check {
  at: number;
  expr: string;
  exp: { labels: string; value: number }[];
}

const api = `{service="${INC}"}`;
const inc = (value: number) => [{ labels: api, value }];
const both = (a: number, b: number) => [
  { labels: api, value: a },
  { labels: `{service="${OTHER}"}`, value: b },
];
const p95 = `histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket{service="${INC}"}[5m])))`;
const p99 = `histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket{service="${INC}"}[5m])))`;
const requestRate = `sum by (service) (rate(http_requests_total{service="${INC}"}[5m]))`;
const up = `sum by (service) (up{service="${INC}"})`;
const errors5m = 'sum by (service) (increase(http_requests_total{status=~"5.."}[5m]))';

/** What each scenario must look like to PromQL, at a moment relative to its onset. */
const CHECKS: Record<string, Check[]> = {
  'total-outage': [
    { at: 10 * MIN, expr: ratio(''), exp: both(1, 0) },
    { at: 30 * MIN, expr: ratio(''), exp: both(0, 0) },
  ],
  'errors-5pct': [{ at: 10 * MIN, expr: near(ratio(''), 0.05), exp: both(1, 0) }],
  'errors-2pct': [{ at: 10 * MIN, expr: near(ratio(''), 0.02), exp: both(1, 0) }],
  crash: [
    { at: 10 * MIN, expr: up, exp: inc(0) },
    { at: 10 * MIN, expr: `absent(http_requests_total{service="${INC}"})`, exp: inc(1) },
    // Restarted at +20m: up again, counters from 0 (a reset, which rate() handles).
    { at: 30 * MIN, expr: up, exp: inc(1) },
    { at: 30 * MIN, expr: near(requestRate, 1000 / 60), exp: inc(1) },
  ],
  'targets-gone': [
    // Every series of the service is gone, `up` included (absent, not 0).
    { at: 10 * MIN, expr: `absent(up{service="${INC}"})`, exp: inc(1) },
    { at: 10 * MIN, expr: `absent(http_requests_total{service="${INC}"})`, exp: inc(1) },
    // Back at +20m: up again, counters from 0.
    { at: 30 * MIN, expr: up, exp: inc(1) },
    { at: 30 * MIN, expr: near(requestRate, 1000 / 60), exp: inc(1) },
  ],
  recovery: [
    { at: 4 * MIN, expr: ratio('', '1m'), exp: both(1, 0) },
    { at: 11 * MIN, expr: ratio(''), exp: both(0, 0) },
  ],
  'latency-p99': [
    { at: 10 * MIN, expr: near(p99, 1.5), exp: inc(1) },
    // Healthy p99: 0.1 + 0.4 × (0.99 − 0.95) / (0.995 − 0.95) ≈ 0.456 s, whatever bounds lie between 0.1 and 0.5.
    { at: -MIN, expr: near(p99, 0.1 + (0.4 * 0.04) / 0.045), exp: inc(1) },
  ],
  'latency-p95': [
    { at: 10 * MIN, expr: near(p95, 0.75), exp: inc(1) },
    { at: 10 * MIN, expr: near(p99, 0.95), exp: inc(1) },
  ],
  'latency-slower': [
    { at: 10 * MIN, expr: near(p95, 0.15), exp: inc(1) },
    // p99 = 0.5 + 0.5 × (0.99 − 0.985) / (0.999 − 0.985) ≈ 0.68 s.
    { at: 10 * MIN, expr: near(p99, 0.5 + (0.5 * 0.005) / 0.014), exp: inc(1) },
  ],
  'latency-noisy': [
    // Over 50 minutes p95 stays within 100–150 ms, and it moves.
    { at: 55 * MIN, expr: `max_over_time((${p95})[50m:1m]) <= bool 0.15`, exp: inc(1) },
    { at: 55 * MIN, expr: `min_over_time((${p95})[50m:1m]) >= bool 0.1`, exp: inc(1) },
    { at: 55 * MIN, expr: `stddev_over_time((${p95})[50m:1m]) > bool 0.002`, exp: inc(1) },
  ],
  healthy: [{ at: 30 * MIN, expr: ratio(''), exp: both(0, 0) }],
  'blip-60s': [{ at: 2 * MIN, expr: errors5m, exp: both(1000, 0) }],
  'low-traffic-error': [
    { at: -MIN, expr: 'sum by (service) (increase(http_requests_total[10m]))', exp: both(30, 30) },
    { at: 2 * MIN, expr: errors5m, exp: both(1, 0) },
    { at: 12 * MIN, expr: errors5m, exp: both(1, 0) },
    { at: 12 * MIN, expr: errors5m.replace('[5m]', '[15m]'), exp: both(2, 0) },
  ],
  'cpu-90': [
    {
      at: 10 * MIN,
      expr: near('1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m]))', 0.9),
      exp: [{ labels: '{}', value: 1 }],
    },
    {
      at: -MIN,
      expr: near('1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m]))', 0.2),
      exp: [{ labels: '{}', value: 1 }],
    },
  ],
  'memory-90': [
    {
      at: 10 * MIN,
      expr: near('1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes', 0.9),
      exp: [{ labels: '{instance="localhost:9100", job="node-exporter"}', value: 1 }],
    },
  ],
  'slow-burn': [{ at: 3 * 3600, expr: near(ratio(''), 0.003), exp: both(1, 0) }],
  flapping: [
    { at: MIN, expr: near(ratio('', '1m'), 0.2), exp: both(1, 0) },
    { at: 5 * MIN, expr: ratio('', '1m'), exp: both(0, 0) },
    { at: 9 * MIN, expr: near(ratio('', '1m'), 0.2), exp: both(1, 0) },
  ],
  'traffic-stops': [
    { at: 10 * MIN, expr: 'sum by (service) (rate(http_requests_total[5m]))', exp: both(0, 200 / 60) },
    { at: 10 * MIN, expr: up, exp: inc(1) },
  ],
};

const promtool = findBinary('promtool');

describe('scenario series', () => {
  it('every scenario has PromQL checks here', () => {
    expect(Object.keys(CHECKS).sort()).toEqual(SCENARIOS.map((s) => s.id).sort());
  });

  it('carry the scrape labels and the contract labels, with names and buckets from the contract', () => {
    const s = scenarioById('crash');
    if (!s) throw new Error('no crash scenario');
    const series = generateSeries(s, targets, timeline);
    const contractNames = new Set(APPLICATION_METRICS.flatMap(seriesNames));
    const les = new Set<string>();
    for (const { series: text } of series) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}$/.exec(text);
      expect(m, text).not.toBeNull();
      const name = m?.[1] as string;
      const labels = Object.fromEntries([...(m?.[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      expect(labels).toHaveProperty('job');
      expect(labels).toHaveProperty('instance');
      if (name.startsWith('http_')) {
        expect(contractNames.has(name), name).toBe(true);
        expect(labels[SERVICE_LABEL]).toMatch(/^(api|backend)$/);
        for (const l of HTTP_LABELS) expect(labels, `${text} lacks ${l}`).toHaveProperty(l);
        expect('le' in labels).toBe(name.endsWith('_bucket'));
        if (labels.le) les.add(labels.le);
      } else {
        expect([UP, NODE_CPU_SECONDS, NODE_MEM_AVAILABLE, NODE_MEM_TOTAL]).toContain(name);
      }
    }
    expect([...les].sort()).toEqual([...HTTP_DURATION_BUCKETS.map(String), '+Inf'].sort());
    // Every target scraped by the generated prometheus.yml has an `up`, with its target labels; a push service none.
    const all = [...targets.app, ...targets.node, ...targets.other];
    expect(series.filter((x) => x.series.startsWith('up{'))).toHaveLength(all.length);
    for (const t of all) {
      const labels = Object.entries(t.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
      expect(series.map((x) => x.series)).toContain(`up{${labels.join(',')}}`);
    }
    // Grey Haven's `api` pushes (no scrape target): the first application target is the backend.
    expect(targets.app[0]?.labels).toMatchObject({ job: 'backend', service: 'backend', team: 'platform' });
  });

  it('encode as many samples as the timeline has', () => {
    const s = scenarioById('crash');
    if (!s) throw new Error('no crash scenario');
    const n = sampleCount(s, timeline);
    for (const { values } of generateSeries(s, targets, timeline)) expect(expand(values)).toHaveLength(n);
    const up = generateSeries(s, targets, timeline).find((x) => x.series.startsWith('up{job="backend"'));
    const samples = expand(up?.values ?? '');
    // The first failed scrape closes the first interval after the onset.
    expect(samples[ONSET / 15]).toBe(1);
    expect(samples[ONSET / 15 + 1]).toBe(0);
  });

  it.skipIf(!promtool).each(SCENARIOS.map((s) => s.id))(
    '%s: promtool loads the series and PromQL sees the incident',
    async (id) => {
      const scenario = scenarioById(id);
      if (!scenario) throw new Error(id);
      const dir = tempDir('ghmon-replay-series-');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'empty.yml'), 'groups: []\n');
      const doc = {
        rule_files: ['empty.yml'],
        evaluation_interval: '15s',
        tests: [
          {
            interval: '15s',
            input_series: generateSeries(scenario, targets, timeline),
            promql_expr_test: (CHECKS[id] ?? []).map((c) => ({
              expr: c.expr,
              eval_time: `${ONSET + c.at}s`,
              exp_samples: c.exp,
            })),
          },
        ],
      };
      writeFileSync(join(dir, 'test.yml'), stringify(doc, { lineWidth: 0 }));
      const r = await runTool(promtool as string, ['test', 'rules', 'test.yml'], dir);
      expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
      expect(r.code).toBe(0);
    },
  );
});

/** promtool's expanding notation, expanded (to count samples; promtool itself checks the values above). */
function expand(values: string): Sample[] {
  const out: Sample[] = [];
  for (const part of values.split(' ')) {
    if (part === 'stale') out.push('stale');
    else if (part === '_') out.push(null);
    else if (part.startsWith('_x')) for (let i = 0; i < Number(part.slice(2)); i++) out.push(null);
    else {
      const m = /^(-?[0-9.]+)(?:([+-])([0-9.]+)x(\d+))?$/.exec(part);
      if (!m) throw new Error(`bad part ${part}`);
      const a = Number(m[1]);
      const b = m[2] === '-' ? -Number(m[3]) : Number(m[3] ?? 0);
      for (let i = 0; i <= Number(m[4] ?? 0); i++) out.push(a + i * b);
    }
  }
  return out;
}
