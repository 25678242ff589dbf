/**
 * The web-standard core: `metricsMiddleware(options)` returns `(request, next) => Promise<Response>`, the seed's
 * shape, for any runtime with Request/Response (Workers, Deno, Bun, Node's fetch servers, TanStack Start, Hono).
 *
 * What it records, per request:
 * - `http_request_duration_seconds`: `performance.now()` (monotonic) from the call to `next()` resolving, i.e.
 *   to response headers. A streaming body's time is not in it.
 * - `http_requests_total`: once, with the response status; a `next()` that throws is counted as 500 and the
 *   error is rethrown unchanged.
 * - `http_active_connections`: +1 on entry; −1 when the response body has been fully read or cancelled (the body
 *   stream is wrapped), at once when the response has no body, when `next()` throws, or for HEAD. A wrapped
 *   body that is dropped without being read or cancelled is released when it is garbage-collected.
 * Instrumentation never throws into the application: a failure inside it is reported to `onError` and the
 * response passes through untouched.
 */
import { methodIndex, OTHER_METHOD_INDEX, pathEnd, pathStart, routeLabelOfUrl } from './labels.ts';
import { defaultHttpMetrics, type HttpMetrics } from './registry.ts';
import { compileRoutes, type RouteSpec } from './route-matcher.ts';

export type Next = () => Promise<Response>;
export type WebMiddleware = (request: Request, next: Next) => Promise<Response>;

export interface MetricsMiddlewareOptions {
  /** The metrics instance to record into. Default: the process-wide one (`defaultHttpMetrics()`). */
  metrics?: HttpMetrics;
  /**
   * Route templates (`/users/:id`, TanStack `/users/$id`, splats) to label requests with; a path that matches
   * none falls back to UNMATCHED_ROUTE for a 404 and to the normaliser otherwise.
   */
  routes?: Iterable<RouteSpec>;
  /** Returns the route template for a request, if the caller knows it (wins over `routes`). */
  route?: (request: Request, response: Response | undefined) => string | undefined;
  /**
   * Keep `http_active_connections` up until the response body is consumed (wraps the body stream). Default
   * true. false: the gauge drops when `next()` resolves, and the response object is returned as is.
   */
  trackBody?: boolean;
}

/** Releases a request's slot in the active gauge exactly once. */
interface Slot {
  metrics: HttpMetrics;
  released: boolean;
}

function release(slot: Slot): void {
  if (slot.released) return;
  slot.released = true;
  slot.metrics.active--;
}

/**
 * Releases slots whose wrapped body was dropped unread (never done, never cancelled). Cloudflare Workers only
 * have FinalizationRegistry from compatibility date 2025-05-05 on; without it such a slot stays counted.
 */
const abandoned: Pick<FinalizationRegistry<Slot>, 'register' | 'unregister'> = typeof FinalizationRegistry ===
'function'
  ? new FinalizationRegistry<Slot>(release)
  : { register: () => undefined, unregister: () => false };

/**
 * Returns a response whose body, when done, errored or cancelled, releases `slot`. Falls back to releasing at
 * once (returning the original response) if the response cannot be rebuilt (e.g. `Response.error()`).
 */
export function releaseAfterBody(response: Response, slot: Slot): Response {
  const body = response.body;
  if (body === null) {
    release(slot);
    return response;
  }
  let wrapped: Response;
  try {
    const reader = body.getReader();
    const stream = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          try {
            const { done, value } = await reader.read();
            if (done) {
              release(slot);
              abandoned.unregister(slot);
              controller.close();
            } else {
              controller.enqueue(value);
            }
          } catch (error) {
            release(slot);
            abandoned.unregister(slot);
            controller.error(error);
          }
        },
        cancel(reason) {
          release(slot);
          abandoned.unregister(slot);
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
    wrapped = new Response(stream, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    abandoned.register(stream, slot, slot);
  } catch (error) {
    slot.metrics.onError(error, 'body tracking');
    release(slot);
    return response;
  }
  return wrapped;
}

/**
 * Builds the route resolver shared by the core middleware and the fetch-style adapters: request, response and
 * the request's URL (read once by the caller) → the route template, if known.
 */
export type TemplateResolver = (request: Request, response: Response | undefined, url: string) => string | undefined;

export function templateResolver(
  options: Pick<MetricsMiddlewareOptions, 'routes' | 'route'>,
): TemplateResolver | undefined {
  const explicit = options.route;
  const table = options.routes === undefined ? undefined : compileRoutes(options.routes);
  // The route table matches the path in place in the URL: no slice, no split (see route-matcher.ts).
  const match =
    table === undefined
      ? undefined
      : (url: string) => {
          const start = pathStart(url);
          return start === -1 ? table.matchRange('/', 0, 1) : table.matchRange(url, start, pathEnd(url, start));
        };
  if (explicit === undefined) return match === undefined ? undefined : (_request, _response, url) => match(url);
  return (request, response, url) => explicit(request, response) ?? match?.(url);
}

/** Records a finished request into `metrics`; never throws. `method`: the request's methodIndex, if already read. */
export function recordRequest(
  metrics: HttpMetrics,
  request: Request,
  response: Response | undefined,
  status: number,
  start: number,
  template: TemplateResolver | undefined,
  method?: number,
): void {
  try {
    const seconds = (performance.now() - start) / 1000;
    const url = request.url;
    const route = routeLabelOfUrl(template?.(request, response, url), status, url);
    metrics.observe(method ?? methodIndex(request.method), route, status, seconds);
  } catch (error) {
    metrics.onError(error, 'recording a request');
  }
}

export function statusOf(response: unknown): number {
  const status = (response as { status?: unknown } | null | undefined)?.status;
  return typeof status === 'number' ? status : 500;
}

const HEAD_INDEX = methodIndex('HEAD');

/*
 * Per request, beyond recording: one read each of request.method and request.url (undici's getters brand-check,
 * and url re-serialises: ≈150–250 ns for url and ≈150 ns for method on the shared box under load, 2026-12-03, so
 * each is read once), two performance.now() (≈47 ns each; Date.now() is no cheaper), and a Slot only when a body
 * is actually wrapped (a body-less response releases the gauge directly).
 */
export function metricsMiddleware(options: MetricsMiddlewareOptions = {}): WebMiddleware {
  const metrics = options.metrics ?? defaultHttpMetrics();
  const template = templateResolver(options);
  const trackBody = options.trackBody ?? true;
  return async (request: Request, next: Next): Promise<Response> => {
    const start = performance.now();
    metrics.active++;
    let response: Response;
    try {
      response = await next();
    } catch (error) {
      recordRequest(metrics, request, undefined, 500, start, template);
      metrics.active--;
      throw error;
    }
    let method: number = OTHER_METHOD_INDEX;
    try {
      method = methodIndex(request.method);
    } catch (error) {
      metrics.onError(error, 'recording a request');
    }
    recordRequest(metrics, request, response, statusOf(response), start, template, method);
    if (!trackBody || !(response instanceof Response) || method === HEAD_INDEX || response.body === null) {
      metrics.active--;
      return response;
    }
    return releaseAfterBody(response, { metrics, released: false });
  };
}

export type { Slot };
export { release as releaseSlot };
