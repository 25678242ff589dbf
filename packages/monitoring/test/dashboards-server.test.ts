/**
 * The dashboard viewer's server: serves the app and the generated dashboards, proxies only Prometheus' read
 * endpoints (GET), refuses other methods, other paths, foreign Host headers and path traversal.
 */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStale } from '../src/stack/dashboard/build.ts';
import { createDashboardServer, listDashboards } from '../src/stack/dashboard/server.ts';
import { freePort } from '../src/stack/ports.ts';
import { tempDir } from './helpers.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(port: number, path: string, opts: { method?: string; host?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        headers: { Host: opts.host ?? `127.0.0.1:${port}` },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const listen = (s: Server) =>
  new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

describe('dashboard viewer server', () => {
  const root = tempDir('ghmon-viewer-');
  const app = join(root, 'app');
  const dashboards = join(root, 'dashboards');
  const seen: string[] = [];
  const prometheus = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }));
  });
  let server: Server;
  let port: number;

  beforeAll(async () => {
    mkdirSync(join(app, 'assets'), { recursive: true });
    mkdirSync(dashboards);
    writeFileSync(join(app, 'index.html'), '<!doctype html><title>viewer</title>');
    writeFileSync(join(app, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(join(root, 'secret.txt'), 'do not serve');
    writeFileSync(join(dashboards, 'a.json'), JSON.stringify({ uid: 'a', title: 'A', tags: ['ghmon'] }));
    writeFileSync(join(dashboards, 'broken.json'), '{');
    writeFileSync(join(dashboards, 'notes.txt'), 'x');
    const promPort = await listen(prometheus);
    server = createDashboardServer({
      appDir: app,
      dashboardsDir: dashboards,
      prometheusUrl: `http://127.0.0.1:${promPort}`,
    });
    port = await listen(server);
  });
  afterAll(async () => {
    server.closeAllConnections();
    prometheus.closeAllConnections();
    await new Promise((r) => server.close(r));
    await new Promise((r) => prometheus.close(r));
  });

  it('serves the app, its assets and a health check', async () => {
    const index = await call(port, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.body).toContain('viewer');
    const js = await call(port, '/assets/index-abc.js');
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.headers['cache-control']).toContain('immutable');
    expect((await call(port, '/health')).status).toBe(200);
    expect((await call(port, '/nothing-here')).status).toBe(404);
  });

  it('lists and serves the dashboards, skipping files that are not dashboards', async () => {
    const list = await call(port, '/dashboards/');
    expect(JSON.parse(list.body)).toEqual([{ uid: 'a', title: 'A', file: 'a.json', tags: ['ghmon'] }]);
    expect(listDashboards(join(root, 'missing'))).toEqual([]);
    const a = await call(port, '/dashboards/a.json');
    expect(JSON.parse(a.body).uid).toBe('a');
    expect((await call(port, '/dashboards/missing.json')).status).toBe(404);
  });

  it('proxies Prometheus read endpoints with their query, and nothing else', async () => {
    seen.length = 0;
    const r = await call(port, '/api/v1/query_range?query=up&start=1&end=2&step=1');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).status).toBe('success');
    await call(port, '/api/v1/label/service/values?match%5B%5D=up');
    expect(seen).toEqual([
      'GET /api/v1/query_range?query=up&start=1&end=2&step=1',
      'GET /api/v1/label/service/values?match%5B%5D=up',
    ]);
    for (const path of [
      '/api/v1/admin/tsdb/delete_series?match[]=up',
      '/api/v1/write',
      '/api/v2/alerts',
      '/api/v1/targets/../admin',
    ]) {
      const x = await call(port, path);
      expect(x.status, path).toBe(404);
    }
    expect(seen).toHaveLength(2);
  });

  it('is read-only and answers only to its own host name', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      expect((await call(port, '/api/v1/query?query=up', { method })).status).toBe(405);
    }
    expect((await call(port, '/', { method: 'HEAD' })).status).toBe(200);
    expect((await call(port, '/', { host: 'evil.example:80' })).status).toBe(403);
    expect((await call(port, '/', { host: `localhost:${port}` })).status).toBe(200);
  });

  it('never serves a file outside its directories', async () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/dashboards/..%2Fsecret.txt',
    ]) {
      const r = await call(port, path);
      expect(r.status, path).toBe(404);
      expect(r.body).not.toContain('do not serve');
    }
  });

  it('says so when Prometheus does not answer, and when the app is not built', async () => {
    const closed = await freePort();
    const s = createDashboardServer({
      appDir: join(root, 'no-app'),
      dashboardsDir: dashboards,
      prometheusUrl: `http://127.0.0.1:${closed}`,
      timeoutMs: 2000,
    });
    const p = await listen(s);
    try {
      const r = await call(p, '/api/v1/query?query=up');
      expect(r.status).toBe(502);
      expect(JSON.parse(r.body)).toMatchObject({ status: 'error', errorType: 'unavailable' });
      const index = await call(p, '/');
      expect(index.status).toBe(503);
      expect(index.body).toMatch(/not built: run `npm run build -w packages\/dashboard`/);
    } finally {
      await new Promise((r) => s.close(r));
    }
  });

  it('rebuilds the app only when a source is newer than dist/', () => {
    const appRoot = tempDir('ghmon-app-');
    mkdirSync(join(appRoot, 'src'));
    writeFileSync(join(appRoot, 'src', 'main.ts'), '');
    expect(isStale(appRoot)).toBe(true);
    mkdirSync(join(appRoot, 'dist'));
    writeFileSync(join(appRoot, 'dist', 'index.html'), '');
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(appRoot, 'src', 'main.ts'), past, past);
    utimesSync(join(appRoot, 'src'), past, past);
    expect(isStale(appRoot)).toBe(false);
    writeFileSync(join(appRoot, 'src', 'main.ts'), 'changed');
    expect(isStale(appRoot)).toBe(true);
  });
});
