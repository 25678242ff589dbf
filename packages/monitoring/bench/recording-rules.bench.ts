/**
 * Dashboard query cost through the `greyhaven:` recording rules vs the raw PromQL they record, on a real
 * Prometheus (Debian 2.42) holding ~10k active series of the metric contract; and Prometheus' memory per active
 * series.
 *
 * Data: 4 services × 5 instances × 15 routes × 3 (method, status) label sets = 900 label sets of
 * `http_requests_total` and `http_request_duration_seconds` (8 buckets, sum, count): 9,900 series, with 50 minutes
 * of history at the seed's 15 s interval, pushed through Prometheus' remote-write receiver with this repo's
 * encoder (`@greyhaven/metrics/workers`) in time order. The recording rules' history is what Prometheus
 * would have recorded: each rule's expression evaluated by Prometheus at every 15 s step (query_range), pushed
 * under the rule's name — the same as `promtool tsdb create-blocks-from rules` backfills.
 *
 * Queries: every panel query of the generated golden-signals dashboard that reads an HTTP recording rule, and the
 * two by-service rules the service dashboards read; the raw version replaces the rule by its expression. Each is
 * a range query over the last 45 minutes at a 15 s step (a Grafana panel on a 45 m dashboard), raw and recorded
 * interleaved, alternating which goes first, ROUNDS rounds. Reported: the median of per-round time ratios with
 * IQR and extremes, and Prometheus' own count of samples each query touched (`stats=all`), which does not depend
 * on the machine.
 */
import { cpus, loadavg } from 'node:os';
import { REMOTE_WRITE_RECEIVER, startPrometheus } from '../../../test/support/prometheus.ts';
import { encodeLabels, type Label, remoteWriteBody } from '../../metrics/src/workers/index.ts';
import { validateConfig } from '../src/config/load.ts';
import { OUT, RECORD } from '../src/conventions.ts';
import { generate } from '../src/generate.ts';
import { ruleFiles } from '../src/generators/prometheus/rules/index.ts';
import type { RecordingRule } from '../src/generators/prometheus/rules/types.ts';
import { buildModel } from '../src/model/model.ts';
import { dashboardQueries } from '../src/outdir/dashboards.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const STEP_S = 15;
const HISTORY_MIN = 50;
const RANGE_MIN = 45;
const SERVICES = ['api', 'backend', 'edge', 'auth'];
const INSTANCES = 5;
const ROUTES = Array.from({ length: 15 }, (_, i) => `/r${i}/:id`);
const LABEL_SETS = [
  { method: 'GET', status: '200', share: 0.8 },
  { method: 'POST', status: '201', share: 0.19 },
  { method: 'GET', status: '500', share: 0.01 },
];
const BOUNDS = ['0.01', '0.05', '0.1', '0.2', '0.5', '1', '2', '5', '+Inf'];
/** Share of requests at or below each bound (cumulative), per route "speed". */
const LATENCY = [
  [0.3, 0.8, 0.93, 0.99, 0.997, 0.999, 1, 1],
  [0.05, 0.4, 0.7, 0.95, 0.99, 0.998, 1, 1],
];

// --- A deterministic generator (no Math.random: the same data every run). ---
let seed = 42;
const rand = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};

interface SeriesState {
  labels: Uint8Array[];
  /** requests_total, buckets…, sum, count */
  values: number[];
  rate: number;
  latency: number[];
}

