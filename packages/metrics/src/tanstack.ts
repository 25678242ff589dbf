/**
 * TanStack Start adapter: a request middleware server function, without importing TanStack.
 *
 *   // src/start.ts
 *   import { createMiddleware, createStart } from '@tanstack/react-start'
 *   import { tanstackStartMetrics } from '@greyhaven/metrics/core'
 *   const metrics = createMiddleware({ type: 'request' }).server(tanstackStartMetrics({ routes }))
 *   export const startInstance = createStart(() => ({ requestMiddleware: [metrics] }))
 *
 * Written against the documented call shape (and run inside a real Start 1.169 app on Node 22 by
 * test/tanstack-start.test.ts): `.server(async ({ request, pathname, context, next }) => ...)`,
 * where `next()` resolves to the downstream result whose `response` is the Response, a handler's thrown
 * Response/redirect becomes that response, and any other error propagates out of `next()`. The middleware
 * returns `next()`'s result unchanged.
 *
 * Active gauge: released when `next()` settles, i.e. at response headers; streaming (SSR) bodies are not
 * tracked. Deliberately: to track a body the middleware would have to hand back a different Response, and Start
 * disposes its SSR stream when a middleware replaces the response with one whose body is not the original
 * stream (start-server-core `executeMiddleware`, "middleware response replaced").
 *
 * Route: global request middleware runs before routing, so TanStack hands it no route. Pass `routes`: your
 * route ids with their path patterns (`tanstackRoutes(router)` builds them from a router's `routesById`), or
 * `routeId(ctx)`; without either, the normaliser (404 → UNMATCHED_ROUTE).
 */
import { type MetricsHandlerOptions, metricsHandler } from './core/handler.ts';
import { methodIndex, routeLabel } from './core/labels.ts';
import { statusOf } from './core/middleware.ts';
import { defaultHttpMetrics, type HttpMetrics } from './core/registry.ts';
import { createRouteMatcher, type RouteSpec } from './core/route-matcher.ts';

/** What TanStack Start passes a request middleware's server function (the parts we use). */
export interface TanStackRequestMiddlewareArgs<TResult> {
  request: Request;
  pathname: string;
  context?: unknown;
  next: (...args: never[]) => Promise<TResult>;
}

export interface TanStackStartMetricsOptions {
  /** The metrics instance to record into. Default: the process-wide one. */
  metrics?: HttpMetrics;
  /** Route ids and their path patterns (`{ route: '/posts/$postId', path: '/posts/$postId' }`) or plain patterns. */
  routes?: Iterable<RouteSpec>;
  /** Returns the route id for a request if the caller knows it (wins over `routes`). */
  routeId?: (args: { request: Request; pathname: string; context?: unknown }) => string | undefined;
}

/**
 * Builds `routes` from a TanStack router's `routesById` (route id → route with `fullPath`): reports the id,
 * matches on the full path (pathless layouts and groups are not in it). The root route is skipped.
 */
export function tanstackRoutes(router: {
  routesById: Record<string, { id?: string; fullPath?: string }>;
}): RouteSpec[] {
  const out: RouteSpec[] = [];
  for (const [id, route] of Object.entries(router.routesById)) {
    if (id === '__root__') continue;
    out.push({ route: id, path: route.fullPath ?? id });
  }
  return out;
}

function responseOf(result: unknown): Response | undefined {
  if (result instanceof Response) return result;
  const response = (result as { response?: unknown } | null | undefined)?.response;
  return response instanceof Response ? response : undefined;
}

export function tanstackStartMetrics(
  options: TanStackStartMetricsOptions = {},
): <TResult>(args: TanStackRequestMiddlewareArgs<TResult>) => Promise<TResult> {
  const metrics = options.metrics ?? defaultHttpMetrics();
  const match = options.routes === undefined ? undefined : createRouteMatcher(options.routes);
  const routeId = options.routeId;

  return async function greyhavenMetrics<TResult>(args: TanStackRequestMiddlewareArgs<TResult>): Promise<TResult> {
    const start = performance.now();
    metrics.active++;
    const record = (status: number) => {
      try {
        const { request, pathname } = args;
        const template = routeId?.({ request, pathname, context: args.context }) ?? match?.(pathname);
        const seconds = (performance.now() - start) / 1000;
        metrics.observe(methodIndex(request.method), routeLabel(template, status, pathname), status, seconds);
      } catch (error) {
        metrics.onError(error, 'recording a request');
      }
    };
    let result: TResult;
    try {
      result = await args.next();
    } catch (error) {
      record(500);
      metrics.active--;
      throw error;
    }
    metrics.active--;
    try {
      record(statusOf(responseOf(result)));
    } catch (error) {
      metrics.onError(error, 'reading the tanstack result');
    }
    return result;
  };
}

/** A TanStack Start server route handler for `/metrics`: `server: { handlers: { GET: tanstackStartMetricsHandler() } }`. */
export function tanstackStartMetricsHandler(
  options: MetricsHandlerOptions = {},
): (args: { request: Request }) => Promise<Response> {
  const handler = metricsHandler(options);
  return ({ request }) => handler(request);
}
