import {
  APPLICATION_METRICS,
  HTTP_DURATION_BUCKETS,
  httpActiveConnections,
  httpRequestDurationSeconds,
  httpRequestsTotal,
  metricsOverflowTotal,
  OVERFLOW_LABEL_VALUE,
} from '@greyhaven/metric-contract';
import promClient from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { HttpMetrics, methodIndex, pgPoolSource, registerDbPool, renderMetrics } from '../src/index.ts';
import { find, OPENMETRICS_ACCEPT, parseOpenMetrics, parseText, seriesOf, textValue } from './helpers.ts';

const GET = methodIndex('GET');
const POST = methodIndex('POST');
const quiet = () => new HttpMetrics({ onError: () => {} });

async function om(metrics: HttpMetrics, registries: promClient.Registry[] = []) {
  const r = await renderMetrics(OPENMETRICS_ACCEPT, { metrics, registries });
  expect(r.contentType).toBe(promClient.Registry.OPENMETRICS_CONTENT_TYPE);
  return parseOpenMetrics(r.body);
}
async function text(metrics: HttpMetrics, registries: promClient.Registry[] = []) {
  const r = await renderMetrics('text/plain', { metrics, registries });
  expect(r.contentType).toBe(promClient.Registry.PROMETHEUS_CONTENT_TYPE);
  return r.body;
}

