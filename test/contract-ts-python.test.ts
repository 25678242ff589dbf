/**
 * The contract, end to end, in both languages: the TypeScript example service (examples/ts-service,
 * @greyhaven/metrics) and the FastAPI one (examples/fastapi-service, python/greyhaven_metrics) get the same
 * scripted requests — an id route, a 404 from an id route, a 404 no route matched, a POST, an injected 500 —
 * and are scraped by one real Prometheus (/usr/bin/prometheus) with the prometheus.yml and rules that
 * `ghmon build` generates for a config declaring both (1s scrape and evaluation intervals, test only).
 *
 * Asserted, per service, through Prometheus' HTTP API:
 *   1. The same series names and label sets (minus the target labels service/job/instance/runtime; `le` compared
 *      as a number, since prom-client writes le="1" and prometheus_client le="1.0"; route parameters compared
 *      by position, since Express-style `:id` and FastAPI-style `{user_id}` are each framework's own template).
 *   2. The same counter values for every series but latency buckets and sums (the same requests were sent).
 *   3. The same `greyhaven:` recording-rule series, with the same values: ratios within a few percent (rate()
 *      extrapolates per series from each target's own scrape times), rates within a factor, and the p50
 *      latency in the same histogram bucket.
 * Traffic comes in two phases (a warm-up pass creates every series, the measured passes are what rate() sees),
 * so no series is born with its only increase.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HTTP_DURATION_BUCKETS } from '@greyhaven/metric-contract';
import { HttpMetrics } from '@greyhaven/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../examples/ts-service/src/service.ts';
import { freePort, type RunningPrometheus, type Sample, startPrometheus } from './support/prometheus.ts';
import { until } from './support/until.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = '/usr/bin/python3';
const TS = 'ts-service';
const PY = 'fastapi-service';
const SERVICES = [TS, PY] as const;
/** Labels Prometheus attaches from the scrape config: they differ by design. */
const TARGET_LABELS = new Set(['service', 'job', 'instance', 'runtime']);
/** Series Prometheus makes per target, and runtime families outside the contract (prometheus_client's defaults). */
const NOT_APPLICATION = /^(up|scrape_.*|process_.*|python_.*|nodejs_.*|ALERTS|ALERTS_FOR_STATE)$/;
/** Passes of the script in the measured phase (the warm-up phase runs it once). */
const REPEAT = 4;

interface Step {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}
/**
 * One pass of the script: 7 instrumented requests, one per label set (so a scrape in the middle of the warm-up pass
 * sees every series at 0 or 1, never a partial count), 1 of them a 500 (injected on an id route).
 */
const SCRIPT: Step[] = [
  { method: 'GET', path: '/health' },
  { method: 'GET', path: '/users/1' },
  { method: 'GET', path: '/users/0' },
  { method: 'GET', path: '/nothing/here' },
  { method: 'GET', path: '/orders/7/items' },
  { method: 'POST', path: '/orders/7/items' },
  { method: 'POST', path: '/admin/inject', body: { errorRate: 1 } },
  { method: 'GET', path: '/users/5' },
  { method: 'POST', path: '/admin/inject', body: { errorRate: 0 } },
];
const INSTRUMENTED_PER_PASS = SCRIPT.filter((s) => !s.path.startsWith('/admin/')).length;
const ERRORS_PER_PASS = 1;

let dir: string;
let tsService: Service | undefined;
let python: ChildProcess | undefined;
let prometheus: RunningPrometheus | undefined;
const urls: Record<string, string> = {};
let logs = '';
let evalTime = 0;

async function query(expr: string, time?: number): Promise<Sample[]> {
  if (!prometheus) throw new Error('prometheus not started');
  return prometheus.query(expr, time);
}

async function runScript(base: string): Promise<void> {
  for (const step of SCRIPT) {
    const res = await fetch(`${base}${step.path}`, {
      method: step.method,
      ...(step.body === undefined
        ? {}
        : { body: JSON.stringify(step.body), headers: { 'content-type': 'application/json' } }),
    });
    await res.arrayBuffer();
  }
}

