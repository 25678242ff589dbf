/**
 * The TanStack Start adapter inside a real TanStack Start app (packages/metrics/fixtures/tanstack-start:
 * @tanstack/react-start 1.169, React 19, Vite 8), built with `vite build` and served with `vite preview` under
 * Node 22 — the fixture's own `node` devDependency (npm's node@22 package), since Start needs Node ≥ 22.12 and the
 * workspace runs Node 20. The fixture's packages are installed with `npm ci` in its folder on first run (~300 MB,
 * not part of the workspace). The app uses `tanstackStartMetrics` as global request middleware, with route ids
 * from its router, and serves `/metrics` with `tanstackStartMetricsHandler`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpRequestsTotal, UNMATCHED_ROUTE } from '@greyhaven/metric-contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/prometheus.ts';
import { until } from '../../../test/support/until.ts';
import { find, OPENMETRICS_ACCEPT, parseOpenMetrics, scrape } from './helpers.ts';

const FIXTURE = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/tanstack-start');
const NODE22 = join(FIXTURE, 'node_modules/.bin/node');
const VITE = join(FIXTURE, 'node_modules/vite/bin/vite.js');

let preview: ChildProcess | undefined;
let base: string;
let log = '';

function installed(): boolean {
  const marker = join(FIXTURE, 'node_modules/.package-lock.json');
  return (
    existsSync(NODE22) &&
    existsSync(marker) &&
    statSync(marker).mtimeMs >= statSync(join(FIXTURE, 'package-lock.json')).mtimeMs
  );
}

beforeAll(async () => {
  if (!installed()) {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: FIXTURE,
      stdio: 'pipe',
      timeout: 300_000,
    });
  }
  expect(execFileSync(NODE22, ['--version'], { encoding: 'utf8' })).toMatch(/^v22\./);
  execFileSync(NODE22, [VITE, 'build', '--logLevel', 'warn'], { cwd: FIXTURE, stdio: 'pipe', timeout: 120_000 });

  const port = await freePort(); // below the ephemeral range: no outgoing connection takes it before vite binds it
  base = `http://127.0.0.1:${port}`;
  preview = spawn(NODE22, [VITE, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: FIXTURE,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  };
  preview.stdout?.on('data', collect);
  preview.stderr?.on('data', collect);
  // The shared poller counts a throw as not yet: report an exited preview as a value, and fail on it here.
  const outcome = await until(
    async () => {
      if (preview?.exitCode !== null) return 'exited';
      return (await fetch(`${base}/metrics`)).ok ? 'ready' : undefined;
    },
    'vite preview ready',
    60_000,
  );
  if (outcome === 'exited') throw new Error(`vite preview exited:\n${log}`);
}, 420_000);

afterAll(async () => {
  if (preview && preview.exitCode === null) {
    const exited = new Promise((r) => preview?.once('exit', r));
    preview.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (preview.exitCode === null) preview.kill('SIGKILL');
  }
});

describe('tanstackStartMetrics in a real TanStack Start app (Node 22)', () => {
  it('labels requests with route ids, counts a throwing handler as 500 and an unmatched path as __unmatched__', async () => {
    for (const path of ['/users/42', '/users/7', '/stream', '/'])
      expect((await fetch(`${base}${path}`)).status).toBe(200);
    expect(await (await fetch(`${base}/stream`)).text()).toBe('ab');
    expect((await fetch(`${base}/users/9`, { method: 'POST' })).status).toBe(500);
    expect((await fetch(`${base}/no/such/page/123`)).status).toBe(404);

    const { body, contentType } = await scrape(base, OPENMETRICS_ACCEPT);
    expect(contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const samples = parseOpenMetrics(body);
    const count = (method: string, route: string, status: string) =>
      find(samples, httpRequestsTotal.name, { method, route, status });
    expect(count('GET', '/users/$userId', '200')).toBe(2);
    expect(count('GET', '/users/$userId', '500')).toBe(0);
    expect(count('POST', '/users/$userId', '500')).toBe(1);
    expect(count('GET', '/stream', '200')).toBe(2);
    expect(count('GET', '/', '200')).toBe(1);
    expect(count('GET', UNMATCHED_ROUTE, '404')).toBe(1);
    // The scrape itself is in flight while it renders.
    expect(find(samples, 'http_active_connections')).toBe(1);
  });
});