describe('HttpMetrics', () => {
  it('exposes exactly the contract families, names, types, help and buckets', async () => {
    const metrics = quiet();
    registerDbPool({ active: () => 1, max: () => 4 }, metrics);
    metrics.observe(GET, '/users/:id', 200, 0.003);
    const families = parseText(await text(metrics));
    for (const spec of APPLICATION_METRICS) {
      const family = families.get(spec.name);
      expect(family, spec.name).toBeDefined();
      expect(family?.type).toBe(spec.type.toUpperCase());
      expect(family?.help).toBe(spec.help);
    }
    expect([...families.keys()].sort()).toEqual(APPLICATION_METRICS.map((m) => m.name).sort());

    const samples = await om(metrics);
    const les = seriesOf(samples, `${httpRequestDurationSeconds.name}_bucket`)
      .filter((s) => s.labels.status === '200')
      .map((s) => s.labels.le);
    expect(les.sort()).toEqual([...HTTP_DURATION_BUCKETS.map(String), '+Inf'].sort());
    for (const s of seriesOf(samples, httpRequestsTotal.name)) {
      expect(Object.keys(s.labels).sort()).toEqual([...httpRequestsTotal.labels].sort());
    }
  });

  it('counts, sums and buckets observations (cumulative buckets, le is inclusive)', async () => {
    const metrics = quiet();
    for (const s of [0.005, 0.01, 0.07, 0.3, 3, 9]) metrics.observe(GET, '/x', 200, s);
    const samples = await om(metrics);
    const l = { method: 'GET', route: '/x', status: '200' };
    expect(find(samples, httpRequestsTotal.name, l)).toBe(6);
    expect(find(samples, `${httpRequestDurationSeconds.name}_count`, l)).toBe(6);
    expect(find(samples, `${httpRequestDurationSeconds.name}_sum`, l)).toBeCloseTo(12.385, 9);
    const bucket = (le: string) => find(samples, `${httpRequestDurationSeconds.name}_bucket`, { ...l, le });
    expect([
      bucket('0.01'),
      bucket('0.05'),
      bucket('0.1'),
      bucket('0.5'),
      bucket('1'),
      bucket('2'),
      bucket('5'),
    ]).toEqual([2, 2, 3, 4, 4, 4, 5]);
    expect(bucket('+Inf')).toBe(6);
  });

  it('never lets a NaN, negative or infinite duration poison the sum', async () => {
    const metrics = quiet();
    metrics.observe(GET, '/x', 200, Number.NaN);
    metrics.observe(GET, '/x', 200, -1);
    metrics.observe(GET, '/x', 200, Number.POSITIVE_INFINITY);
    metrics.observe(GET, '/x', 200, 0.2);
    const samples = await om(metrics);
    const l = { method: 'GET', route: '/x', status: '200' };
    expect(find(samples, `${httpRequestDurationSeconds.name}_sum`, l)).toBeCloseTo(0.2, 12);
    expect(find(samples, httpRequestsTotal.name, l)).toBe(4);
  });

  it('keys label sets unambiguously (no separator-join collisions)', async () => {
    const metrics = quiet();
    metrics.observe(GET, 'a|b', 200, 0.001);
    metrics.observe(GET, 'a', 200, 0.001);
    metrics.observe(POST, 'a|b', 200, 0.001);
    metrics.observe(GET, 'a|b|200', 200, 0.001);
    metrics.observe(GET, 'GET', 200, 0.001);
    const samples = await om(metrics);
    const counts = seriesOf(samples, httpRequestsTotal.name).filter((s) => s.labels.status === '200');
    expect(counts).toHaveLength(5);
    expect(counts.every((s) => s.value === 1)).toBe(true);
  });

  it('pre-initialises status="500" at 0 when a route is first seen (documented choice), and can be turned off', async () => {
    const on = quiet();
    on.observe(GET, '/users/:id', 200, 0.01);
    on.observe(GET, '/users/:id', 201, 0.01);
    expect(find(await om(on), httpRequestsTotal.name, { method: 'GET', route: '/users/:id', status: '500' })).toBe(0);
    expect(on.labelSetCount).toBe(3);

    const off = new HttpMetrics({ preInitServerErrors: false });
    off.observe(GET, '/users/:id', 200, 0.01);
    expect(find(await om(off), httpRequestsTotal.name, { method: 'GET', route: '/users/:id', status: '500' })).toBe(
      undefined,
    );
  });

  it('folds label sets past the cap into route="__overflow__", keeping method and status, and counts them', async () => {
    const metrics = new HttpMetrics({ maxLabelSets: 10, preInitServerErrors: false });
    for (let i = 0; i < 50; i++) metrics.observe(GET, `/r${i}`, i % 5 === 0 ? 503 : 200, 0.01);
    const samples = await om(metrics);
    const counts = seriesOf(samples, httpRequestsTotal.name);
    const normal = counts.filter((s) => s.labels.route !== OVERFLOW_LABEL_VALUE);
    expect(normal).toHaveLength(10);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: OVERFLOW_LABEL_VALUE, status: '200' })).toBe(
      32,
    );
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: OVERFLOW_LABEL_VALUE, status: '503' })).toBe(
      8,
    );
    const total = counts.reduce((a, s) => a + s.value, 0);
    expect(total).toBe(50);
    for (const family of [httpRequestsTotal.name, httpRequestDurationSeconds.name]) {
      expect(find(samples, metricsOverflowTotal.name, { [metricsOverflowTotal.labels[0]]: family })).toBe(40);
    }
    // Known label sets keep counting normally past the cap.
    metrics.observe(GET, '/r0', 503, 0.01);
    expect(find(await om(metrics), httpRequestsTotal.name, { method: 'GET', route: '/r0', status: '503' })).toBe(2);
  });

  it('truncates long routes (one series per truncated value) and escapes label values', async () => {
    const metrics = new HttpMetrics({ maxRouteLength: 50 });
    const long = `/${'a'.repeat(100)}`;
    metrics.observe(GET, `${long}1`, 200, 0.01);
    metrics.observe(GET, `${long}2`, 200, 0.01);
    metrics.observe(GET, 'quote"back\\slash\nnewline', 200, 0.01);
    metrics.observe(GET, 'bad\uD800utf16', 200, 0.01);
    const body = await text(metrics);
    expect(textValue(body, httpRequestsTotal.name, { method: 'GET', route: long.slice(0, 50), status: '200' })).toBe(2);
    const samples = await om(metrics);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: long.slice(0, 50), status: '200' })).toBe(2);
    expect(
      find(samples, httpRequestsTotal.name, { method: 'GET', route: 'quote"back\\slash\nnewline', status: '200' }),
    ).toBe(1);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: 'bad\uFFFDutf16', status: '200' })).toBe(1);
  });

  it('reads DB pools at scrape time: sync, async, pg-style; a throwing pool drops only its sample', async () => {
    const onError = vi.fn();
    const metrics = new HttpMetrics({ onError });
    let active = 2;
    const stop = registerDbPool({ active: () => active, max: async () => 10 }, metrics);
    const l = {};
    let samples = await om(metrics);
    expect(find(samples, 'db_pool_connections_active', l)).toBe(2);
    expect(find(samples, 'db_pool_connections_max', l)).toBe(10);
    active = 7;
    samples = await om(metrics);
    expect(find(samples, 'db_pool_connections_active', l)).toBe(7);

    registerDbPool(pgPoolSource({ totalCount: 5, idleCount: 2, options: { max: 20 } }), metrics);
    registerDbPool(
      {
        active: () => {
          throw new Error('pool gone');
        },
        max: () => 1,
      },
      metrics,
    );
    samples = await om(metrics);
    expect(find(samples, 'db_pool_connections_active', l)).toBe(10);
    expect(find(samples, 'db_pool_connections_max', l)).toBe(30);
    expect(onError).toHaveBeenCalledWith(expect.any(Error), 'db pool read');

    stop();
    samples = await om(metrics);
    expect(find(samples, 'db_pool_connections_active', l)).toBe(3);
  });

  it('omits the DB pool gauges when no pool is registered', async () => {
    const samples = await om(quiet());
    expect(seriesOf(samples, 'db_pool_connections_active')).toHaveLength(0);
    expect(find(samples, httpActiveConnections.name)).toBe(0);
  });
});

