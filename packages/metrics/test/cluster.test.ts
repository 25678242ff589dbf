/**
 * node:cluster (src/cluster.ts): the primary's sum (unit), and a real cluster — fixtures/cluster/server.ts run with
 * `node --import tsx`, 2 workers sharing one port on 127.0.0.1 — scraped over HTTP (a new connection per request,
 * so node:cluster's round-robin spreads requests and scrapes over both workers) across a graceful restart and a
 * SIGKILL. No timing assertions: waits are bounded only to fail a hung test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OVERFLOW_LABEL_VALUE } from '@greyhaven/metric-contract';
import promClient from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type StartedPrometheus, startPrometheus } from '../../../test/support/prometheus.ts';
import { until } from '../../../test/support/until.ts';
import {
  type AggregateResult,
  aggregateFamilies,
  ClusterAggregate,
  captureState,
  fromWireFamilies,
  labelSetKey,
  renderAggregate,
  toWireFamilies,
  type WireFamily,
  type WorkerState,
} from '../src/cluster.ts';
import {
  HttpMetrics,
  methodIndex,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  registerDbPool,
  renderMetrics,
} from '../src/index.ts';
import { find, OPENMETRICS_ACCEPT, parseOpenMetrics, promtoolCheck } from './helpers.ts';

const GET = methodIndex('GET');
const POST = methodIndex('POST');
const quiet = () => new HttpMetrics({ onError: () => {} });
const quietBooks = (maxLabelSets?: number) => new ClusterAggregate({ maxLabelSets, onError: () => {} });

/** A worker state as it crosses the IPC channel (JSON). */
async function stateOf(metrics: HttpMetrics, seq = 1, registries: promClient.Registry[] = []): Promise<WorkerState> {
  const state = captureState(metrics, seq);
  state.pools = (await metrics.readPools()) ?? null;
  for (const r of registries) state.prom.push(...toWireFamilies(await r.getMetricsAsJSON()));
  return JSON.parse(JSON.stringify(state)) as WorkerState;
}

function seriesCount(result: AggregateResult, method: string, route: string, status: string): number | undefined {
  return result.series.find(([m, r, s]) => m === method && r === route && s === status)?.[3];
}

