/**
 * Hono adapter: `app.use('*', honoMetrics())` first, `app.get('/metrics', honoMetricsHandler())`.
 * Structural types only: the package does not import Hono, so any Hono 4 works.
 *
 * Route: the path of the route that produced the response (Hono's `c.req.routePath` after `next()`, e.g.
 * `/users/:id`, sub-app prefixes included). If no route after this middleware ran (Hono's not-found path), a
 * 404 is UNMATCHED_ROUTE and anything else the normalised path.
 * Errors: Hono turns a thrown error into a response through `app.onError` (500 by default); that response is
 * counted. An error that still escapes is counted as 500 and rethrown unchanged.
 * Active gauge: on @hono/node-server (`c.env.outgoing` is the node response) it drops on the response's
 * `close` event; on other runtimes the body stream is wrapped as in `metricsMiddleware`.
 */
import { isAuthorized, unauthorizedResponse } from './auth.ts';
import { type MetricsHandlerOptions, renderMetrics } from './core/handler.ts';
import { methodIndex, pathOf, routeLabel } from './core/labels.ts';
import { releaseAfterBody, releaseSlot, type Slot, statusOf } from './core/middleware.ts';
import { defaultHttpMetrics, type HttpMetrics } from './core/registry.ts';

/** The parts of Hono's Context we use. */
export interface HonoContextLike {
  req: {
    raw: Request;
    method: string;
    routeIndex?: number;
    readonly routePath?: string;
    header(name: string): string | undefined;
  };
  res: Response | undefined;
  env?: unknown;
  body?: unknown;
}

export interface HonoMetricsOptions {
  /** The metrics instance to record into. Default: the process-wide one. */
  metrics?: HttpMetrics;
  /** Keep the active gauge up until the body is consumed off Node (see file comment). Default true. */
  trackBody?: boolean;
}

interface NodeOutgoingLike {
  once(event: 'close', listener: () => void): unknown;
}

function nodeOutgoing(env: unknown): NodeOutgoingLike | undefined {
  const outgoing = (env as { outgoing?: { once?: unknown } } | undefined)?.outgoing;
  return outgoing !== undefined && typeof outgoing?.once === 'function' ? (outgoing as NodeOutgoingLike) : undefined;
}

function routeAfterNext(c: HonoContextLike, ownIndex: number | undefined): string | undefined {
  const index = c.req.routeIndex;
  if (index === undefined || index === ownIndex) return undefined;
  const path = c.req.routePath;
  return typeof path === 'string' && path !== '' ? path : undefined;
}

export function honoMetrics(
  options: HonoMetricsOptions = {},
): (c: HonoContextLike, next: () => Promise<void>) => Promise<void> {
  const metrics = options.metrics ?? defaultHttpMetrics();
  const trackBody = options.trackBody ?? true;
  return async function greyhavenMetrics(c, next) {
    const start = performance.now();
    metrics.active++;
    const slot: Slot = { metrics, released: false };
    let ownIndex: number | undefined;
    let onNode = false;
    try {
      ownIndex = c.req.routeIndex;
      const outgoing = nodeOutgoing(c.env);
      if (outgoing !== undefined) {
        outgoing.once('close', () => releaseSlot(slot));
        onNode = true;
      }
    } catch (error) {
      metrics.onError(error, 'hono setup');
    }
    const record = (status: number, route: string | undefined) => {
      try {
        const seconds = (performance.now() - start) / 1000;
        const raw = c.req.raw;
        metrics.observe(methodIndex(raw.method), routeLabel(route, status, pathOf(raw.url)), status, seconds);
      } catch (error) {
        metrics.onError(error, 'recording a request');
      }
    };
    try {
      await next();
    } catch (error) {
      let route: string | undefined;
      try {
        route = routeAfterNext(c, ownIndex);
      } catch {}
      record(500, route);
      if (!onNode) releaseSlot(slot);
      throw error;
    }
    let response: Response | undefined;
    try {
      response = c.res;
      record(statusOf(response), routeAfterNext(c, ownIndex));
    } catch (error) {
      metrics.onError(error, 'reading the hono response');
    }
    if (onNode) return;
    if (!trackBody || response === undefined || c.req.raw.method === 'HEAD') {
      releaseSlot(slot);
      return;
    }
    const wrapped = releaseAfterBody(response, slot);
    if (wrapped !== response) {
      try {
        c.res = undefined; // replace without Hono merging the old headers into the new response
        c.res = wrapped;
      } catch (error) {
        metrics.onError(error, 'replacing the hono response');
      }
    }
  };
}

/** Hono handler for `/metrics`. */
export function honoMetricsHandler(options: MetricsHandlerOptions = {}): (c: HonoContextLike) => Promise<Response> {
  return async (c) => {
    if (!isAuthorized(c.req.header('authorization'), options.auth)) return unauthorizedResponse();
    const { body, contentType } = await renderMetrics(c.req.header('accept'), options);
    return new Response(c.req.method === 'HEAD' ? null : body, {
      status: 200,
      headers: { 'content-type': contentType, 'cache-control': 'no-store' },
    });
  };
}