/** Waits until Prometheus holds `total` requests for every service, and returns when that was first seen. */
async function scrapedTotals(total: number): Promise<number> {
  return until(
    async () => {
      const v = await query(`sum by (service) (http_requests_total{service=~"${TS}|${PY}"})`);
      const ok = SERVICES.every((s) => Number(v.find((x) => x.metric.service === s)?.value[1]) === total);
      return ok ? Date.now() / 1000 : undefined;
    },
    `Prometheus to scrape ${total} requests per service`,
    30_000,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ghmon-contract-'));
  const [tsPort, pyPort] = [await freePort(), await freePort()];

  tsService = createService({ metrics: new HttpMetrics(), poolSize: 10 });
  urls[TS] = await tsService.listen(tsPort, '127.0.0.1');

  python = spawn(PYTHON, [join(ROOT, 'examples/fastapi-service/main.py')], {
    env: { ...process.env, PORT: String(pyPort), HOST: '127.0.0.1', PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [python.stdout, python.stderr]) {
    stream?.on('data', (d: Buffer) => {
      logs = (logs + d.toString()).slice(-20_000);
    });
  }
  urls[PY] = `http://127.0.0.1:${pyPort}`;
  // Ready when the (uninstrumented) admin endpoint answers: probing an instrumented route would add requests.
  await until(
    async () => {
      if (python?.exitCode !== null) throw new Error(`fastapi-service exited:\n${logs}`);
      return (await fetch(`${urls[PY]}/admin/inject`)).ok ? true : undefined;
    },
    'fastapi-service',
    20_000,
  ).catch((error) => {
    throw new Error(`${(error as Error).message}\n${logs}`);
  });

  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  writeFileSync(
    join(dir, 'monitoring.config.ts'),
    `import { defineMonitoring } from ${JSON.stringify(join(ROOT, 'packages/monitoring/src/index.ts'))};
export default defineMonitoring({
  environment: 'contract-test',
  scrapeInterval: '1s',
  evaluationInterval: '1s',
  services: [
    { name: ${JSON.stringify(TS)}, runtime: 'typescript', scrape: { targets: [${JSON.stringify(new URL(urls[TS] as string).host)}] } },
    { name: ${JSON.stringify(PY)}, runtime: 'python', scrape: { targets: [${JSON.stringify(new URL(urls[PY] as string).host)}] } },
  ],
});
`,
  );
  const out = join(dir, 'out');
  execFileSync(
    join(ROOT, 'node_modules/.bin/ghmon'),
    ['build', '--config', join(dir, 'monitoring.config.ts'), '--out', out],
    { cwd: ROOT, stdio: 'pipe' },
  );
  const config = join(out, 'prometheus/prometheus.yml');
  expect(readFileSync(config, 'utf8')).toContain(`job_name: ${PY}`);

  prometheus = await startPrometheus({ configFile: config, dir: join(dir, 'prometheus') });
  await until(
    async () => ((await query(`up{service=~"${TS}|${PY}"} == 1`)).length === 2 ? true : undefined),
    'both targets up',
    30_000,
  );

  // Warm-up: one pass creates every label set, scraped a few times before the measured phase. Every series then
  // starts at 1 and grows by REPEAT, so rate() extrapolates all of them alike whatever the scrape timing.
  await Promise.all(SERVICES.map((s) => runScript(urls[s] as string)));
  await scrapedTotals(INSTRUMENTED_PER_PASS);
  await new Promise((r) => setTimeout(r, 2_500));
  // Measured phase: the increase rate() sees.
  for (let i = 0; i < REPEAT; i++) await Promise.all(SERVICES.map((s) => runScript(urls[s] as string)));
  const seen = await scrapedTotals((1 + REPEAT) * INSTRUMENTED_PER_PASS);
  // Rules evaluated on the final samples: wait for two evaluation intervals and a scrape after that.
  await new Promise((r) => setTimeout(r, 3_000));
  evalTime = Math.max(seen + 2.5, Date.now() / 1000 - 0.5);
}, 150_000);

afterAll(async () => {
  const stop = async (child: ChildProcess | undefined) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  await prometheus?.stop();
  await stop(python);
  await tsService?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A series' identity without the target labels, with `le` as a number and route parameters by position. */
function identity(labels: Record<string, string>): string {
  const parts: string[] = [];
  for (const key of Object.keys(labels).sort()) {
    if (TARGET_LABELS.has(key)) continue;
    let value = labels[key] as string;
    if (key === 'le') value = String(Number(value === '+Inf' ? Number.POSITIVE_INFINITY : value));
    if (key === 'route') value = value.replace(/\{[^}]+\}|:[A-Za-z_][A-Za-z0-9_]*/g, '{}');
    parts.push(`${key}=${JSON.stringify(value)}`);
  }
  return `${labels.__name__}{${parts.filter((p) => !p.startsWith('__name__')).join(',')}}`;
}

async function applicationSeries(service: string): Promise<Map<string, number>> {
  const series = await query(`{service="${service}"}`, evalTime);
  const out = new Map<string, number>();
  for (const s of series) {
    const name = s.metric.__name__ as string;
    if (NOT_APPLICATION.test(name) || name.startsWith('greyhaven:')) continue;
    const key = identity(s.metric);
    expect(out.has(key), `${service}: two series normalise to ${key}`).toBe(false);
    out.set(key, Number(s.value[1]));
  }
  return out;
}

async function ruleResults(service: string): Promise<Map<string, number>> {
  const series = await query(`{__name__=~"greyhaven:.+",service="${service}"}`, evalTime);
  return new Map(series.map((s) => [identity(s.metric), Number(s.value[1])]));
}

const sorted = (m: Map<string, number>) => [...m.keys()].sort();

function bucketOf(seconds: number): number {
  return HTTP_DURATION_BUCKETS.findIndex((b) => seconds <= b);
}

describe('TypeScript and Python services under one Prometheus, same traffic', () => {
  it('expose the same series names and label sets, with the same counts', async () => {
    const ts = await applicationSeries(TS);
    const py = await applicationSeries(PY);
    expect(sorted(py)).toEqual(sorted(ts));
    // What the script exercised is there (the comparison above is not between two empty sets).
    for (const key of [
      'http_requests_total{method="GET",route="/users/{}",status="200"}',
      'http_requests_total{method="GET",route="/users/{}",status="404"}',
      'http_requests_total{method="GET",route="/users/{}",status="500"}',
      'http_requests_total{method="GET",route="__unmatched__",status="404"}',
      'http_requests_total{method="POST",route="/orders/{}/items",status="201"}',
      'http_request_duration_seconds_bucket{le="1",method="GET",route="/health",status="200"}',
      'http_active_connections{}',
      'db_pool_connections_max{}',
      'greyhaven_metrics_overflow_total{metric="http_requests_total"}',
    ]) {
      expect(ts.has(key), key).toBe(true);
    }
    // Same requests, same counters (latency buckets and sums aside: timing differs by runtime).
    const counts = (m: Map<string, number>) =>
      [...m].filter(([k]) => !/_sum\{/.test(k) && !(/_bucket\{/.test(k) && !k.includes('le="Infinity"')));
    expect(counts(py)).toEqual(counts(ts));
    expect(ts.get('http_requests_total{method="GET",route="/users/{}",status="200"}')).toBe(1 + REPEAT);
    expect(ts.get('http_requests_total{method="GET",route="/users/{}",status="500"}')).toBe(1 + REPEAT);
  });

  it('give the same greyhaven: recording-rule results per service', async () => {
    const ts = await ruleResults(TS);
    const py = await ruleResults(PY);
    expect(sorted(py)).toEqual(sorted(ts));
    const names = new Set(sorted(ts).map((k) => k.slice(0, k.indexOf('{'))));
    for (const rule of [
      'greyhaven:http_errors:rate5m:by_service',
      'greyhaven:http_requests:rate5m:by_service',
      'greyhaven:http_request_duration:p50',
      'greyhaven:http_request_duration:p95',
      'greyhaven:http_request_duration:p99',
      'greyhaven:db_pool:saturation',
      'greyhaven:slo_errors:ratio_rate5m',
    ]) {
      expect(names.has(rule), rule).toBe(true);
    }

    // Requests each service served in the minute before evalTime: a 1m quantile of no requests is NaN (0/0), which
    // says nothing about the contract; on a loaded machine one target's last scrapes can all fall after its passes.
    const minuteRate = async (service: string) =>
      Number(
        (await query(`sum(rate(http_request_duration_seconds_count{service="${service}"}[1m]))`, evalTime))[0]
          ?.value[1] ?? 0,
      );
    const quiet = { [TS]: (await minuteRate(TS)) === 0, [PY]: (await minuteRate(PY)) === 0 };
    const mismatches: string[] = [];
    for (const [key, tsValue] of ts) {
      const pyValue = py.get(key) as number;
      const name = key.slice(0, key.indexOf('{'));
      let ok: boolean;
      if (/_rate1m$/.test(name) && (Number.isNaN(tsValue) || Number.isNaN(pyValue))) {
        // NaN only where that service served nothing in the window.
        ok = (!Number.isNaN(tsValue) || quiet[TS] === true) && (!Number.isNaN(pyValue) || quiet[PY] === true);
      } else if (name.startsWith('greyhaven:http_request_duration:p')) {
        // Interpolated inside a bucket from per-runtime latencies: compare the median's bucket; p95/p99 are
        // the slowest one or two requests of a few dozen, so only their range is checked.
        ok = name.endsWith(':p50')
          ? bucketOf(tsValue) === bucketOf(pyValue)
          : pyValue > 0 && pyValue <= 5 && tsValue > 0;
      } else if (/rate\d+[mhd]?(:|$)|_rps|:rate/.test(name) && !name.includes('ratio')) {
        // Per-second rates: the same increase, extrapolated from each target's own scrape times.
        ok = tsValue === 0 ? pyValue === 0 : pyValue / tsValue > 0.6 && pyValue / tsValue < 1.6;
      } else if (/ratio_rate30d|error_budget_remaining/.test(name)) {
        // Integrated over every evaluation so far (sum_over_time of the 5m rates), including those made while the
        // measured passes were in flight, which saw a partial pass; when they fall differs per target.
        ok = Math.abs(pyValue - tsValue) <= 0.35 * Math.max(Math.abs(tsValue), Math.abs(pyValue));
      } else {
        // Instant ratios (error ratios, SLO burn windows, saturation) and constants: equal up to rate()'s
        // per-series extrapolation when a scrape fell inside the warm-up pass (measured: equal to 1e-15 otherwise).
        ok = Math.abs(pyValue - tsValue) <= 0.05 * Math.max(Math.abs(tsValue), Math.abs(pyValue)) + 1e-9;
      }
      if (!ok) mismatches.push(`${key}: ${TS} ${tsValue}, ${PY} ${pyValue}`);
    }
    expect(mismatches.join('\n')).toBe('');

    // And the numbers are the script's: 1 of 7 requests failed.
    const errorRatio = ts.get('greyhaven:http_errors:rate5m:by_service{}') as number;
    expect(errorRatio).toBeGreaterThan((ERRORS_PER_PASS / INSTRUMENTED_PER_PASS) * 0.8);
    expect(errorRatio).toBeLessThan((ERRORS_PER_PASS / INSTRUMENTED_PER_PASS) * 1.25);
    expect(ts.get('greyhaven:db_pool:saturation{}')).toBe(0);
  });
});
