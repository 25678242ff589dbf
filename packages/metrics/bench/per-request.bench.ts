/**
 * `npm run bench` (through scripts/bench.mjs): the middleware's per-request cost, @greyhaven/metrics' web-standard core
 * against the seed's middleware (kept verbatim in seed-middleware.ts), the same requests and the same next(),
 * interleaved round by round and reported as ratios: median with the interquartile range and min–max across rounds.
 * Not a test: nothing here asserts. BENCH_QUICK=1 for a short smoke run.
 */
import { HttpMetrics, metricsMiddleware } from '../src/index.ts';
import { metricsMiddleware as seedMiddleware } from './seed-middleware.ts';
import { fmt, QUICK, ROUTES, ratioCell, stats } from './stats.ts';

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

console.log(
  `## @greyhaven/metrics per-request benchmark — Node ${process.version}, ${new Date().toISOString()}${QUICK ? ' (quick)' : ''}`,
);
await perRequest();
