/**
 * Example service instrumented with @greyhaven/metrics (node:http adapter). Routes that take ids, a fake DB pool
 * read at scrape time, and a switch to inject errors and latency (for incident drills against the local stack).
 *
 *   GET  /health                    200 "ok"
 *   GET  /users/:id                 200 JSON (404 for id 0)
 *   GET  /orders/:id/items          200 JSON; holds a fake DB connection for the request's duration
 *   POST /orders/:id/items          201 JSON
 *   GET  /metrics                   Prometheus / OpenMetrics (not itself instrumented; not served when pushing)
 *   GET  /admin/inject              current injection settings
 *   POST /admin/inject              JSON { errorRate?: 0..1, latencyMs?: number } → 500s / added latency on the
 *                                   id routes (never on /health, /metrics, /admin/*)
 *
 * Environment (see main.ts): PORT (default 8080), HOST (default 127.0.0.1), INJECT_ERROR_RATE, INJECT_LATENCY_MS;
 * REMOTE_WRITE_URLS, REMOTE_WRITE_LABELS, REMOTE_WRITE_INTERVAL_MS to push the way a Worker does (push.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HttpMetrics, instrumentNodeHandler, nodeMetricsHandler, registerDbPool } from '@greyhaven/metrics';

export const ROUTES = ['/health', '/users/:id', '/orders/:id/items'] as const;

export interface Injection {
  /** Share of id-route requests answered 500, 0..1. */
  errorRate: number;
  /** Latency added to id-route requests, in milliseconds. */
  latencyMs: number;
}

export interface ServiceOptions {
  injection?: Partial<Injection>;
  /** Metrics instance (default: the process-wide one, as a real service would use). */
  metrics?: HttpMetrics;
  /** Size of the fake DB pool. Default 10. */
  poolSize?: number;
  /**
   * Serve `GET /metrics` (default true). False for a service whose metrics are pushed (push.ts, the Workers way):
   * a pushing Worker exposes no `/metrics`, so the path is an ordinary unknown route (404).
   */
  metricsEndpoint?: boolean;
}

export interface Service {
  server: Server;
  injection: Injection;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

function clampInjection(input: Partial<Injection>, current: Injection): Injection {
  const rate = Number(input.errorRate ?? current.errorRate);
  const latency = Number(input.latencyMs ?? current.latencyMs);
  return {
    errorRate: Number.isFinite(rate) ? Math.min(1, Math.max(0, rate)) : current.errorRate,
    latencyMs: Number.isFinite(latency) ? Math.min(60_000, Math.max(0, latency)) : current.latencyMs,
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 64 * 1024) throw new Error('body too large');
  }
  return body;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createService(options: ServiceOptions = {}): Service {
  const injection = clampInjection(options.injection ?? {}, { errorRate: 0, latencyMs: 0 });
  const poolSize = options.poolSize ?? 10;
  let checkedOut = 0;
  const metricsOptions = options.metrics ? { metrics: options.metrics } : {};
  const stopPool = registerDbPool({ active: () => checkedOut, max: () => poolSize }, options.metrics);

  async function app(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://service');
    const parts = url.pathname.split('/').filter(Boolean);
    if (url.pathname === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    const isUsers = parts.length === 2 && parts[0] === 'users';
    const isItems = parts.length === 3 && parts[0] === 'orders' && parts[2] === 'items';
    if (!isUsers && !isItems) {
      json(res, 404, { error: 'not found' });
      return;
    }
    if (injection.latencyMs > 0) await sleep(injection.latencyMs);
    if (injection.errorRate > 0 && Math.random() < injection.errorRate) {
      json(res, 500, { error: 'injected failure' });
      return;
    }
    if (isUsers) {
      if (req.method !== 'GET') return json(res, 405, { error: 'method not allowed' });
      if (parts[1] === '0') return json(res, 404, { error: 'no such user' });
      return json(res, 200, { id: parts[1], name: `user ${parts[1]}` });
    }
    if (req.method === 'POST') return json(res, 201, { order: parts[1], added: true });
    if (req.method !== 'GET') return json(res, 405, { error: 'method not allowed' });
    checkedOut++;
    try {
      await sleep(2);
      return json(res, 200, { order: parts[1], items: [{ sku: 'A-1', qty: 1 }] });
    } finally {
      checkedOut--;
    }
  }

  const instrumented = instrumentNodeHandler(app, { ...metricsOptions, routes: ROUTES });
  const serveMetrics = nodeMetricsHandler(metricsOptions);

  async function admin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'POST') {
      let input: Partial<Injection>;
      try {
        input = JSON.parse((await readBody(req)) || '{}') as Partial<Injection>;
      } catch {
        return json(res, 400, { error: 'expected JSON {errorRate, latencyMs}' });
      }
      Object.assign(injection, clampInjection(input, injection));
    }
    json(res, 200, injection);
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const handled =
      path === '/metrics' && options.metricsEndpoint !== false
        ? serveMetrics(req, res)
        : path === '/admin/inject'
          ? admin(req, res)
          : instrumented(req, res);
    handled.catch((error: unknown) => {
      console.error('[ts-service] request failed:', error);
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  // Keep an idle scraper's connection open longer than a scrape interval: with Node's default 5 s, vmagent 1.79
  // reuses a connection the server has just closed and every 15 s scrape takes ~2 s (docs/scaling-curve.md).
  // Prometheus reconnects cleanly either way. 65 s is above the usual intervals and below common proxy timeouts.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  return {
    server,
    injection,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const { port: bound } = server.address() as AddressInfo;
          resolve(`http://${host}:${bound}`);
        });
      });
    },
    close() {
      stopPool();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
