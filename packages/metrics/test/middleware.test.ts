import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { httpRequestsTotal, UNMATCHED_ROUTE } from '@greyhaven/metric-contract';
import { describe, expect, it, vi } from 'vitest';
import { until } from '../../../test/support/until.ts';
import { HttpMetrics, metricsHandler, metricsMiddleware } from '../src/index.ts';
import { deferred, find, OPENMETRICS_ACCEPT, parseOpenMetrics, textValue } from './helpers.ts';

const quiet = () => new HttpMetrics({ onError: () => {} });

/**
 * V8's `gc()`, whether or not the test runner was started with `--expose-gc`: the flag is set at run time and the
 * function read from a fresh context, which V8 creates with `gc` once the flag is on. Without this the GC tests
 * would have nothing to call in CI and could only skip.
 */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as unknown;
  if (typeof gc !== 'function') throw new Error('gc() is not available even with --expose-gc set at run time');
  return gc as () => void;
}

async function samplesOf(metrics: HttpMetrics) {
  const res = await metricsHandler({ metrics, registries: [] })(
    new Request('http://h/metrics', { headers: { accept: OPENMETRICS_ACCEPT } }),
  );
  return parseOpenMetrics(await res.text());
}

describe('metricsMiddleware (web-standard core)', () => {
  it('records method, route (normalised), status and returns the response untouched when it has no body', async () => {
    const metrics = quiet();
    const mw = metricsMiddleware({ metrics });
    const original = new Response(null, { status: 204 });
    const res = await mw(new Request('http://h/users/42?x=1', { method: 'DELETE' }), async () => original);
    expect(res).toBe(original);
    const samples = await samplesOf(metrics);
    expect(find(samples, httpRequestsTotal.name, { method: 'DELETE', route: '/users/:id', status: '204' })).toBe(1);
    expect(find(samples, 'http_active_connections')).toBe(0);
  });

  it('uses route templates when given, UNMATCHED_ROUTE for an unmatched 404, and `other` for unknown verbs', async () => {
    const metrics = quiet();
    const mw = metricsMiddleware({ metrics, routes: ['/orders/:id/items'] });
    await mw(new Request('http://h/orders/abc/items'), async () => new Response(null));
    await mw(new Request('http://h/wp-login.php'), async () => new Response(null, { status: 404 }));
    await mw(new Request('http://h/orders/1/items', { method: 'PURGE' }), async () => new Response(null));
    const samples = await samplesOf(metrics);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/orders/:id/items', status: '200' })).toBe(1);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: UNMATCHED_ROUTE, status: '404' })).toBe(1);
    expect(find(samples, httpRequestsTotal.name, { method: 'other', route: '/orders/:id/items', status: '200' })).toBe(
      1,
    );
  });

  it('counts a throwing handler as 500 and rethrows the very same error', async () => {
    const metrics = quiet();
    const mw = metricsMiddleware({ metrics });
    const boom = new TypeError('boom');
    await expect(
      mw(new Request('http://h/pay/7', { method: 'POST' }), async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    const thrownValue = { notAnError: true };
    await expect(mw(new Request('http://h/pay/8', { method: 'POST' }), () => Promise.reject(thrownValue))).rejects.toBe(
      thrownValue,
    );
    const samples = await samplesOf(metrics);
    expect(find(samples, httpRequestsTotal.name, { method: 'POST', route: '/pay/:id', status: '500' })).toBe(2);
    expect(find(samples, 'http_active_connections')).toBe(0);
  });

  it('keeps http_active_connections right under concurrency', async () => {
    const metrics = quiet();
    const mw = metricsMiddleware({ metrics });
    const gates = Array.from({ length: 20 }, () => deferred());
    const inflight = gates.map((g, i) =>
      mw(new Request(`http://h/job/${i}`), async () => {
        await g.promise;
        if (i % 4 === 0) throw new Error('fail');
        return new Response(null, { status: 200 });
      }).catch(() => undefined),
    );
    expect(metrics.active).toBe(20);
    for (let i = 0; i < 10; i++) gates[i]?.resolve();
    await Promise.all(inflight.slice(0, 10));
    expect(metrics.active).toBe(10);
    for (const g of gates) g.resolve();
    await Promise.all(inflight);
    expect(metrics.active).toBe(0);
  });

  it('holds the active gauge until a streaming body finishes', async () => {
    const metrics = quiet();
    const mw = metricsMiddleware({ metrics });
    let push!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        push = c;
      },
    });
    const res = await mw(new Request('http://h/stream'), async () => new Response(body, { status: 200 }));
    expect(res.status).toBe(200);
    expect(metrics.active).toBe(1);
    const reading = res.text();
    push.enqueue(new TextEncoder().encode('a'));
    push.enqueue(new TextEncoder().encode('b'));
    expect(metrics.active).toBe(1);
    push.close();
    expect(await reading).toBe('ab');
    expect(metrics.active).toBe(0);
    // The request was counted at headers time.
    expect(
      find(await samplesOf(metrics), httpRequestsTotal.name, { method: 'GET', route: '/stream', status: '200' }),
    ).toBe(1);
  });

  it('releases the gauge when the body is cancelled (client went away) or errors', async () => {
    const metrics = quiet();
    const mw = metricsMiddleware({ metrics });
    const cancelled = vi.fn();
    const res = await mw(
      new Request('http://h/sse'),
      async () => new Response(new ReadableStream({ pull() {}, cancel: cancelled }), { status: 200 }),
    );
    expect(metrics.active).toBe(1);
    await res.body?.cancel('client closed');
    expect(metrics.active).toBe(0);
    expect(cancelled).toHaveBeenCalledWith('client closed');

    const failing = await mw(
      new Request('http://h/broken'),
      async () =>
        new Response(
          new ReadableStream({
            pull(c) {
              c.error(new Error('upstream reset'));
            },
          }),
        ),
    );
    await expect(failing.text()).rejects.toThrow('upstream reset');
    expect(metrics.active).toBe(0);
  });

  it('keeps status, statusText and headers (set-cookie included) on the body-tracking response', async () => {
    const metrics = quiet();
    const mw = metricsMiddleware({ metrics });
    const headers = new Headers({ 'content-type': 'application/json', 'x-a': '1' });
    headers.append('set-cookie', 'a=1');
    headers.append('set-cookie', 'b=2');
    const res = await mw(
      new Request('http://h/x'),
      async () => new Response('{"ok":true}', { status: 201, statusText: 'Made', headers }),
    );
    expect(res.status).toBe(201);
    expect(res.statusText).toBe('Made');
    expect(res.headers.get('x-a')).toBe('1');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('releases at once for HEAD, with trackBody: false, and for a response it cannot rebuild', async () => {
    const metrics = quiet();
    await metricsMiddleware({ metrics })(new Request('http://h/x', { method: 'HEAD' }), async () => new Response('x'));
    expect(metrics.active).toBe(0);
    const original = new Response('x');
    const res = await metricsMiddleware({ metrics, trackBody: false })(new Request('http://h/x'), async () => original);
    expect(res).toBe(original);
    expect(metrics.active).toBe(0);
    const error = Response.error();
    expect(await metricsMiddleware({ metrics })(new Request('http://h/x'), async () => error)).toBeDefined();
    expect(metrics.active).toBe(0);
  });

  it('never throws into the application when instrumentation fails', async () => {
    const onError = vi.fn();
    const metrics = new HttpMetrics({ onError });
    vi.spyOn(metrics, 'observe').mockImplementation(() => {
      throw new Error('metrics bug');
    });
    const mw = metricsMiddleware({
      metrics,
      route: () => {
        throw new Error('route bug');
      },
    });
    const res = await mw(new Request('http://h/x'), async () => new Response('fine'));
    expect(await res.text()).toBe('fine');
    expect(onError).toHaveBeenCalled();
    expect(metrics.active).toBe(0);
  });

  it('serves /metrics with a content type matching the body, OpenMetrics only when asked', async () => {
    const metrics = quiet();
    const handler = metricsHandler({ metrics, registries: [] });
    const plain = await handler(new Request('http://h/metrics'));
    expect(plain.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = await plain.text();
    expect(body).not.toContain('# EOF');
    expect(textValue(body, 'http_active_connections')).toBe(0);
    const om = await handler(new Request('http://h/metrics', { headers: { accept: OPENMETRICS_ACCEPT } }));
    expect(om.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect((await om.text()).endsWith('# EOF\n')).toBe(true);
  });

  it('releases an abandoned body when it is garbage-collected', async () => {
    const gc = exposeGc();
    const metrics = quiet();
    await metricsMiddleware({ metrics })(new Request('http://h/x'), async () => new Response('dropped'));
    expect(metrics.active).toBe(1);
    await until(
      async () => {
        gc();
        await new Promise((r) => setTimeout(r, 5));
        return metrics.active === 0;
      },
      'the finalizer to release the abandoned request',
      10_000,
      10,
    );
  });

  it('keeps a request whose body is still referenced in flight through garbage collection', async () => {
    // The counterpart that shows the test above can fail: a finalizer that fired for a live body would fail here.
    const gc = exposeGc();
    const metrics = quiet();
    const res = await metricsMiddleware({ metrics })(new Request('http://h/x'), async () => new Response('kept'));
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(metrics.active).toBe(1);
    expect(await res.text()).toBe('kept');
    expect(metrics.active).toBe(0);
  });
});
