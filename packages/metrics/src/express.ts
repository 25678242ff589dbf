/**
 * Express adapter (Express 4 and 5): `app.use(expressMetrics())` first, `app.get('/metrics', expressMetricsHandler())`.
 *
 * Route: Express's matched route template, `req.baseUrl` (normalised: a mount path's parameters are already
 * filled in by Express) + `req.route.path`, read when response headers are written. No matched route: a 404
 * is UNMATCHED_ROUTE, anything else (static files, a middleware answering) is the normalised path.
 * Errors: Express turns a throwing route into a 500 response through its error handlers; that response is what
 * is counted, with the route template. Timing and the active gauge are the node:http adapter's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetricsHandlerOptions } from './core/handler.ts';
import { normalizePath } from './core/labels.ts';
import { defaultHttpMetrics, type HttpMetrics } from './core/registry.ts';
import { trackNodeRequest, writeMetrics } from './node.ts';

/** The parts of an Express request we read (structural: no Express import). */
interface ExpressRequestLike extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
}

export interface ExpressMetricsOptions {
  /** The metrics instance to record into. Default: the process-wide one. */
  metrics?: HttpMetrics;
}

/** The template Express matched for this request, or undefined. */
export function expressRouteTemplate(req: ExpressRequestLike): string | undefined {
  const path = req.route?.path;
  if (path === undefined || path === null) return undefined;
  const routePath = Array.isArray(path) ? path.map(String).join('|') : String(path);
  const base = req.baseUrl ? normalizePath(req.baseUrl) : '';
  if (base === '') return routePath;
  return routePath === '/' ? base : `${base}${routePath}`;
}

type ExpressNext = (err?: unknown) => void;

/** Express middleware recording every request; mount it before your routes. */
export function expressMetrics(
  options: ExpressMetricsOptions = {},
): (req: IncomingMessage, res: ServerResponse, next: ExpressNext) => void {
  const metrics = options.metrics ?? defaultHttpMetrics();
  const template = (req: IncomingMessage) => expressRouteTemplate(req as ExpressRequestLike);
  return (req, res, next) => {
    trackNodeRequest(metrics, req, res, template);
    next();
  };
}

/** Express handler for `/metrics`. A render failure is passed to `next`. */
export function expressMetricsHandler(
  options: MetricsHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse, next?: ExpressNext) => void {
  return (req, res, next) => {
    writeMetrics(req, res, options).catch((error: unknown) => {
      if (next) next(error);
      else res.destroy(error as Error);
    });
  };
}
