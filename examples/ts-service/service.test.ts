/** The example service on a real port: routes, /metrics, DB pool gauges, error and latency injection. */

import { httpRequestsTotal, UNMATCHED_ROUTE } from '@greyhaven/metric-contract';
import { HttpMetrics } from '@greyhaven/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { find, OPENMETRICS_ACCEPT, parseOpenMetrics, scrape } from '../../packages/metrics/test/helpers.ts';
import { createService, type Service } from './src/service.ts';

let service: Service;
let base: string;
const metrics = new HttpMetrics();

beforeAll(async () => {
  service = createService({ metrics, poolSize: 8 });
  base = await service.listen();
});
afterAll(() => service.close());

describe('example ts-service', () => {
  it('serves id routes labelled by template, and /metrics with the contract and DB pool gauges', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    for (const id of [1, 2, 3]) expect((await fetch(`${base}/users/${id}`)).status).toBe(200);
    expect((await fetch(`${base}/users/0`)).status).toBe(404);
    expect((await fetch(`${base}/orders/17/items`)).status).toBe(200);
    expect((await fetch(`${base}/orders/17/items`, { method: 'POST' })).status).toBe(201);
    expect((await fetch(`${base}/nothing/here`)).status).toBe(404);
    const samples = parseOpenMetrics((await scrape(base, OPENMETRICS_ACCEPT)).body);
    const c = (method: string, route: string, status: string) =>
      find(samples, httpRequestsTotal.name, { method, route, status });
    expect(c('GET', '/health', '200')).toBe(1);
    expect(c('GET', '/users/:id', '200')).toBe(3);
    expect(c('GET', '/users/:id', '404')).toBe(1);
    expect(c('GET', '/orders/:id/items', '200')).toBe(1);
    expect(c('POST', '/orders/:id/items', '201')).toBe(1);
    expect(c('GET', UNMATCHED_ROUTE, '404')).toBe(1);
    expect(find(samples, 'db_pool_connections_max')).toBe(8);
    expect(find(samples, 'db_pool_connections_active')).toBe(0);
  });

  it('injects errors and latency on the id routes only, switchable at run time', async () => {
    const set = await fetch(`${base}/admin/inject`, {
      method: 'POST',
      body: JSON.stringify({ errorRate: 1, latencyMs: 5 }),
    });
    expect(await set.json()).toEqual({ errorRate: 1, latencyMs: 5 });
    expect((await fetch(`${base}/users/5`)).status).toBe(500);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    await fetch(`${base}/admin/inject`, { method: 'POST', body: JSON.stringify({ errorRate: 0, latencyMs: 0 }) });
    expect((await fetch(`${base}/users/5`)).status).toBe(200);
    const samples = parseOpenMetrics((await scrape(base, OPENMETRICS_ACCEPT)).body);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/users/:id', status: '500' })).toBe(1);
    expect(find(samples, httpRequestsTotal.name, { method: 'POST', route: '/admin/inject', status: '200' })).toBe(
      undefined,
    );
  });
});
