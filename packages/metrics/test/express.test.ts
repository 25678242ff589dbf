/** Express 5 adapter on a real server, with a metric already in prom-client's default registry. */
import { createServer, type Server } from 'node:http';
import { httpRequestsTotal, UNMATCHED_ROUTE } from '@greyhaven/metric-contract';
import express from 'express';
import promClient from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.ts';
import { expressMetrics, expressMetricsHandler, HttpMetrics } from '../src/index.ts';
import { close, find, listen, OPENMETRICS_ACCEPT, parseOpenMetrics, scrape, textValue } from './helpers.ts';

const metrics = new HttpMetrics({ onError: () => {} });
const existing = new promClient.Counter({ name: 'checkout_attempts_total', help: 'Existing app metric.' });
let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(expressMetrics({ metrics }));
  app.get('/metrics', expressMetricsHandler({ metrics }));
  app.get('/users/:id', (req, res) => {
    existing.inc();
    res.json({ id: req.params.id });
  });
  app.get('/users/:id/fail', () => {
    throw new Error('handler bug');
  });
  app.get('/async/:id', async () => {
    await new Promise((r) => setTimeout(r, 1));
    throw new Error('async handler bug');
  });
  const orders = express.Router();
  orders.get('/:orderId/items', (_req, res) => {
    res.status(201).send('ok');
  });
  app.use('/tenants/:tenant/orders', orders);
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).send(err.message);
  });
  server = createServer(app);
  base = await listen(server);
});
afterAll(() => close(server));

describe('Express adapter', () => {
  it('labels with Express route templates, including nested routers', async () => {
    for (const id of ['1', 'abc', 'Ω'])
      expect((await fetch(`${base}/users/${encodeURIComponent(id)}`)).status).toBe(200);
    expect((await fetch(`${base}/tenants/42/orders/99/items`)).status).toBe(201);
    expect((await fetch(`${base}/wp-admin/setup.php`)).status).toBe(404);
    const samples = parseOpenMetrics((await scrape(base, OPENMETRICS_ACCEPT)).body);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/users/:id', status: '200' })).toBe(3);
    expect(
      find(samples, httpRequestsTotal.name, {
        method: 'GET',
        route: '/tenants/:id/orders/:orderId/items',
        status: '201',
      }),
    ).toBe(1);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: UNMATCHED_ROUTE, status: '404' })).toBe(1);
  });

  it('counts throwing routes (sync and async) as 500 under their template', async () => {
    expect((await fetch(`${base}/users/7/fail`)).status).toBe(500);
    expect((await fetch(`${base}/async/7`)).status).toBe(500);
    const samples = parseOpenMetrics((await scrape(base, OPENMETRICS_ACCEPT)).body);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/users/:id/fail', status: '500' })).toBe(1);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/async/:id', status: '500' })).toBe(1);
    await until(async () => metrics.active <= 1, 'requests released', 10_000, 10);
  });

  it('serves the default registry’s existing metrics beside ours', async () => {
    const { body, contentType } = await scrape(base);
    expect(contentType).toBe(promClient.register.contentType);
    expect(textValue(body, 'checkout_attempts_total')).toBe(3);
    expect(textValue(body, httpRequestsTotal.name, { method: 'GET', route: '/users/:id', status: '200' })).toBe(3);
    const samples = parseOpenMetrics((await scrape(base, OPENMETRICS_ACCEPT)).body);
    expect(find(samples, 'checkout_attempts_total')).toBe(3);
  });
});