function sortLabels(labels: Label[]): Label[] {
  return labels.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function makeSeries(): SeriesState[] {
  const out: SeriesState[] = [];
  for (const service of SERVICES)
    for (let i = 0; i < INSTANCES; i++)
      ROUTES.forEach((route, r) => {
        const routeRate = 0.2 + 4 * rand();
        for (const ls of LABEL_SETS) {
          const base: Label[] = [
            ['service', service],
            ['job', service],
            ['instance', `10.0.${SERVICES.indexOf(service)}.${i}:8080`],
            ['runtime', 'typescript'],
            ['method', ls.method],
            ['route', route],
            ['status', ls.status],
          ];
          const h = 'http_request_duration_seconds';
          out.push({
            labels: [
              encodeLabels(sortLabels([...base, ['__name__', 'http_requests_total']])),
              ...BOUNDS.map((le) => encodeLabels(sortLabels([...base, ['__name__', `${h}_bucket`], ['le', le]]))),
              encodeLabels(sortLabels([...base, ['__name__', `${h}_sum`]])),
              encodeLabels(sortLabels([...base, ['__name__', `${h}_count`]])),
            ],
            values: Array.from({ length: 1 + BOUNDS.length + 2 }, () => 0),
            rate: routeRate * ls.share,
            latency: LATENCY[r % 2] as number[],
          });
        }
      });
  return out;
}

function advance(s: SeriesState): void {
  const n = Math.round(s.rate * STEP_S * (0.5 + rand()));
  if (n === 0) return;
  const v = s.values;
  v[0] = (v[0] as number) + n;
  // Distribute n requests over the buckets by the route's latency shape (cumulative).
  let remaining = n;
  let cumulative = 0;
  const perBucket: number[] = [];
  s.latency.forEach((share, b) => {
    const upTo = b === s.latency.length - 1 ? n : Math.min(n, Math.round(n * share * (0.95 + 0.1 * rand())));
    const here = Math.max(0, Math.min(remaining, upTo - cumulative));
    perBucket.push(here);
    cumulative += here;
    remaining -= here;
  });
  let running = 0;
  perBucket.forEach((k, b) => {
    running += k;
    v[1 + b] = (v[1 + b] as number) + running;
  });
  v[1 + BOUNDS.length] = (v[1 + BOUNDS.length] as number) + n * 0.04 * (0.5 + rand()); // sum
  v[2 + BOUNDS.length] = v[0] as number; // count
}

// --- Prometheus ---
async function selfMetrics(base: string): Promise<{ rss: number; heap: number; series: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const get = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    rss: get('process_resident_memory_bytes'),
    heap: get('go_memstats_heap_inuse_bytes'),
    series: get('prometheus_tsdb_head_series'),
  };
}

async function push(base: string, series: { labels: Uint8Array; samples: { value: number; timestamp: number }[] }[]) {
  const res = await fetch(`${base}/api/v1/write`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    },
    body: remoteWriteBody(series),
  });
  if (res.status !== 204) throw new Error(`remote write: ${res.status} ${await res.text()}`);
}

interface RangeResult {
  /** Wall time of the HTTP request, as a dashboard sees it. */
  ms: number;
  /** Prometheus' own evaluation time (`stats.timings.evalTotalTime`), without HTTP and JSON. */
  evalMs: number;
  samples: number;
  series: number;
}

async function rangeQuery(base: string, expr: string, start: number, end: number): Promise<RangeResult> {
  const url = `${base}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${start}&end=${end}&step=${STEP_S}&stats=all`;
  const t0 = performance.now();
  const res = await fetch(url);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data: {
      result: unknown[];
      stats?: { timings?: { evalTotalTime?: number }; samples?: { totalQueryableSamples?: number } };
    };
  };
  const ms = performance.now() - t0;
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return {
    ms,
    evalMs: (body.data.stats?.timings?.evalTotalTime ?? Number.NaN) * 1000,
    samples: body.data.stats?.samples?.totalQueryableSamples ?? Number.NaN,
    series: body.data.result.length,
  };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))] as number;
};
const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');

