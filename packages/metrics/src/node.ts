/**
 * node:http adapter (also the base of the Express adapter).
 *
 * - Duration: from the request listener's entry to `res.writeHead` (explicit, or implicit through
 *   `res.write`/`res.end`/`flushHeaders`), i.e. to response headers, with `performance.now()`.
 * - Status: the status written with the headers. A listener that throws (or whose promise rejects) before
 *   headers were sent is counted as 500, and the error is rethrown unchanged. A request whose client went away
 *   before any headers were sent is counted as `499` (CLIENT_CLOSED_STATUS, nginx's convention).
 * - `http_active_connections`: +1 on entry, −1 on the response's `close` event, which Node emits exactly once
 *   whether the response finished (streaming bodies included) or the connection was aborted.
 * - Route: the template from `route(req, res)` or `routes` when given; otherwise UNMATCHED_ROUTE for a 404 and
 *   the normalised path for anything else.
 */
import { type IncomingMessage, ServerResponse } from 'node:http';
import { CLIENT_CLOSED_STATUS_CODE } from '@greyhaven/metric-contract';
import { isAuthorized, UNAUTHORIZED_HEADERS } from './auth.ts';
import { type MetricsHandlerOptions, renderMetrics } from './core/handler.ts';
import { methodIndex, pathOf, routeLabel } from './core/labels.ts';
import { defaultHttpMetrics, type HttpMetrics } from './core/registry.ts';
import { createRouteMatcher, type RouteSpec } from './core/route-matcher.ts';

export interface NodeMetricsOptions {
  /** The metrics instance to record into. Default: the process-wide one. */
  metrics?: HttpMetrics;
  /** Route templates to match request paths against (`/users/:id`, …). */
  routes?: Iterable<RouteSpec>;
  /** Returns the route template for a request if the caller knows it (wins over `routes`). Called at headers time. */
  route?: (req: IncomingMessage, res: ServerResponse) => string | undefined;
}

type Template = (req: IncomingMessage, res: ServerResponse) => string | undefined;

/** Per-request tracker; `fail()` records a 500 if nothing was recorded yet. */
export interface NodeRequestTracker {
  fail(): void;
}

const TRACKED = Symbol('greyhaven.metrics.tracked');

type TrackedResponse = ServerResponse & { [TRACKED]?: Tracked };
type WriteHead = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

/**
 * One request's state. Shared functions (not per-request closures) do the work: the patched `writeHead` and
 * the `close` listener find their request through a symbol on the response.
 */
class Tracked implements NodeRequestTracker {
  recorded = false;
  constructor(
    readonly metrics: HttpMetrics,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly template: Template | undefined,
    readonly start: number,
    readonly writeHead: WriteHead,
  ) {}

  record(status: number): void {
    if (this.recorded) return;
    this.recorded = true;
    try {
      const seconds = (performance.now() - this.start) / 1000;
      const { req, res } = this;
      const route = routeLabel(this.template?.(req, res), status, pathOf(req.url ?? '/'));
      this.metrics.observe(methodIndex(req.method), route, status, seconds);
    } catch (error) {
      this.metrics.onError(error, 'recording a request');
    }
  }

  fail(): void {
    this.record(500);
  }
}

// An own property shadowing the prototype method: node calls `this.writeHead` for implicit headers too
// (`res.write`, `res.end`, `flushHeaders`), so every way of sending headers passes through here.
function trackedWriteHead(this: TrackedResponse, ...args: unknown[]): ServerResponse {
  const tracked = this[TRACKED];
  if (tracked === undefined) return (ServerResponse.prototype.writeHead as WriteHead).apply(this, args);
  const result = tracked.writeHead.apply(this, args);
  tracked.record(this.statusCode);
  return result;
}

// Node emits `close` exactly once per response: after it finished (streaming bodies included) or when the
// connection went away first.
function onClose(this: TrackedResponse): void {
  const tracked = this[TRACKED];
  if (tracked === undefined) return;
  if (!tracked.recorded) tracked.record(this.headersSent ? this.statusCode : CLIENT_CLOSED_STATUS_CODE);
  tracked.metrics.active--;
}

export function nodeTemplateResolver(options: NodeMetricsOptions): Template | undefined {
  const explicit = options.route;
  const match = options.routes === undefined ? undefined : createRouteMatcher(options.routes);
  if (explicit === undefined && match === undefined) return undefined;
  return (req, res) => {
    const t = explicit?.(req, res);
    if (t !== undefined) return t;
    return match?.(pathOf(req.url ?? '/'));
  };
}

const NOOP_TRACKER: NodeRequestTracker = { fail() {} };

/**
 * Starts tracking one request/response pair. Used by the node:http and Express adapters; exported for other
 * Node frameworks. Never throws.
 */
export function trackNodeRequest(
  metrics: HttpMetrics,
  req: IncomingMessage,
  res: ServerResponse,
  template: Template | undefined,
): NodeRequestTracker {
  try {
    const tracked = new Tracked(metrics, req, res, template, performance.now(), res.writeHead as WriteHead);
    const r = res as TrackedResponse;
    if (r[TRACKED] !== undefined) return NOOP_TRACKER; // already tracked (adapter mounted twice)
    r[TRACKED] = tracked;
    r.writeHead = trackedWriteHead as ServerResponse['writeHead'];
    r.on('close', onClose); // emitted once; `on` avoids once()'s wrapper closure
    metrics.active++;
    return tracked;
  } catch (error) {
    metrics.onError(error, 'tracking a node response');
    return NOOP_TRACKER;
  }
}

export type NodeHandler<R = unknown> = (req: IncomingMessage, res: ServerResponse) => R;

/**
 * Wraps a node:http request listener: `http.createServer(instrumentNodeHandler(handler, options))`.
 * Returns whatever the listener returns; a thrown error or rejected promise is counted as 500 (unless headers
 * were already sent) and rethrown unchanged.
 */
export function instrumentNodeHandler<R>(handler: NodeHandler<R>, options: NodeMetricsOptions = {}): NodeHandler<R> {
  const metrics = options.metrics ?? defaultHttpMetrics();
  const template = nodeTemplateResolver(options);
  return function instrumented(this: unknown, req: IncomingMessage, res: ServerResponse): R {
    const tracker = trackNodeRequest(metrics, req, res, template);
    let result: R;
    try {
      result = handler.call(this, req, res);
    } catch (error) {
      tracker.fail();
      throw error;
    }
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      return (result as unknown as Promise<unknown>).then(undefined, (error: unknown) => {
        tracker.fail();
        throw error;
      }) as R;
    }
    return result;
  };
}

/** Writes a rendered `/metrics` response onto a node response. */
export async function writeMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  options: MetricsHandlerOptions = {},
): Promise<void> {
  if (!isAuthorized(req.headers.authorization, options.auth)) {
    res.writeHead(401, UNAUTHORIZED_HEADERS);
    res.end(req.method === 'HEAD' ? undefined : 'unauthorized\n');
    return;
  }
  const { body, contentType } = await renderMetrics(req.headers.accept, options);
  res.writeHead(200, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** A node:http `/metrics` listener: `(req, res) => Promise<void>`. */
export function nodeMetricsHandler(options: MetricsHandlerOptions = {}): NodeHandler<Promise<void>> {
  return (req, res) => writeMetrics(req, res, options);
}
