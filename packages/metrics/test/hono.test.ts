/** Hono adapter on a real @hono/node-server, and through app.request() (the non-Node, body-wrapping path). */
import type { Server } from 'node:http';
import { httpRequestsTotal, UNMATCHED_ROUTE } from '@greyhaven/metric-contract';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.ts';
import { HttpMetrics, honoMetrics, honoMetricsHandler, renderMetrics } from '../src/index.ts';
import { close, deferred, find, OPENMETRICS_ACCEPT, parseOpenMetrics, scrape, textValue } from './helpers.ts';

function buildApp(metrics: HttpMetrics) {
  const app = new Hono();
  const gate = deferred();
  app.onError((_err, c) => c.text('internal error', 500));
  app.use('*', honoMetrics({ metrics }));
  app.get('/metrics', honoMetricsHandler({ metrics, registries: [] }));
  app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }));
  const api = new Hono();
  api.post('/orders/:id/items', (c) => c.text('created', 201));
  app.route('/api', api);
  app.get('/boom/:id', () => {
    throw new Error('handler bug');
  });
  app.get('/stream', (c) =>
    stream(c, async (s) => {
      await s.write('a');
      await gate.promise;
      await s.write('b');
    }),
  );
  return { app, gate };
}

describe('Hono adapter on @hono/node-server', () => {
  const metrics = new HttpMetrics({ onError: () => {} });
  const { app, gate } = buildApp(metrics);
  let server: Server;
  let base: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        base = `http://127.0.0.1:${info.port}`;
        resolve();
      }) as Server;
    });
  });
  afterAll(() => close(server));

  it('labels with Hono’s matched route path (sub-apps included), 404s and errors', async () => {
    for (const id of ['1', '2']) expect((await fetch(`${base}/users/${id}`)).status).toBe(200);
    expect((await fetch(`${base}/api/orders/5/items`, { method: 'POST' })).status).toBe(201);
    expect((await fetch(`${base}/boom/1`)).status).toBe(500);
    expect((await fetch(`${base}/missing/123`)).status).toBe(404);
    const { body, contentType } = await scrape(base);
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(textValue(body, httpRequestsTotal.name, { method: 'GET', route: '/users/:id', status: '200' })).toBe(2);
    const samples = parseOpenMetrics((await scrape(base, OPENMETRICS_ACCEPT)).body);
    expect(
      find(samples, httpRequestsTotal.name, { method: 'POST', route: '/api/orders/:id/items', status: '201' }),
    ).toBe(1);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/boom/:id', status: '500' })).toBe(1);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: UNMATCHED_ROUTE, status: '404' })).toBe(1);
  });

  it('keeps a streaming response active until the node response closes', async () => {
    await until(async () => metrics.active === 0, 'idle', 10_000, 10);
    const res = await fetch(`${base}/stream`);
    const reader = res.body?.getReader();
    await reader?.read();
    expect(metrics.active).toBe(1);
    gate.resolve();
    while (!(await reader?.read())?.done) {}
    await until(async () => metrics.active === 0, 'stream released', 10_000, 10);
  });
});

describe('Hono adapter via app.request (fetch runtimes: body wrapped)', () => {
  it('records and holds the gauge until the body is consumed', async () => {
    const metrics = new HttpMetrics({ onError: () => {} });
    const { app, gate } = buildApp(metrics);
    const res = await app.request('/users/9');
    expect(metrics.active).toBe(1);
    expect(await res.json()).toEqual({ id: '9' });
    expect(metrics.active).toBe(0);

    const streaming = await app.request('/stream');
    const reading = streaming.text();
    expect(metrics.active).toBe(1);
    gate.resolve();
    expect(await reading).toBe('ab');
    expect(metrics.active).toBe(0);

    expect((await app.request('/boom/3')).status).toBe(500);
    const samples = parseOpenMetrics(
      await (await app.request('/metrics', { headers: { accept: OPENMETRICS_ACCEPT } })).text(),
    );
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/users/:id', status: '200' })).toBe(1);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/boom/:id', status: '500' })).toBe(1);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/stream', status: '200' })).toBe(1);
  });

  it('counts an error that escapes Hono as 500 and rethrows it unchanged', async () => {
    const metrics = new HttpMetrics({ onError: () => {} });
    const app = new Hono();
    app.use('*', honoMetrics({ metrics }));
    app.get('/x/:id', () => {
      throw new Error('escapes');
    });
    const escaped = new Error('escapes');
    app.onError((err) => {
      throw err === escaped ? err : escaped;
    });
    await expect(app.request('/x/1')).rejects.toBe(escaped);
    expect(metrics.active).toBe(0);
    const samples = parseOpenMetrics((await renderMetrics(OPENMETRICS_ACCEPT, { metrics, registries: [] })).body);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/x/:id', status: '500' })).toBe(1);
  });
});
