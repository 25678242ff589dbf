/**
 * `npm run bench` (through scripts/bench.mjs): @greyhaven/metrics against the seed's middleware (kept verbatim in
 * seed-middleware.ts) and against plain prom-client. Every comparison is interleaved round by round in one run
 * and reported as ratios: median with min–max across rounds. Not a test: nothing here asserts.
 *
 *   1. Per-request middleware cost (web-standard core vs the seed, same requests, same next()).
 *   2. HTTP throughput: a node:http server instrumented with instrumentNodeHandler vs the same server
 *      uninstrumented, under autocannon (server in a child process, loopback only, bounded duration).
 *   3. /metrics render time at 1k and 20k label sets vs a plain prom-client registry holding the same series.
 *
 * Environment: BENCH_QUICK=1 for a short smoke run.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  HTTP_DURATION_BUCKETS,
  HTTP_LABELS,
  httpRequestDurationSeconds,
  httpRequestsTotal,
} from '@greyhaven/metric-contract';
import autocannon from 'autocannon';
import promClient from 'prom-client';
import { HttpMetrics, instrumentNodeHandler, methodIndex, metricsMiddleware } from '../src/index.ts';
import { metricsMiddleware as seedMiddleware } from './seed-middleware.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUTES = ['/users/:id', '/orders/:id/items', '/health'];

const CHILD = process.argv[2] === '--servers';

// ---------- child mode: the HTTP servers for the throughput comparison ----------
if (CHILD) {
  const app = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const body = req.url === '/health' ? 'ok' : '{"id":"1","name":"user"}';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  };
  const plain = createServer(app);
  const instrumented = createServer(instrumentNodeHandler(app, { routes: ROUTES }));
  await Promise.all([plain, instrumented].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  process.send?.({
    plain: (plain.address() as AddressInfo).port,
    instrumented: (instrumented.address() as AddressInfo).port,
  });
  process.on('disconnect', () => process.exit(0));
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
}

const fmt = (x: number, digits = 2) => x.toFixed(digits);
const ratioCell = (r: number[]) => {
  const s = stats(r);
  return `${fmt(s.median)}× (${fmt(s.min)}–${fmt(s.max)})`;
};

async function perRequest() {
  const rounds = QUICK ? 3 : 15;
  const batch = QUICK ? 5_000 : 40_000;
  // 100 distinct URLs with ids (the seed keeps one series per raw path, so keep its cardinality bounded too).
  const requests = Array.from({ length: 100 }, (_, i) =>
    i % 2 === 0
      ? new Request(`http://svc/users/${1000 + i}?q=1`)
      : new Request(`http://svc/orders/${i}/items`, { method: 'POST' }),
  );
  const response = new Response(null, { status: 200 });
  const next = async () => response;

  const ours = metricsMiddleware({ metrics: new HttpMetrics() });
  const oursRoutes = metricsMiddleware({ metrics: new HttpMetrics(), routes: ROUTES });
  const seed = seedMiddleware();
  const noop = async (_req: Request, n: () => Promise<Response>) => {
    const t = performance.now();
    const r = await n();
    performance.now() - t;
    return r;
  };
  const variants: [string, (req: Request, n: () => Promise<Response>) => Promise<Response>][] = [
    ['seed (prom-client, raw path, Date.now)', seed],
    ['@greyhaven/metrics, normaliser', ours],
    ['@greyhaven/metrics, route templates', oursRoutes],
    ['async no-op reading the clock twice', noop],
  ];
  const ns = new Map<string, number[]>(variants.map(([n]) => [n, []]));
  // Warm-up.
  for (const [, mw] of variants) for (let i = 0; i < 20_000; i++) await mw(requests[i % 100] as Request, next);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const [name, mw] of order) {
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) await mw(requests[i % 100] as Request, next);
      ns.get(name)?.push(((performance.now() - t0) * 1e6) / batch);
    }
  }
  const seedNs = ns.get(variants[0]?.[0] as string) as number[];
  console.log(`\n### 1. Per-request cost (${rounds} interleaved rounds × ${batch} requests, body-less response)\n`);
  console.log('| variant | ns / request (median) | ratio to seed, median (min–max) |');
  console.log('| --- | ---: | ---: |');
  for (const [name] of variants) {
    const v = ns.get(name) as number[];
    const ratios = v.map((x, i) => x / (seedNs[i] as number));
    console.log(`| ${name} | ${fmt(stats(v).median, 0)} | ${ratioCell(ratios)} |`);
  }

  // Responses with a body: the core wraps the body stream to hold the active gauge until it is consumed.
  const bodyRounds = QUICK ? 3 : 9;
  const bodyBatch = QUICK ? 2_000 : 10_000;
  const bodyNext = async () => new Response('{"ok":true}');
  const bodyVariants: [string, (req: Request, n: () => Promise<Response>) => Promise<Response>][] = [
    ['seed', seed],
    ['@greyhaven/metrics (body tracked)', ours],
    ['@greyhaven/metrics (trackBody: false)', metricsMiddleware({ metrics: new HttpMetrics(), trackBody: false })],
    ['no middleware', (_r, n) => n()],
  ];
  const bodyNs = new Map<string, number[]>(bodyVariants.map(([n]) => [n, []]));
  for (let round = 0; round < bodyRounds; round++) {
    const order = round % 2 === 0 ? bodyVariants : [...bodyVariants].reverse();
    for (const [name, mw] of order) {
      const t0 = performance.now();
      for (let i = 0; i < bodyBatch; i++) await (await mw(requests[i % 100] as Request, bodyNext)).arrayBuffer();
      bodyNs.get(name)?.push(((performance.now() - t0) * 1e6) / bodyBatch);
    }
  }
  const base = bodyNs.get('no middleware') as number[];
  const seedB = bodyNs.get('seed') as number[];
  console.log(
    `\n#### Responses with a body, created and read per request (${bodyRounds} rounds × ${bodyBatch}); middleware cost = total − no-middleware\n`,
  );
  console.log('| variant | total ns / request | middleware ns / request | middleware cost ratio to seed |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [name] of bodyVariants) {
    const v = bodyNs.get(name) as number[];
    const net = v.map((x, i) => x - (base[i] as number));
    const ratios = net.map((x, i) => x / ((seedB[i] as number) - (base[i] as number)));
    console.log(
      `| ${name} | ${fmt(stats(v).median, 0)} | ${fmt(stats(net).median, 0)} | ${name === 'no middleware' ? '—' : ratioCell(ratios)} |`,
    );
  }
}

async function throughput() {
  const rounds = QUICK ? 2 : 6;
  const duration = QUICK ? 2 : 5;
  const child = fork(fileURLToPath(import.meta.url), ['--servers'], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const ports = await new Promise<{ plain: number; instrumented: number }>((resolve) =>
    child.once('message', resolve as never),
  );
  const run = (port: number) =>
    new Promise<number>((resolve, reject) => {
      autocannon(
        {
          url: `http://127.0.0.1:${port}`,
          connections: 32,
          pipelining: 1,
          duration,
          requests: [{ path: '/users/17' }, { path: '/orders/9/items' }, { path: '/health' }, { path: '/users/42' }],
        },
        (err, result) => (err ? reject(err) : resolve(result.requests.average)),
      );
    });
  try {
    await run(ports.plain); // warm-up both
    await run(ports.instrumented);
    const plain: number[] = [];
    const inst: number[] = [];
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        plain.push(await run(ports.plain));
        inst.push(await run(ports.instrumented));
      } else {
        inst.push(await run(ports.instrumented));
        plain.push(await run(ports.plain));
      }
    }
    const ratios = inst.map((x, i) => x / (plain[i] as number));
    console.log(
      `\n### 2. HTTP throughput, node:http (${rounds} interleaved rounds × ${duration} s, autocannon, 32 connections, server in a child process)\n`,
    );
    console.log('| server | req/s (median) | ratio instrumented / plain, median (min–max) |');
    console.log('| --- | ---: | ---: |');
    console.log(`| plain node:http | ${fmt(stats(plain).median, 0)} | |`);
    console.log(`| instrumentNodeHandler (route templates) | ${fmt(stats(inst).median, 0)} | ${ratioCell(ratios)} |`);
  } finally {
    child.disconnect();
    child.kill();
  }
}

async function render() {
  console.log('\n### 3. `/metrics` render time vs a plain prom-client registry with the same series\n');
  console.log(
    '| label sets | @greyhaven/metrics ms (median) | prom-client ms (median) | ratio, median (min–max) | body bytes ours / prom-client |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const sets of [1_000, 20_000]) {
    const rounds = QUICK ? 3 : sets > 5000 ? 9 : 21;
    const ours = new HttpMetrics({ maxLabelSets: sets, preInitServerErrors: false });
    const registry = new promClient.Registry();
    const counter = new promClient.Counter({
      name: httpRequestsTotal.name,
      help: httpRequestsTotal.help,
      labelNames: [...HTTP_LABELS],
      registers: [registry],
    });
    const histogram = new promClient.Histogram({
      name: httpRequestDurationSeconds.name,
      help: httpRequestDurationSeconds.help,
      labelNames: [...HTTP_LABELS],
      buckets: [...HTTP_DURATION_BUCKETS],
      registers: [registry],
    });
    for (let i = 0; i < sets; i++) {
      const method = i % 3 === 0 ? 'POST' : 'GET';
      const route = `/svc${Math.floor(i / 6)}/items/:id`;
      const status = [200, 201, 404, 500, 503, 302][i % 6] as number;
      const seconds = (i % 97) / 100;
      ours.observe(methodIndex(method), route, status, seconds);
      const labels = { method, route, status: String(status) };
      counter.inc(labels);
      histogram.observe(labels, seconds);
    }
    if (ours.labelSetCount !== sets) throw new Error(`expected ${sets} label sets, got ${ours.labelSetCount}`);
    const oursMs: number[] = [];
    const promMs: number[] = [];
    let oursBytes = 0;
    let promBytes = 0;
    for (let round = 0; round < rounds; round++) {
      const measure = async (fn: () => Promise<string>, into: number[]) => {
        const t0 = performance.now();
        const body = await fn();
        into.push(performance.now() - t0);
        return body.length;
      };
      const a = () => measure(() => ours.render('prometheus'), oursMs);
      const b = () => measure(() => registry.metrics(), promMs);
      if (round % 2 === 0) {
        oursBytes = await a();
        promBytes = await b();
      } else {
        promBytes = await b();
        oursBytes = await a();
      }
    }
    // Drop the first round of each (warm-up), keep the interleaving.
    const o = oursMs.slice(1);
    const p = promMs.slice(1);
    const ratios = o.map((x, i) => x / (p[i] as number));
    console.log(
      `| ${sets.toLocaleString('en')} | ${fmt(stats(o).median)} | ${fmt(stats(p).median)} | ${ratioCell(ratios)} | ${fmt(oursBytes / promBytes)} |`,
    );
  }
}

async function main() {
  console.log(
    `## @greyhaven/metrics benchmark — Node ${process.version}, ${new Date().toISOString()}${QUICK ? ' (quick)' : ''}`,
  );
  await perRequest();
  await render();
  await throughput();
}

if (!CHILD) await main();
