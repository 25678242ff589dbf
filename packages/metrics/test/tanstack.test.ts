/**
 * TanStack Start adapter, tested against the documented request-middleware call shape — NOT inside a running
 * TanStack Start app (it needs Node ≥ 22.12; see README). `runStart` mimics start-server-core's
 * executeMiddleware: the server function gets `{ request, pathname, context, next }`, `next()` resolves to the
 * context object whose `response` is the Response, a thrown Response becomes the response, other errors
 * propagate out of `next()`.
 */
import { httpRequestsTotal, UNMATCHED_ROUTE } from '@greyhaven/metric-contract';
import { describe, expect, it } from 'vitest';
import { HttpMetrics, tanstackRoutes, tanstackStartMetrics, tanstackStartMetricsHandler } from '../src/index.ts';
import { find, OPENMETRICS_ACCEPT, parseOpenMetrics } from './helpers.ts';

type Ctx = { request: Request; pathname: string; context: Record<string, unknown>; response?: Response };
type ServerFn = (args: Ctx & { next: (n?: { context?: Record<string, unknown> }) => Promise<Ctx> }) => unknown;

async function runStart(middlewares: ServerFn[], handler: (ctx: Ctx) => Promise<Response>, request: Request) {
  const ctx: Ctx = { request, pathname: new URL(request.url).pathname, context: {} };
  let index = -1;
  const next = async (nextCtx?: { context?: Record<string, unknown> }): Promise<Ctx> => {
    if (nextCtx?.context) ctx.context = { ...ctx.context, ...nextCtx.context };
    index++;
    const mw = middlewares[index];
    if (!mw) {
      try {
        ctx.response = await handler(ctx);
      } catch (err) {
        if (err instanceof Response) ctx.response = err;
        else throw err;
      }
      return ctx;
    }
    const result = (await mw({ ...ctx, next })) as Ctx | Response | undefined;
    if (result instanceof Response) ctx.response = result;
    else if (result?.response) ctx.response = result.response;
    return ctx;
  };
  await next();
  return ctx.response;
}

const routes = tanstackRoutes({
  routesById: {
    __root__: {},
    '/users/$userId': { fullPath: '/users/$userId' },
    '/_app/orders/$orderId/items': { fullPath: '/orders/$orderId/items' },
  },
});

async function samplesOf(metrics: HttpMetrics) {
  const res = await tanstackStartMetricsHandler({ metrics, registries: [] })({
    request: new Request('http://h/metrics', { headers: { accept: OPENMETRICS_ACCEPT } }),
  });
  return parseOpenMetrics(await res.text());
}

describe('tanstackStartMetrics (documented call shape)', () => {
  it('labels with the route id, passes context through and returns next()’s result', async () => {
    const metrics = new HttpMetrics();
    const mw = tanstackStartMetrics({ metrics, routes }) as unknown as ServerFn;
    const addUser: ServerFn = ({ next }) => next({ context: { user: 'u1' } });
    let seen: unknown;
    const res = await runStart(
      [mw, addUser],
      async (ctx) => {
        seen = ctx.context.user;
        return Response.json({ ok: true });
      },
      new Request('http://h/users/42'),
    );
    expect(res?.status).toBe(200);
    expect(seen).toBe('u1');
    await runStart(
      [mw],
      async () => new Response(null, { status: 201 }),
      new Request('http://h/orders/9/items', { method: 'POST' }),
    );
    await runStart([mw], async () => new Response('nope', { status: 404 }), new Request('http://h/.env'));
    const samples = await samplesOf(metrics);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/users/$userId', status: '200' })).toBe(1);
    expect(
      find(samples, httpRequestsTotal.name, { method: 'POST', route: '/_app/orders/$orderId/items', status: '201' }),
    ).toBe(1);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: UNMATCHED_ROUTE, status: '404' })).toBe(1);
    expect(metrics.active).toBe(0);
  });

  it('counts a thrown redirect Response by its status, and a thrown error as 500, rethrown unchanged', async () => {
    const metrics = new HttpMetrics();
    const mw = tanstackStartMetrics({ metrics, routes }) as unknown as ServerFn;
    const redirect = await runStart(
      [mw],
      async () => {
        throw new Response(null, { status: 307, headers: { location: '/login' } });
      },
      new Request('http://h/users/1'),
    );
    expect(redirect?.status).toBe(307);
    const boom = new Error('loader failed');
    await expect(
      runStart(
        [mw],
        async () => {
          throw boom;
        },
        new Request('http://h/users/2'),
      ),
    ).rejects.toBe(boom);
    const samples = await samplesOf(metrics);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/users/$userId', status: '307' })).toBe(1);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/users/$userId', status: '500' })).toBe(1);
    expect(metrics.active).toBe(0);
  });

  it('uses routeId() when given and the normaliser without routes', async () => {
    const metrics = new HttpMetrics();
    const byId = tanstackStartMetrics({ metrics, routeId: ({ pathname }) => (pathname === '/' ? '/' : undefined) });
    const bare = tanstackStartMetrics({ metrics });
    await runStart([byId as unknown as ServerFn], async () => new Response('home'), new Request('http://h/'));
    await runStart([bare as unknown as ServerFn], async () => new Response('x'), new Request('http://h/api/items/77'));
    const samples = await samplesOf(metrics);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/', status: '200' })).toBe(1);
    expect(find(samples, httpRequestsTotal.name, { method: 'GET', route: '/api/items/:id', status: '200' })).toBe(1);
  });
});
