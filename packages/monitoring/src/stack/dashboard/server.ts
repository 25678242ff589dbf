/**
 * The local dashboard viewer's server: read-only, on 127.0.0.1. It serves the built browser app
 * (packages/dashboard/dist), the generated dashboards (`/dashboards/` lists them, `/dashboards/<file>.json` is
 * one), and proxies a fixed set of Prometheus' read endpoints under `/api/v1/` (GET only), so the browser talks
 * to one origin and Prometheus needs no CORS setup. Anything else is 404, any other method 405, and a Host
 * header other than this server's own is refused (DNS rebinding).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { extname, join, resolve, sep } from 'node:path';

export interface DashboardServerOptions {
  /** Built app (index.html, assets/). */
  appDir: string;
  /** out/grafana/dashboards. */
  dashboardsDir: string;
  /** Prometheus base URL, e.g. http://127.0.0.1:9090. */
  prometheusUrl: string;
  /** Upstream timeout. */
  timeoutMs?: number;
}

/** Prometheus read endpoints the viewer uses (and a few it may): nothing that writes or administers. */
const PROXIED = [
  /^\/api\/v1\/query$/,
  /^\/api\/v1\/query_range$/,
  /^\/api\/v1\/series$/,
  /^\/api\/v1\/labels$/,
  /^\/api\/v1\/label\/[A-Za-z_][A-Za-z0-9_]*\/values$/,
  /^\/api\/v1\/metadata$/,
  /^\/api\/v1\/alerts$/,
  /^\/api\/v1\/rules$/,
  /^\/api\/v1\/status\/config$/,
  /^\/api\/v1\/status\/buildinfo$/,
];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
};

export interface DashboardListEntry {
  uid: string;
  title: string;
  file: string;
  tags: string[];
}

/** The dashboards in a directory, by file name; files that are not dashboard JSON are skipped. */
export function listDashboards(dir: string): DashboardListEntry[] {
  if (!existsSync(dir)) return [];
  const out: DashboardListEntry[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    try {
      const d = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { uid?: unknown; title?: unknown; tags?: unknown };
      if (typeof d.uid !== 'string' || typeof d.title !== 'string') continue;
      const tags = Array.isArray(d.tags) ? d.tags.filter((t): t is string => typeof t === 'string') : [];
      out.push({ uid: d.uid, title: d.title, file, tags });
    } catch {
      // not JSON: not listed
    }
  }
  return out;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra = {}): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    ...SECURITY_HEADERS,
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const text = (res: ServerResponse, status: number, body: string) =>
  send(res, status, 'text/plain; charset=utf-8', `${body}\n`);

/** A file under `root`, or undefined for anything outside it or missing. */
function fileUnder(root: string, rel: string): string | undefined {
  const base = resolve(root);
  const p = resolve(base, `.${rel}`);
  if (p !== base && !p.startsWith(base + sep)) return undefined;
  return existsSync(p) && statSync(p).isFile() ? p : undefined;
}

export function createDashboardServer(opts: DashboardServerOptions): Server {
  const prometheus = new URL(opts.prometheusUrl);
  const timeoutMs = opts.timeoutMs ?? 30_000;

  // node:http rather than fetch: fetch loads undici, ~13 MB more resident memory for this small process (the
  // stack's memory goal, `npm run bench`).
  const proxy = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const upstream = new URL(url.pathname + url.search, prometheus);
    const fail = (message: string) => {
      if (res.headersSent) return;
      const error = `Prometheus at ${prometheus.origin} did not answer: ${message}`;
      send(res, 502, 'application/json', JSON.stringify({ status: 'error', errorType: 'unavailable', error }));
    };
    const out = (upstream.protocol === 'https:' ? httpsRequest : httpRequest)(
      upstream,
      { headers: { Accept: 'application/json' }, timeout: timeoutMs },
      (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () =>
          send(res, r.statusCode ?? 502, r.headers['content-type'] ?? 'application/json', Buffer.concat(chunks), {
            'Cache-Control': 'no-store',
          }),
        );
        r.on('error', (err) => fail(err.message));
      },
    );
    out.on('timeout', () => out.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)));
    out.on('error', (err) => fail(err.message));
    out.end();
    void req;
  };

  return createServer((req, res) => {
    const host = req.headers.host ?? '';
    const port = (req.socket.localPort ?? 0).toString();
    if (![`127.0.0.1:${port}`, `localhost:${port}`].includes(host)) {
      text(res, 403, 'forbidden: this server answers only to 127.0.0.1 and localhost');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      text(res, 405, 'read-only: only GET and HEAD');
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${host}`);
    } catch {
      text(res, 400, 'bad request');
      return;
    }
    const path = url.pathname;
    if (path === '/health') {
      text(res, 200, 'ok');
      return;
    }
    if (path.startsWith('/api/')) {
      if (PROXIED.some((re) => re.test(path))) {
        proxy(req, res, url);
      } else {
        send(
          res,
          404,
          'application/json',
          JSON.stringify({ status: 'error', errorType: 'not_found', error: `${path} is not proxied (read-only)` }),
        );
      }
      return;
    }
    if (path === '/dashboards/' || path === '/dashboards') {
      send(res, 200, TYPES['.json'] as string, JSON.stringify(listDashboards(opts.dashboardsDir)), {
        'Cache-Control': 'no-store',
      });
      return;
    }
    const dash = /^\/dashboards\/([A-Za-z0-9._-]+\.json)$/.exec(path);
    if (dash) {
      const file = fileUnder(opts.dashboardsDir, `/${dash[1]}`);
      if (file) send(res, 200, TYPES['.json'] as string, readFileSync(file), { 'Cache-Control': 'no-store' });
      else text(res, 404, 'no such dashboard');
      return;
    }
    const rel = path === '/' ? '/index.html' : decodeURIComponent(path);
    const file = fileUnder(opts.appDir, rel);
    if (!file) {
      if (path === '/' || path === '/index.html') {
        text(res, 503, `the dashboard app is not built: run \`npm run build -w packages/dashboard\` (${opts.appDir})`);
      } else {
        text(res, 404, 'not found');
      }
      return;
    }
    const immutable = rel.startsWith('/assets/');
    send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file), {
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  });
}