// --- Run ---
// Debian's Prometheus on a free port in a temp dir, through the helper the tests use (stop() kills and cleans up).
const prometheus = await startPrometheus({ args: [REMOTE_WRITE_RECEIVER] });
const base = prometheus.url;
try {
  await new Promise((r) => setTimeout(r, 2000));
  const before = await selfMetrics(base);

  // 1. Raw history, step by step in time order.
  const series = makeSeries();
  const now = Math.floor(Date.now() / 1000 / STEP_S) * STEP_S;
  const start = now - HISTORY_MIN * 60;
  const t0 = performance.now();
  for (let t = start; t <= now; t += STEP_S) {
    for (const s of series) advance(s);
    await push(
      base,
      series.flatMap((s) =>
        s.labels.map((labels, i) => ({ labels, samples: [{ value: s.values[i] as number, timestamp: t * 1000 }] })),
      ),
    );
  }
  const pushSeconds = (performance.now() - t0) / 1000;
  const totalSeries = series.reduce((n, s) => n + s.labels.length, 0);
  await new Promise((r) => setTimeout(r, 3000));
  const after = await selfMetrics(base);

  // 2. The recording rules' history, as Prometheus evaluates them.
  const config = validateConfig({
    services: SERVICES.map((name) => ({ name, runtime: 'typescript', scrape: { targets: [`${name}:8080`] } })),
  });
  const model = buildModel(config);
  const rules = new Map(
    ruleFiles(model)
      .flatMap((f) => f.groups.flatMap((g) => g.rules))
      .filter((r): r is RecordingRule => 'record' in r)
      .map((r) => [r.record, r]),
  );
  const httpRules = [
    RECORD.rps,
    RECORD.requestsRate5m,
    RECORD.requestsRate5mByService,
    RECORD.errorsRate5m,
    RECORD.errorsRate5mByService,
    RECORD.durationP50,
    RECORD.durationP95,
    RECORD.durationP99,
    RECORD.durationAvg,
  ];
  const ruleStart = start + 5 * 60;
  for (const name of httpRules) {
    const rule = rules.get(name) as RecordingRule;
    const url = `${base}/api/v1/query_range?query=${encodeURIComponent(rule.expr)}&start=${ruleStart}&end=${now}&step=${STEP_S}`;
    const body = (await (await fetch(url)).json()) as {
      data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
    };
    await push(
      base,
      body.data.result.map((r) => ({
        labels: encodeLabels(sortLabels([...Object.entries(r.metric), ['__name__', name]])),
        samples: r.values.map(([t, v]) => ({ value: Number(v), timestamp: Math.round(t * 1000) })),
      })),
    );
  }

  // 3. The queries: the golden-signals dashboard's panels on HTTP rules, and the by-service rules.
  const files = generate(model);
  const dashboard = [...files].find(([p]) => p.startsWith(OUT.grafanaDashboardsDir) && p.includes('golden-signals'));
  const pairs: { name: string; recorded: string; raw: string }[] = [];
  for (const q of dashboard ? dashboardQueries(dashboard[0], dashboard[1]).queries : []) {
    const used = httpRules.filter((r) => new RegExp(`${r.replace(/[:]/g, '\\:')}(?![\\w:{])`).test(q.expr));
    if (used.length === 0 || /\$/.test(q.expr)) continue;
    let raw = q.expr;
    for (const r of [...used].sort((a, b) => b.length - a.length)) {
      raw = raw.replace(new RegExp(`${r}(?![\\w:{])`, 'g'), `(${(rules.get(r) as RecordingRule).expr})`);
    }
    pairs.push({ name: `dashboard: ${q.expr}`, recorded: q.expr, raw });
  }
  for (const r of [RECORD.requestsRate5mByService, RECORD.errorsRate5mByService]) {
    pairs.push({ name: `rule: ${r}`, recorded: r, raw: (rules.get(r) as RecordingRule).expr });
  }

  const qEnd = now;
  const qStart = now - RANGE_MIN * 60;
  // Warm-up: every query once (the first touch of a series' chunks is slower).
  for (const p of pairs) {
    await rangeQuery(base, p.raw, qStart, qEnd);
    await rangeQuery(base, p.recorded, qStart, qEnd);
  }
  const results = pairs.map((p) => ({ ...p, raw: [] as RangeResult[], rec: [] as RangeResult[], exprRaw: p.raw }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of results) {
      const first = round % 2 === 0;
      const a = await rangeQuery(base, first ? r.exprRaw : r.recorded, qStart, qEnd);
      const b = await rangeQuery(base, first ? r.recorded : r.exprRaw, qStart, qEnd);
      r.raw.push(first ? a : b);
      r.rec.push(first ? b : a);
    }
  }

  console.log(`\n## Recording rules vs raw PromQL, and Prometheus memory per series\n`);
  console.log(
    `Prometheus 2.42 (Debian), ${totalSeries.toLocaleString('en')} raw series (${series.length} label sets × 11) with ${HISTORY_MIN} min of history at ${STEP_S} s (pushed in ${fmt(pushSeconds)} s). Range queries over ${RANGE_MIN} min at a ${STEP_S} s step, ${ROUNDS} interleaved rounds after a warm-up. Node ${process.version}, ${new Date().toISOString()}.\n`,
  );
  console.log(
    '| query | raw ms (median) | recorded ms (median) | time ratio raw / recorded, median (IQR; min–max) | Prometheus eval time ratio, median (IQR) | samples touched raw / recorded |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  const allRatios: number[] = [];
  const allEvalRatios: number[] = [];
  for (const r of results) {
    const ratios = r.raw.map((x, i) => x.ms / (r.rec[i] as RangeResult).ms);
    const evalRatios = r.raw.map((x, i) => x.evalMs / (r.rec[i] as RangeResult).evalMs);
    allRatios.push(quantile(ratios, 0.5));
    allEvalRatios.push(quantile(evalRatios, 0.5));
    const samplesRaw = r.raw[0]?.samples ?? Number.NaN;
    const samplesRec = r.rec[0]?.samples ?? Number.NaN;
    console.log(
      `| \`${r.name.replace(/\n/g, ' ')}\` | ${fmt(
        quantile(
          r.raw.map((x) => x.ms),
          0.5,
        ),
      )} | ${fmt(
        quantile(
          r.rec.map((x) => x.ms),
          0.5,
        ),
      )} | **${fmt(quantile(ratios, 0.5))}×** (IQR ${fmt(quantile(ratios, 0.25))}–${fmt(quantile(ratios, 0.75))}; ${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}) | ${fmt(quantile(evalRatios, 0.5))}× (IQR ${fmt(quantile(evalRatios, 0.25))}–${fmt(quantile(evalRatios, 0.75))}) | ${samplesRaw.toLocaleString('en')} / ${samplesRec.toLocaleString('en')} = ${fmt(samplesRaw / samplesRec, 0)}× |`,
    );
  }
  console.log(
    `\nMedian over the queries of the median wall-time ratio: **${fmt(quantile(allRatios, 0.5))}×** (lowest ${fmt(Math.min(...allRatios))}×); of Prometheus' evaluation-time ratio: **${fmt(quantile(allEvalRatios, 0.5))}×** (lowest ${fmt(Math.min(...allEvalRatios))}×). Goal ≥ 10×. Load average at the end: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(', ')} on ${cpus().length} cores.\n`,
  );
  const dSeries = after.series - before.series;
  console.log('| Prometheus memory | before (empty head) | after | per added active series |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| head series (\`prometheus_tsdb_head_series\`) | ${before.series} | ${after.series} | |`);
  console.log(
    `| resident (\`process_resident_memory_bytes\`) | ${fmt(before.rss / 2 ** 20)} MiB | ${fmt(after.rss / 2 ** 20)} MiB | **${fmt((after.rss - before.rss) / dSeries / 1024, 2)} KiB** (total RSS / series: ${fmt(after.rss / after.series / 1024, 2)} KiB) |`,
  );
  console.log(
    `| Go heap in use (\`go_memstats_heap_inuse_bytes\`) | ${fmt(before.heap / 2 ** 20)} MiB | ${fmt(after.heap / 2 ** 20)} MiB | ${fmt((after.heap - before.heap) / dSeries / 1024, 2)} KiB |`,
  );
  console.log(
    `\n(${HISTORY_MIN} min of 15 s samples in the head: ~${Math.round((HISTORY_MIN * 60) / STEP_S)} samples, i.e. 2 head chunks per series.)`,
  );
} finally {
  await prometheus.stop();
}