/** Non-comment lines of a text body, by everything before the value. */
function samples(body: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

describe('ClusterAggregate: the primary’s sum', () => {
  it('adds counters and histograms (buckets, _sum, _count) per label set across workers', async () => {
    const a = quiet();
    const b = quiet();
    const all = quiet(); // one process that saw every request: what the sum must render as
    const record = (m: HttpMetrics, method: number, route: string, status: number, s: number) => {
      m.observe(method, route, status, s);
      all.observe(method, route, status, s);
    };
    // Durations exactly representable in binary, so sums do not depend on the order of addition.
    for (let i = 0; i < 5; i++) record(a, GET, '/users/:id', 200, 0.25);
    record(a, POST, '/orders/:id', 201, 0.5);
    for (let i = 0; i < 3; i++) record(b, GET, '/users/:id', 200, 0.0078125);
    record(b, GET, '/users/:id', 500, 2);
    record(b, GET, '/only-b', 404, 8);

    const books = quietBooks();
    books.update(1, await stateOf(a));
    books.update(2, await stateOf(b));
    const result = books.merge();
    expect(seriesCount(result, 'GET', '/users/:id', '200')).toBe(8);
    expect(seriesCount(result, 'GET', '/only-b', '404')).toBe(1);

    for (const accept of [undefined, OPENMETRICS_ACCEPT]) {
      const summed = await renderAggregate(result, accept, quiet());
      const single = await renderMetrics(accept, { metrics: all, registries: [] });
      expect(summed.contentType).toBe(single.contentType);
      // Same lines (series order may differ between one process and the sum).
      expect(summed.body.split('\n').sort()).toEqual(single.body.split('\n').sort());
    }
  });

  it('renders one worker’s state byte for byte as that process’s own /metrics (both formats, pools, overflow)', async () => {
    const m = new HttpMetrics({ maxLabelSets: 3, onError: () => {} });
    registerDbPool({ active: () => 2, max: () => 5 }, m);
    m.observe(GET, '/a"quoted\\route', 200, 0.003);
    m.observe(POST, '/b', 201, 0.2);
    for (let i = 0; i < 4; i++) m.observe(GET, `/scan/${i}x`, 404, 0.001); // past the cap: folded
    m.active = 3;
    const books = quietBooks();
    books.update(7, await stateOf(m));
    for (const accept of [undefined, 'text/plain', OPENMETRICS_ACCEPT]) {
      const single = await renderMetrics(accept, { metrics: m, registries: [] });
      const summed = await renderAggregate(books.merge(), accept, m);
      expect(summed).toEqual(single);
    }
    expect((await renderAggregate(books.merge(), undefined, m)).contentType).toBe(PROMETHEUS_CONTENT_TYPE);
    expect((await renderAggregate(books.merge(), OPENMETRICS_ACCEPT, m)).contentType).toBe(OPENMETRICS_CONTENT_TYPE);
  });

  it('sums gauges over live workers; a retired worker keeps its counts but its gauges are dropped', async () => {
    const a = quiet();
    const b = quiet();
    registerDbPool({ active: () => 2, max: () => 10 }, a);
    registerDbPool({ active: () => 1, max: () => 10 }, b);
    a.observe(GET, '/x', 200, 0.1);
    a.observe(GET, '/x', 200, 0.1);
    b.observe(GET, '/x', 200, 0.1);
    a.active = 3;
    b.active = 1;
    const books = quietBooks();
    books.update(1, await stateOf(a));
    books.update(2, await stateOf(b));
    let result = books.merge();
    expect(result.active).toBe(4);
    expect(result.pools).toEqual({ active: 3, max: 20 });
    expect(seriesCount(result, 'GET', '/x', '200')).toBe(3);

    books.retire(1);
    result = books.merge();
    expect(result.active).toBe(1);
    expect(result.pools).toEqual({ active: 1, max: 10 });
    expect(seriesCount(result, 'GET', '/x', '200')).toBe(3); // worker 1's 2 requests stay
    expect(result.workers).toBe(1);

    // Retiring is idempotent, and a state arriving from a retired worker is ignored (never counted twice).
    a.observe(GET, '/x', 200, 0.1);
    books.retire(1);
    expect(books.update(1, await stateOf(a, 2))).toBe(false);
    expect(seriesCount(books.merge(), 'GET', '/x', '200')).toBe(3);

    // A replacement worker (new id) adds on top of the retired base.
    const c = quiet();
    c.observe(GET, '/x', 200, 0.1);
    books.update(3, await stateOf(c));
    expect(seriesCount(books.merge(), 'GET', '/x', '200')).toBe(4);
    books.retire(2);
    books.retire(3);
    result = books.merge();
    expect(seriesCount(result, 'GET', '/x', '200')).toBe(4);
    expect(result.active).toBe(0);
    expect(result.pools).toBeNull();
    // Histogram parts are folded too.
    const x = result.series.find(([m, r, s]) => m === 'GET' && r === '/x' && s === '200');
    expect(x?.[4]).toBeCloseTo(0.4, 12);
    expect(x?.[5].reduce((p, c2) => p + c2, 0)).toBe(4);
  });

  it('keeps only the newest state of a worker (states are cumulative; an older one arriving late is ignored)', async () => {
    const m = quiet();
    m.observe(GET, '/x', 200, 0.1);
    const older = await stateOf(m, 1);
    m.observe(GET, '/x', 200, 0.1);
    const newer = await stateOf(m, 2);
    const books = quietBooks();
    expect(books.update(1, newer)).toBe(true);
    expect(books.update(1, older)).toBe(false);
    expect(books.update(1, newer)).toBe(false);
    expect(seriesCount(books.merge(), 'GET', '/x', '200')).toBe(2);
  });

  it('keys label sets unambiguously (values that would collide if joined with a separator stay apart)', () => {
    const state = (series: WorkerState['series']): WorkerState => ({
      seq: 1,
      series,
      folded: 0,
      active: 0,
      pools: null,
      prom: [],
    });
    const buckets = [0, 0, 0, 0, 0, 0, 0];
    const books = quietBooks();
    books.update(1, state([['GET', '/a,b', '200', 1, 0, buckets]]));
    books.update(2, state([['GET', '/a', 'b,200', 2, 0, buckets]]));
    books.update(3, state([['GET', '/a","b', '200', 4, 0, buckets]]));
    books.update(4, state([['GET', '/a', '","b","200', 8, 0, buckets]]));
    const result = books.merge();
    expect(result.series.map(([m, r, s, n]) => [m, r, s, n])).toEqual([
      ['GET', '/a,b', '200', 1],
      ['GET', '/a', 'b,200', 2],
      ['GET', '/a","b', '200', 4],
      ['GET', '/a', '","b","200', 8],
    ]);
    expect(new Set([labelSetKey('GET', '/a,b', '200'), labelSetKey('GET', '/a', 'b,200')]).size).toBe(2);
    expect(labelSetKey('GET', '/a","b', '200')).not.toBe(labelSetKey('GET', '/a', '","b","200'));
  });

  it('caps the summed label sets: later ones fold into __overflow__ and are counted, and the decision sticks', async () => {
    const noPreInit = () => new HttpMetrics({ preInitServerErrors: false, onError: () => {} });
    const a = noPreInit();
    a.observe(GET, '/one', 200, 0.1);
    a.observe(GET, '/two', 200, 0.1);
    for (let i = 0; i < 3; i++) a.observe(GET, '/three', 200, 0.1);
    const b = noPreInit();
    b.observe(GET, '/three', 200, 0.1);
    b.observe(GET, '/one', 200, 0.1);
    const books = quietBooks(2);
    books.update(1, await stateOf(a));
    books.update(2, await stateOf(b));
    let result = books.merge();
    expect(seriesCount(result, 'GET', '/one', '200')).toBe(2);
    expect(seriesCount(result, 'GET', '/two', '200')).toBe(1);
    expect(seriesCount(result, 'GET', '/three', '200')).toBeUndefined();
    expect(seriesCount(result, 'GET', OVERFLOW_LABEL_VALUE, '200')).toBe(4);
    expect(result.folded).toBe(4);
    books.retire(1);
    result = books.merge();
    expect(seriesCount(result, 'GET', '/three', '200')).toBeUndefined();
    expect(seriesCount(result, 'GET', OVERFLOW_LABEL_VALUE, '200')).toBe(4);
    expect(result.folded).toBe(4);
    expect(result.series).toHaveLength(3); // /one, /two, overflow: no label set appeared or vanished
  });

  it('sums prom-client families with AggregatorRegistry.aggregate, without merging look-alike label sets', async () => {
    const registries = [new promClient.Registry(), new promClient.Registry(), new promClient.Registry()];
    const counters = registries.map(
      (registry) =>
        new promClient.Counter({ name: 'jobs_total', help: 'jobs', labelNames: ['x', 'y'], registers: [registry] }),
    );
    const gauges = registries.map(
      (registry) => new promClient.Gauge({ name: 'queue_depth', help: 'depth', registers: [registry] }),
    );
    const histograms = registries.map(
      (registry) =>
        new promClient.Histogram({ name: 'job_seconds', help: 'job time', buckets: [1, 2], registers: [registry] }),
    );
    // prom-client's aggregate alone would key both label sets as "x:1,y:2,y:3," and add them together.
    counters[0]?.inc({ x: '1,y:2', y: '3' }, 1);
    counters[1]?.inc({ x: '1', y: '2,y:3' }, 10);
    counters[2]?.inc({ x: '1,y:2', y: '3' }, 100);
    gauges[0]?.set(4);
    gauges[1]?.set(5);
    histograms[0]?.observe(0.5);
    histograms[1]?.observe(1.5);

    const books = quietBooks();
    for (const [i, registry] of registries.entries()) books.update(i + 1, await stateOf(quiet(), 1, [registry]));
    const text = (await renderAggregate(books.merge(), 'text/plain', quiet())).body;
    promtoolCheck(text);
    const values = samples(text);
    expect(values.get('jobs_total{x="1,y:2",y="3"}')).toBe(101);
    expect(values.get('jobs_total{x="1",y="2,y:3"}')).toBe(10);
    expect(values.get('queue_depth')).toBe(9); // the third worker's gauge is 0
    expect(values.get('job_seconds_bucket{le="1"}')).toBe(1);
    expect(values.get('job_seconds_bucket{le="2"}')).toBe(2);
    expect(values.get('job_seconds_count')).toBe(2);
    expect(values.get('job_seconds_sum')).toBe(2);

    // Workers 1 and 3 gone: their counters and histograms stay in the sum, their gauges are dropped.
    books.retire(1);
    books.retire(3);
    const after = samples((await renderAggregate(books.merge(), 'text/plain', quiet())).body);
    expect(after.get('jobs_total{x="1,y:2",y="3"}')).toBe(101);
    expect(after.get('queue_depth')).toBe(5);
    expect(after.get('job_seconds_count')).toBe(2);
    // All gone: cumulative families remain, gauges have no live worker left.
    books.retire(2);
    const none = samples((await renderAggregate(books.merge(), 'text/plain', quiet())).body);
    expect(none.get('jobs_total{x="1",y="2,y:3"}')).toBe(10);
    expect(none.get('jobs_total{x="1,y:2",y="3"}')).toBe(101);
    expect(none.get('job_seconds_count')).toBe(2);
    expect(none.has('queue_depth')).toBe(false);
  });

  it('carries non-finite prom-client values across the JSON channel', () => {
    const families: WireFamily[] = toWireFamilies([
      {
        name: 'g',
        help: 'g',
        type: 'gauge',
        values: [
          { value: Number.NaN, labels: { v: 'nan' } },
          { value: Number.POSITIVE_INFINITY, labels: { v: 'inf' } },
        ],
      },
    ]);
    const back = fromWireFamilies(JSON.parse(JSON.stringify(aggregateFamilies([families]))) as WireFamily[]);
    expect(back[0]?.values?.map((v) => v.value)).toEqual([Number.NaN, Number.POSITIVE_INFINITY]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// A real node:cluster service

const FIXTURE = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/cluster/server.ts');
const PACKAGE = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Cluster {
  base: string;
  control: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

async function startCluster(env: Record<string, string>): Promise<Cluster> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--conditions=@greyhaven/source', '--import', 'tsx', FIXTURE], {
    cwd: PACKAGE,
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    running.delete(child);
  };
  try {
    await until(
      async () => /"control":\d+/.test(out) || child.exitCode !== null,
      'the cluster fixture to start',
      30_000,
      10,
    );
    const control = /"control":(\d+)/.exec(out)?.[1];
    if (control === undefined) throw new Error(`fixture exited: ${out}`);
    return {
      base: `http://127.0.0.1:${port}`,
      control: `http://127.0.0.1:${control}`,
      child,
      output: () => out,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on a new connection (no keep-alive: node:cluster hands each connection to the next worker). */
function call(url: string, method = 'GET', headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(url, { method, agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.setTimeout(20_000, () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

const USERS = 'http_requests_total{method="GET",route="/users/:id",status="200"}';
const ORDERS = 'http_requests_total{method="POST",route="/orders/:id",status="201"}';
const FAILS = 'http_requests_total{method="GET",route="/fail",status="500"}';
const MISSES = 'http_requests_total{method="GET",route="__unmatched__",status="404"}';
const PROM_USERS = 'fixture_user_requests_total{kind="a,kind:b"}';

/** What was sent (and answered), by counter line. */
class Sent {
  readonly counts = new Map<string, number>([
    [USERS, 0],
    [ORDERS, 0],
    [FAILS, 0],
    [MISSES, 0],
  ]);
  get total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}

/** A mix of routes and statuses, `n` requests, 6 at a time; every answer is checked. */
async function traffic(base: string, n: number, sent: Sent, workers?: Set<string>): Promise<void> {
  let next = 0;
  const one = async (i: number) => {
    const kind = i % 10;
    let r: Reply;
    if (kind < 5) {
      r = await call(`${base}/users/${i}`);
      expect(r.status).toBe(200);
      sent.add(USERS);
    } else if (kind < 7) {
      r = await call(`${base}/orders/${i}`, 'POST');
      expect(r.status).toBe(201);
      sent.add(ORDERS);
    } else if (kind < 8) {
      r = await call(`${base}/fail`);
      expect(r.status).toBe(500);
      sent.add(FAILS);
    } else {
      r = await call(`${base}/no/such/${i}`);
      expect(r.status).toBe(404);
      sent.add(MISSES);
    }
    workers?.add(String(r.headers['x-worker-id']));
  };
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (next < n) await one(next++);
    }),
  );
}

/**
 * Scrapes (text format) `times` times and until two different workers have answered (bounded), checking each
 * scrape: every counter equals what was sent, histogram counts agree, and no cumulative sample went down since the
 * previous scrape (`last`, updated).
 */
async function scrapeAll(
  base: string,
  sent: Sent,
  last: Map<string, number>,
  times = 4,
): Promise<{ answeredBy: Set<string>; body: string }> {
  const answeredBy = new Set<string>();
  let body = '';
  for (let i = 0; i < 30 && (i < times || answeredBy.size < 2); i++) {
    const r = await call(`${base}/metrics`);
    expect(r.status, r.body).toBe(200);
    expect(r.headers['content-type']).toBe(PROMETHEUS_CONTENT_TYPE);
    answeredBy.add(String(r.headers['x-worker-id']));
    body = r.body;
    const values = samples(body);
    for (const [key, n] of sent.counts) {
      expect(values.get(key), key).toBe(n);
      const countKey = key.replace('http_requests_total{', 'http_request_duration_seconds_count{');
      expect(values.get(countKey), countKey).toBe(n);
      const infKey = key
        .replace('http_requests_total{', 'http_request_duration_seconds_bucket{')
        .replace('}', ',le="+Inf"}');
      expect(values.get(infKey), infKey).toBe(n);
    }
    let total = 0;
    for (const [key, v] of values) if (key.startsWith('http_requests_total{')) total += v;
    expect(total).toBe(sent.total);
    expect(values.get(PROM_USERS)).toBe(sent.counts.get(USERS));
    expect(values.get('greyhaven_metrics_overflow_total{metric="http_requests_total"}')).toBe(0);
    for (const [key, v] of values) {
      const name = key.split('{')[0] ?? key;
      const cumulative = /(_total|_count|_sum|_bucket)$/.test(name);
      if (!cumulative) continue;
      const before = last.get(key);
      if (before !== undefined) expect(v, `${key} went down`).toBeGreaterThanOrEqual(before);
      last.set(key, v);
    }
  }
  expect(answeredBy.size, 'both workers answered scrapes').toBeGreaterThanOrEqual(2);
  return { answeredBy, body };
}

async function liveWorkers(c: Cluster): Promise<{ id: number; pid: number }[]> {
  return JSON.parse((await call(`${c.control}/workers`)).body) as { id: number; pid: number }[];
}

describe('a real node:cluster service: 2 workers, one port, node:http adapter', () => {
  // Periodic syncs effectively off (60 s): what reaches the primary comes from scrapes, the graceful disconnect's
  // final flush, or the primary's refresh before the SIGKILL — so every expectation below is exact.
  let c: Cluster;
  const sent = new Sent();
  const last = new Map<string, number>();

  beforeAll(async () => {
    c = await startCluster({ SYNC_MS: '60000' });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('every scrape, on either worker, serves the sum over both workers (both formats)', async () => {
    const workers = new Set<string>();
    await traffic(c.base, 60, sent, workers);
    expect(workers.size).toBe(2); // the requests really were spread
    const { body } = await scrapeAll(c.base, sent, last, 6);
    promtoolCheck(body);
    expect(samples(body).get('http_active_connections')).toBe(0);

    const om = await call(`${c.base}/metrics`, 'GET', { accept: OPENMETRICS_ACCEPT });
    expect(om.status).toBe(200);
    expect(om.headers['content-type']).toBe(OPENMETRICS_CONTENT_TYPE);
    const parsed = parseOpenMetrics(om.body);
    expect(find(parsed, 'http_requests_total', { method: 'GET', route: '/users/:id', status: '200' })).toBe(
      sent.counts.get(USERS),
    );
    expect(
      find(parsed, 'http_request_duration_seconds_count', { method: 'POST', route: '/orders/:id', status: '201' }),
    ).toBe(sent.counts.get(ORDERS));
    expect(find(parsed, 'fixture_user_requests_total', { kind: 'a,kind:b' })).toBe(sent.counts.get(USERS));
  });

  it('a graceful restart (worker.disconnect) flushes the worker’s final state: nothing lost or counted twice', async () => {
    const before = await liveWorkers(c);
    // Sent after the last scrape, with periodic syncs off: only the final flush can carry the leaving worker's share.
    await traffic(c.base, 40, sent);
    const restart = JSON.parse((await call(`${c.control}/restart`, 'POST')).body) as {
      old: { id: number; signal: string | null };
      new: { id: number };
    };
    expect(restart.old.signal).toBeNull();
    const after = await liveWorkers(c);
    expect(after.map((w) => w.id)).not.toContain(restart.old.id);
    expect(after.map((w) => w.id)).toContain(restart.new.id);
    expect(before.map((w) => w.id)).toContain(restart.old.id);
    await scrapeAll(c.base, sent, last);
    await traffic(c.base, 30, sent);
    await scrapeAll(c.base, sent, last);
  });

  it('a worker SIGKILLed right after a sync loses nothing; counts never go down', async () => {
    await traffic(c.base, 40, sent);
    // /kill asks every worker for its state (primary.refresh()), then SIGKILLs one: nothing happened after that sync,
    // so the bound "at most what happened since the last sync" is 0 here.
    const kill = JSON.parse((await call(`${c.control}/kill?refresh=1`, 'POST')).body) as {
      old: { id: number; signal: string | null };
    };
    expect(kill.old.signal).toBe('SIGKILL');
    await scrapeAll(c.base, sent, last);
    await traffic(c.base, 30, sent);
    const { body } = await scrapeAll(c.base, sent, last);
    promtoolCheck(body);
    expect(sent.total).toBe(200);
    expect((await liveWorkers(c)).length).toBe(2);
  });
});

describe('a real node:cluster service with periodic syncs', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ SYNC_MS: '100' });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('workers sync on their own: a SIGKILL with no refresh loses nothing that was synced', async () => {
    const sent = new Sent();
    const last = new Map<string, number>();
    await traffic(c.base, 50, sent);
    // No scrape: wait until the primary's books (without asking anyone) hold every request — periodic syncs.
    await until(
      async () => {
        const state = JSON.parse((await call(`${c.control}/state`)).body) as AggregateResult;
        return state.series.reduce((n, s) => n + s[3], 0) === sent.total;
      },
      'periodic syncs to reach the primary',
      15_000,
    );
    const kill = JSON.parse((await call(`${c.control}/kill?refresh=0`, 'POST')).body) as {
      old: { signal: string | null };
    };
    expect(kill.old.signal).toBe('SIGKILL');
    await scrapeAll(c.base, sent, last);
    await traffic(c.base, 20, sent);
    await scrapeAll(c.base, sent, last);
  });
});

describe('a real Prometheus scraping the cluster (1 s scrapes, default 1 s syncs)', () => {
  let c: Cluster;
  let prometheus: StartedPrometheus;
  beforeAll(async () => {
    c = await startCluster({});
    const target = c.base.replace('http://', '');
    prometheus = await startPrometheus({
      config: `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: cluster\n    static_configs:\n      - targets: ['${target}']\n`,
    });
  });
  afterAll(async () => {
    await prometheus?.stop();
    await c?.stop();
  });

  const scalar = async (expr: string): Promise<number> => {
    const result = await prometheus.query(expr);
    expect(result, expr).toHaveLength(1);
    return Number(result[0]?.value[1]);
  };

  it('sees every request and no counter reset across a graceful restart and a SIGKILL', async () => {
    const sent = new Sent();
    await prometheus.settled(['cluster']);
    await traffic(c.base, 40, sent);
    await prometheus.settled(['cluster']);
    await call(`${c.control}/restart`, 'POST');
    await traffic(c.base, 40, sent);
    await prometheus.settled(['cluster']);
    await call(`${c.control}/kill?refresh=1`, 'POST');
    await traffic(c.base, 40, sent);
    await prometheus.settled(['cluster']);
    const targets = await prometheus.targets();
    expect(targets[0]?.health, JSON.stringify(targets)).toBe('up');
    expect(await scalar('sum(http_requests_total)')).toBe(sent.total);
    expect(await scalar('sum(http_request_duration_seconds_count)')).toBe(sent.total);
    expect(await scalar('sum(fixture_user_requests_total)')).toBe(sent.counts.get(USERS));
    expect(await scalar('sum(resets(http_requests_total[5m]))')).toBe(0);
    expect(await scalar('sum(resets(http_request_duration_seconds_bucket[5m]))')).toBe(0);
  });
});

describe('a cluster worker whose primary does not aggregate', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ SYNC_MS: '60000', PRIMARY_SETUP: '0', METRICS_TIMEOUT_MS: '300' });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('answers 503 with a plain-text reason (never one worker’s counts as if they were the service’s)', async () => {
    const r = await call(`${c.base}/metrics`);
    expect(r.status).toBe(503);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.body).toMatch(/cluster primary did not answer within 300 ms.*setupClusterMetricsPrimary/);
  });
});