describe('/metrics beside prom-client', () => {
  it('renders a prom-client registry after our families, in the negotiated format, without changing it', async () => {
    const registry = new promClient.Registry();
    registry.setDefaultLabels({ app: 'shop' });
    const jobs = new promClient.Counter({
      name: 'jobs_total',
      help: 'Jobs.',
      labelNames: ['kind'],
      registers: [registry],
    });
    jobs.inc({ kind: 'email' }, 3);
    const legacy = new promClient.Counter({ name: 'legacy_events', help: 'No _total suffix.', registers: [registry] });
    legacy.inc();
    const hist = new promClient.Histogram({
      name: 'job_seconds',
      help: 'Job time.',
      buckets: [1, 5],
      registers: [registry],
    });
    hist.observe(2);
    new promClient.Gauge({ name: 'queue_depth', help: 'Depth.', registers: [registry] }).set(4);
    const metrics = quiet();
    metrics.observe(GET, '/x', 200, 0.01);

    const before = await registry.metrics();
    const body = await text(metrics, [registry]);
    expect(textValue(body, 'jobs_total', { kind: 'email', app: 'shop' })).toBe(3);
    expect(textValue(body, 'legacy_events', { app: 'shop' })).toBe(1);
    expect(textValue(body, 'queue_depth', { app: 'shop' })).toBe(4);

    const samples = await om(metrics, [registry]);
    expect(find(samples, 'jobs_total', { kind: 'email', app: 'shop' })).toBe(3);
    expect(find(samples, 'legacy_events_total', { app: 'shop' })).toBe(1);
    expect(find(samples, 'job_seconds_bucket', { le: '5', app: 'shop' })).toBe(1);
    expect(find(samples, 'job_seconds_bucket', { le: '1', app: 'shop' })).toBe(0);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/x', status: '200' })).toBe(1);
    expect(await registry.metrics()).toBe(before);
  });

  it('leaves out a prom-client family that clashes with ours (the seed middleware still loaded) and reports it once', async () => {
    const registry = new promClient.Registry();
    new promClient.Counter({
      name: httpRequestsTotal.name,
      help: 'seed',
      labelNames: ['route'],
      registers: [registry],
    }).inc({ route: '/users/123' });
    const onError = vi.fn();
    const metrics = new HttpMetrics({ onError });
    metrics.observe(GET, '/users/:id', 200, 0.01);
    const body = await text(metrics, [registry]);
    await text(metrics, [registry]);
    const family = parseText(body).get(httpRequestsTotal.name);
    expect(family?.metrics.every((m) => m.labels?.route !== '/users/123')).toBe(true);
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('includes prom-client default registry metrics by default (Node entry point)', async () => {
    const c = new promClient.Counter({ name: 'default_registry_probe_total', help: 'probe' });
    c.inc(2);
    try {
      const r = await renderMetrics(undefined, { metrics: quiet() });
      expect(textValue(r.body, 'default_registry_probe_total')).toBe(2);
    } finally {
      promClient.register.removeSingleMetric('default_registry_probe_total');
    }
  });
});
