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
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  HTTP_DURATION_BUCKETS,
  HTTP_LABELS,
  httpRequestDurationSeconds,
  httpRequestsTotal,
} from '@greyhaven/metric-contract';
import autocannon from 'autocannon';
import promClient from 'prom-client';
import { HttpMetrics, instrumentNodeHandler, methodIndex, metricsMiddleware, trackNodeRequest } from '../src/index.ts';
import { nodeTemplateResolver } from '../src/node.ts';
import { metricsMiddleware as seedMiddleware } from './seed-middleware.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUTES = ['/users/:id', '/orders/:id/items', '/health'];

const CHILD = process.argv[2] === '--server' ? process.argv[3] : undefined;

// ---------- child mode: one HTTP server (plain or instrumented) for the throughput comparison ----------
if (CHILD !== undefined) {
  const app = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const body = req.url === '/health' ? 'ok' : '{"id":"1","name":"user"}';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  };
  const server = createServer(CHILD === 'instrumented' ? instrumentNodeHandler(app, { routes: ROUTES }) : app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.send?.({ port: (server.address() as AddressInfo).port });
  // Reports this process's CPU time (µs) on request, to measure server CPU per request.
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpu: user + system });
  });
  process.on('disconnect', () => process.exit(0));
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

const fmt = (x: number, digits = 2) => x.toFixed(digits);
/** Median of per-round ratios, with the interquartile range and the extremes. */
const ratioCell = (r: number[]) => {
  const s = stats(r);
  return `${fmt(s.median)}× (IQR ${fmt(s.p25)}–${fmt(s.p75)}; ${fmt(s.min)}–${fmt(s.max)})`;
};

async function perRequest() {
  const rounds = QUICK ? 3 : 80;
  const batch = QUICK ? 5_000 : 5_000;
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
  console.log('| variant | ns / request (median) | ratio to seed, median (IQR; min–max) |');
  console.log('| --- | ---: | ---: |');
  for (const [name] of variants) {
    const v = ns.get(name) as number[];
    const ratios = v.map((x, i) => x / (seedNs[i] as number));
    console.log(`| ${name} | ${fmt(stats(v).median, 0)} | ${ratioCell(ratios)} |`);
  }

  // Responses with a body: the core wraps the body stream to hold the active gauge until it is consumed.
  const bodyRounds = QUICK ? 3 : 40;
  const bodyBatch = QUICK ? 2_000 : 2_000;
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
  const baseMedian = stats(base).median;
  const seedNet = stats(bodyNs.get('seed') as number[]).median - baseMedian;
  console.log(
    `\n#### Responses with a body, created and read per request (${bodyRounds} interleaved rounds × ${bodyBatch})\n`,
  );
  console.log(
    'Net cost = median total − median "no middleware" (per-round differences of such large totals are noise).\n',
  );
  console.log(
    '| variant | total ns / request (median) | total / no-middleware, median (IQR; min–max) | net ns / request | net / seed net |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name] of bodyVariants) {
    const v = bodyNs.get(name) as number[];
    const net = stats(v).median - baseMedian;
    const ratios = v.map((x, i) => x / (base[i] as number));
    console.log(
      `| ${name} | ${fmt(stats(v).median, 0)} | ${ratioCell(ratios)} | ${fmt(net, 0)} | ${name === 'no middleware' ? '—' : `${fmt(net / seedNet)}×`} |`,
    );
  }
}

/**
 * The node adapter's own cost per request, on real IncomingMessage/ServerResponse objects without a socket
 * (headers written and `close` emitted, nothing sent): tracked minus untracked, interleaved. Far less noisy than
 * throughput on a shared machine; used to predict the throughput ratio from the plain server's CPU per request.
 */
function nodeTrackingCost(): number {
  const rounds = QUICK ? 3 : 30;
  const batch = QUICK ? 5_000 : 20_000;
  const metrics = new HttpMetrics();
  const template = nodeTemplateResolver({ routes: ROUTES });
  const socket = new Socket();
  const once = (track: boolean) => {
    const req = new IncomingMessage(socket);
    req.url = '/users/17';
    req.method = 'GET';
    const res = new ServerResponse(req);
    if (track) trackNodeRequest(metrics, req, res, template);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.emit('close');
  };
  const plain: number[] = [];
  const tracked: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    once(false);
    once(true);
  }
  for (let round = 0; round < rounds; round++) {
    for (const track of round % 2 === 0 ? [false, true] : [true, false]) {
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) once(track);
      (track ? tracked : plain).push(((performance.now() - t0) * 1e6) / batch);
    }
  }
  const cost = plain.map((p, i) => (tracked[i] as number) - p);
  const s = stats(cost);
  console.log(
    `\n#### node adapter tracking cost (${rounds} interleaved rounds × ${batch}, no socket): ${fmt(s.median, 0)} ns / request (IQR ${fmt(s.p25, 0)}–${fmt(s.p75, 0)})\n`,
  );
  return s.median;
}

