/** node:http adapter on real servers (127.0.0.1), scraped over HTTP and parsed by Prometheus' own parsers. */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import {
  CLIENT_CLOSED_STATUS,
  HTTP_DURATION_BUCKETS,
  httpRequestsTotal,
  metricsOverflowTotal,
  OVERFLOW_LABEL_VALUE,
  UNMATCHED_ROUTE,
} from '@greyhaven/metric-contract';
import promClient from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.ts';
import { HttpMetrics, instrumentNodeHandler, nodeMetricsHandler } from '../src/index.ts';
import {
  close,
  deferred,
  find,
  listen,
  OPENMETRICS_ACCEPT,
  parseOpenMetrics,
  pool,
  scrape,
  seriesOf,
  textValue,
} from './helpers.ts';

const metrics = new HttpMetrics({ maxLabelSets: 300, onError: () => {} });
const gates = new Map<string, ReturnType<typeof deferred<void>>>();
const appErrors: unknown[] = [];
let streamWrite: ((chunk: string | null) => void) | undefined;

async function app(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  if (url.startsWith('/users/')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"id":1}');
  } else if (url.startsWith('/sync-throw/')) {
    throw new RangeError('sync');
  } else if (url.startsWith('/async-throw/')) {
    await new Promise((r) => setTimeout(r, 1));
    throw new RangeError('async');
  } else if (url.startsWith('/wait/')) {
    await gates.get(url)?.promise;
    if (!res.destroyed) res.end('late');
  } else if (url === '/stream') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first;');
    streamWrite = (chunk) => (chunk === null ? res.end() : res.write(chunk));
  } else if (url.startsWith('/scan-ok/')) {
    res.end('ok');
  } else {
    res.statusCode = 404;
    res.end('not found');
  }
}

const instrumented = instrumentNodeHandler(app, { metrics, routes: ['/users/:id'] });
const serveMetrics = nodeMetricsHandler({ metrics });
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/metrics') return void serveMetrics(req, res);
    // Like a framework would: catch what the instrumented listener rethrows and answer 500.
    try {
      const p = instrumented(req, res);
      p.catch((error: unknown) => {
        appErrors.push(error);
        if (!res.headersSent) res.writeHead(500).end();
      });
    } catch (error) {
      appErrors.push(error);
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  base = await listen(server);
});
afterAll(() => close(server));

async function om() {
  return parseOpenMetrics((await scrape(base, OPENMETRICS_ACCEPT)).body);
}

describe('node:http adapter', () => {
  it('labels with the template, the normaliser and UNMATCHED_ROUTE, and serves both formats', async () => {
    for (const id of [1, 2, 3]) expect((await fetch(`${base}/users/${id}`)).status).toBe(200);
    expect((await fetch(`${base}/no/such/page`)).status).toBe(404);
    const text = await scrape(base);
    expect(text.contentType).toBe(promClient.register.contentType);
    expect(textValue(text.body, httpRequestsTotal.name, { method: 'GET', route: '/users/:id', status: '200' })).toBe(3);
    const samples = await om();
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/users/:id', status: '200' })).toBe(3);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: UNMATCHED_ROUTE, status: '404' })).toBe(1);
  });

  it('counts sync and async throws as 500 and rethrows the same error', async () => {
    expect((await fetch(`${base}/sync-throw/1`)).status).toBe(500);
    expect((await fetch(`${base}/async-throw/2`)).status).toBe(500);
    expect(appErrors.map((e) => (e as Error).message)).toEqual(['sync', 'async']);
    expect(appErrors.every((e) => e instanceof RangeError)).toBe(true);
    const samples = await om();
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/sync-throw/:id', status: '500' })).toBe(1);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/async-throw/:id', status: '500' })).toBe(1);
  });

  it('tracks in-flight requests under concurrency and an aborted request as 499', async () => {
    const paths = Array.from({ length: 8 }, (_, i) => `/wait/${i}`);
    for (const p of paths) gates.set(p, deferred());
    const responses = paths.slice(0, 7).map((p) => fetch(`${base}${p}`));
    // One client gives up before any response headers.
    const aborted = httpRequest(`${base}${paths[7]}`);
    aborted.on('error', () => {});
    aborted.end();
    await until(async () => metrics.active === 8, 'eight requests in flight', 10_000, 10);
    expect(find(await om(), 'http_active_connections')).toBe(8);
    aborted.destroy();
    await until(async () => metrics.active === 7, 'aborted request released', 10_000, 10);
    for (const p of paths) gates.get(p)?.resolve();
    await Promise.all((await Promise.all(responses)).map((r) => r.text()));
    await until(async () => metrics.active === 0, 'all released', 10_000, 10);
    const samples = await om();
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/wait/:id', status: '200' })).toBe(7);
    expect(
      find(samples, httpRequestsTotal.name, { method: 'GET', route: '/wait/:id', status: CLIENT_CLOSED_STATUS }),
    ).toBe(1);
    expect(find(samples, 'http_active_connections')).toBe(0);
  });

  it('keeps a streaming response active until its body ends', async () => {
    const res = await fetch(`${base}/stream`);
    expect(res.status).toBe(200);
    const reading = res.text();
    streamWrite?.('a');
    expect(metrics.active).toBe(1);
    expect(find(await om(), 'http_active_connections')).toBe(1);
    streamWrite?.(null);
    expect(await reading).toBe('first;a');
    await until(async () => metrics.active === 0, 'stream released', 10_000, 10);
  });

  it('keeps series bounded under a 10,000-unique-URL scan', async () => {
    const urls = Array.from({ length: 10_000 }, (_, i) =>
      i % 2 === 0 ? `/scan-ok/${i.toString(36)}x${'abcdefghij'[i % 10]}` : `/.git/${i.toString(36)}-probe-${i % 7}.php`,
    );
    await pool(urls, 16, async (u) => {
      const r = await fetch(`${base}${u}`);
      await r.arrayBuffer();
    });
    const samples = await om();
    const counts = seriesOf(samples, httpRequestsTotal.name);
    expect(metrics.labelSetCount).toBeLessThanOrEqual(300);
    expect(counts.length).toBeLessThanOrEqual(300 + 10);
    expect(seriesOf(samples, 'http_request_duration_seconds_bucket').length).toBeLessThanOrEqual(
      (300 + 10) * (HTTP_DURATION_BUCKETS.length + 1),
    );
    // Every request is still counted: the scan's 404s under UNMATCHED_ROUTE, the rest kept or folded.
    expect(
      find(samples, httpRequestsTotal.name, { method: 'GET', route: UNMATCHED_ROUTE, status: '404' }),
    ).toBeGreaterThanOrEqual(5000);
    const scanned = counts
      .filter((s) => s.labels.route?.startsWith('/scan-ok/') || s.labels.route === OVERFLOW_LABEL_VALUE)
      .reduce((a, s) => a + s.value, 0);
    expect(scanned).toBe(5000);
    expect(find(samples, metricsOverflowTotal.name, { metric: httpRequestsTotal.name })).toBeGreaterThan(4000);
  }, 180_000); // 10,000 real requests: a few seconds here, far more on a busy shared machine
});