async function throughput() {
  const rounds = QUICK ? 2 : 10;
  const duration = QUICK ? 2 : 3;
  type Kid = { port: number; cpu(): Promise<number>; stop(): void };
  const start = async (kind: string): Promise<Kid> => {
    const child = fork(fileURLToPath(import.meta.url), ['--server', kind], {
      execArgv: ['--conditions=@greyhaven/source', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', resolve as never));
    return {
      port,
      cpu: () =>
        new Promise<number>((resolve) => {
          child.once('message', (m: { cpu: number }) => resolve(m.cpu));
          child.send('cpu');
        }),
      stop: () => {
        child.disconnect();
        child.kill();
      },
    };
  };
  const plainKid = await start('plain');
  const instKid = await start('instrumented');
  /** One autocannon run: requests per second, and the server's CPU µs per request. */
  const run = async (kid: Kid) => {
    const cpu0 = await kid.cpu();
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      autocannon(
        {
          url: `http://127.0.0.1:${kid.port}`,
          connections: 32,
          pipelining: 1,
          duration,
          requests: [{ path: '/users/17' }, { path: '/orders/9/items' }, { path: '/health' }, { path: '/users/42' }],
        },
        (err, r) => (err ? reject(err) : resolve(r)),
      );
    });
    const cpu1 = await kid.cpu();
    return { rps: result.requests.average, cpuPerRequest: (cpu1 - cpu0) / Math.max(1, result.requests.total) };
  };
  try {
    await run(plainKid); // warm-up both
    await run(instKid);
    const plain: { rps: number; cpuPerRequest: number }[] = [];
    const inst: { rps: number; cpuPerRequest: number }[] = [];
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        plain.push(await run(plainKid));
        inst.push(await run(instKid));
      } else {
        inst.push(await run(instKid));
        plain.push(await run(plainKid));
      }
    }
    const rpsRatios = inst.map((x, i) => x.rps / (plain[i]?.rps as number));
    const cpuRatios = inst.map((x, i) => x.cpuPerRequest / (plain[i]?.cpuPerRequest as number));
    console.log(
      `\n### 2. HTTP throughput, node:http (${rounds} interleaved rounds × ${duration} s, autocannon, 32 connections, each server in its own child process)\n`,
    );
    console.log(
      '| server | req/s (median) | throughput ratio instrumented / plain, median (IQR; min–max) | server CPU µs / request (median) | CPU ratio, median (IQR; min–max) |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: |');
    console.log(
      `| plain node:http | ${fmt(stats(plain.map((x) => x.rps)).median, 0)} | | ${fmt(stats(plain.map((x) => x.cpuPerRequest)).median, 1)} | |`,
    );
    console.log(
      `| instrumentNodeHandler (route templates) | ${fmt(stats(inst.map((x) => x.rps)).median, 0)} | ${ratioCell(rpsRatios)} | ${fmt(stats(inst.map((x) => x.cpuPerRequest)).median, 1)} | ${ratioCell(cpuRatios)} |`,
    );
    const plainCpuNs = stats(plain.map((x) => x.cpuPerRequest)).median * 1000;
    const trackingNs = nodeTrackingCost();
    console.log(
      `Predicted throughput ratio when the server is CPU-bound: plain CPU / (plain CPU + tracking cost) = ${fmt(plainCpuNs, 0)} / ${fmt(plainCpuNs + trackingNs, 0)} = ${fmt(plainCpuNs / (plainCpuNs + trackingNs), 3)}`,
    );
  } finally {
    plainKid.stop();
    instKid.stop();
  }
}

async function render() {
  console.log('\n### 3. `/metrics` render time vs a plain prom-client registry with the same series\n');
  console.log(
    '| label sets | @greyhaven/metrics ms (median) | prom-client ms (median) | ratio, median (IQR; min–max) | body bytes ours / prom-client | heap MiB ours / prom-client |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  const gc = (globalThis as { gc?: () => void }).gc;
  const heap = () => {
    gc?.();
    gc?.();
    return process.memoryUsage().heapUsed / 2 ** 20;
  };
  const labelSet = (i: number) => ({
    method: i % 3 === 0 ? 'POST' : 'GET',
    route: `/svc${Math.floor(i / 6)}/items/:id`,
    status: [200, 201, 404, 500, 503, 302][i % 6] as number,
    seconds: (i % 97) / 100,
  });
  for (const sets of [1_000, 20_000]) {
    const rounds = QUICK ? 3 : sets > 5000 ? 15 : 61;
    const h0 = heap();
    const ours = new HttpMetrics({ maxLabelSets: sets, preInitServerErrors: false });
    for (let i = 0; i < sets; i++) {
      const { method, route, status, seconds } = labelSet(i);
      ours.observe(methodIndex(method), route, status, seconds);
    }
    const h1 = heap();
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
      const { method, route, status, seconds } = labelSet(i);
      const labels = { method, route, status: String(status) };
      counter.inc(labels);
      histogram.observe(labels, seconds);
    }
    const h2 = heap();
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
      `| ${sets.toLocaleString('en')} | ${fmt(stats(o).median)} | ${fmt(stats(p).median)} | ${ratioCell(ratios)} | ${fmt(oursBytes / promBytes)} | ${gc ? `${fmt(h1 - h0, 1)} / ${fmt(h2 - h1, 1)}` : 'n/a'} |`,
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

if (CHILD === undefined) await main();
