/**
 * A TanStack Start production build as a user makes it, outside the repository, with @greyhaven/metrics from the
 * packed tarballs. The app is the in-repo fixture (packages/metrics/fixtures/tanstack-start: @tanstack/react-start,
 * React 19, Vite 8, `tanstackStartMetrics` as global request middleware with route ids from its router, `/metrics`
 * served by `tanstackStartMetricsHandler`), copied into a fresh project (support.ts' makeProject) with:
 * - its src/, tsconfig.json, package.json's dependencies and its package-lock.json (the same versions);
 * - plus the metric-contract and metrics tarballs as dependencies, instead of what the fixture uses in the
 *   repository: vite.config.ts' `resolve.alias` onto the workspace's src/*.ts (dropped from the copy here, so
 *   '@greyhaven/metrics/core' resolves through the installed package's exports to its dist/).
 * Installed with `npm install --prefer-offline` (a warm cache: ~15–20 s for ~115 packages; the fixture's own
 * `node` devDependency is npm's node@22 package, since Start needs Node ≥ 22.12), built with `vite build` and
 * served with `vite preview` under that Node 22. A real Prometheus scrapes the app's `/metrics` every second; the
 * counts it stores must carry the router's route ids ('/users/$userId'), as the in-repo test asserts on a scrape.
 *
 * Everything listens on 127.0.0.1, every wait is bounded; afterAll stops vite preview and Prometheus and removes
 * the temp directory.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { httpRequestsTotal, UNMATCHED_ROUTE } from '@greyhaven/metric-contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningPrometheus, startPrometheus } from '../support/prometheus.ts';
import { cleanNpmEnv, cleanup, makeProject, packTarballs, REPO_ROOT, stopwatch, type Tarballs } from './support.ts';

const FIXTURE = join(REPO_ROOT, 'packages/metrics/fixtures/tanstack-start');
const JOB = 'tanstack-start';

let tarballs: Tarballs | undefined;
let project: string;
let preview: ChildProcess | undefined;
let prometheus: RunningPrometheus | undefined;
let base: string;
let log = '';
const { timings, timed } = stopwatch();

/** The fixture's files to copy, relative path → content: src/ (not the generated route tree) and tsconfig.json. */
function fixtureFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name !== 'routeTree.gen.ts') files[relative(FIXTURE, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(join(FIXTURE, 'src'));
  for (const f of ['tsconfig.json', 'package-lock.json']) files[f] = readFileSync(join(FIXTURE, f), 'utf8');
  for (const [path, text] of Object.entries(files)) {
    if (path.endsWith('.json')) continue;
    // The app's own code reaches nothing outside itself: only packages.
    if (/from\s+['"](\.\.\/){2,}/.test(text)) throw new Error(`fixture file ${path} imports from outside the app`);
  }
  return files;
}

/** The fixture's vite.config.ts without its `resolve.alias` onto the workspace's src/ (the tarballs replace it). */
function viteConfig(): string {
  const original = readFileSync(join(FIXTURE, 'vite.config.ts'), 'utf8');
  const config = original.replace(/\n {2}resolve: \{\n {4}alias: \{\n[\s\S]*?\n {4}\},\n {2}\},\n/, '\n');
  if (config === original || /\.\.\/|alias/.test(config.replace(/^\/\/.*$/gm, ''))) {
    throw new Error(
      `the fixture's vite.config.ts changed: update how this test drops its workspace aliases\n${original}`,
    );
  }
  return config;
}

beforeAll(async () => {
  tarballs = timed('pack', () => packTarballs());
  const fixturePackage = JSON.parse(readFileSync(join(FIXTURE, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  expect(fixturePackage.devDependencies.node).toMatch(/^22\./);
  project = timed('install', () =>
    makeProject(tarballs as Tarballs, {
      name: 'tanstack-start',
      packages: ['metrics'],
      dependencies: fixturePackage.dependencies,
      devDependencies: fixturePackage.devDependencies,
      files: { ...fixtureFiles(), 'vite.config.ts': viteConfig() },
    }),
  );
  const node22 = join(project, 'node_modules/.bin/node');
  const vite = join(project, 'node_modules/vite/bin/vite.js');
  expect(execFileSync(node22, ['--version'], { encoding: 'utf8' })).toMatch(/^v22\./);
  timed('vite build', () => {
    try {
      execFileSync(node22, [vite, 'build', '--logLevel', 'warn'], {
        cwd: project,
        stdio: 'pipe',
        timeout: 180_000,
        env: cleanNpmEnv(),
      });
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
      throw new Error(`vite build failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    }
  });

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  preview = spawn(node22, [vite, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: project,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cleanNpmEnv(),
  });
  const collect = (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  };
  preview.stdout?.on('data', collect);
  preview.stderr?.on('data', collect);
  const end = Date.now() + 60_000;
  for (;;) {
    if (preview.exitCode !== null) throw new Error(`vite preview exited (${preview.exitCode}):\n${log}`);
    const ok = await fetch(`${base}/metrics`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > end) throw new Error(`vite preview not ready after 60 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  timings['vite preview ready'] = Date.now() - started;

  prometheus = await startPrometheus({
    config: [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      `  - job_name: ${JOB}`,
      '    static_configs:',
      `      - targets: ['127.0.0.1:${port}']`,
      '',
    ].join('\n'),
  });
}, 600_000);

afterAll(async () => {
  const p = preview;
  if (p && p.exitCode === null && p.signalCode === null) {
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
  await prometheus?.stop();
  cleanup(tarballs);
  console.log(`[consumers/tanstack-start] times (ms): ${JSON.stringify(timings)}`);
}, 60_000);

describe('a TanStack Start production build with @greyhaven/metrics from the tarballs (Node 22, real Prometheus)', () => {
  it('installs the tarballs, not the workspace, and builds without the fixture’s aliases', () => {
    const installed = join(project, 'node_modules/@greyhaven/metrics');
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(existsSync(join(installed, 'dist/core/index.js'))).toBe(true);
    expect(readFileSync(join(project, 'vite.config.ts'), 'utf8')).not.toContain('alias');
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string; link?: boolean }>;
    };
    const resolved = lock.packages['node_modules/@greyhaven/metrics']?.resolved ?? '';
    expect(resolved).toMatch(/^file:/);
    expect(resolve(project, resolved.slice('file:'.length))).toBe(tarballs?.files.metrics);
    expect(Object.values(lock.packages).some((p) => p.link)).toBe(false);
  });

  it('Prometheus scrapes /metrics and stores the requests by route id, status and method', async () => {
    for (const path of ['/users/42', '/users/7', '/stream', '/'])
      expect((await fetch(`${base}${path}`)).status).toBe(200);
    expect(await (await fetch(`${base}/stream`)).text()).toBe('ab');
    expect((await fetch(`${base}/users/9`, { method: 'POST' })).status).toBe(500);
    expect((await fetch(`${base}/no/such/page/123`)).status).toBe(404);
    const expected: Record<string, number> = {
      'GET /users/$userId 200': 2,
      'POST /users/$userId 500': 1,
      'GET /stream 200': 2,
      'GET / 200': 1,
      [`GET ${UNMATCHED_ROUTE} 404`]: 1,
    };

    const p = prometheus as RunningPrometheus;
    const [target] = await p.settled([JOB]);
    expect(target?.health, target?.lastError).toBe('up');
    const stored = async () => {
      const got = await p.query(`sum by (method, route, status) (${httpRequestsTotal.name}{job="${JOB}"})`);
      return Object.fromEntries(
        got
          .filter((s) => s.metric.route !== '/metrics' && Number(s.value[1]) !== 0)
          .map((s) => [`${s.metric.method} ${s.metric.route} ${s.metric.status}`, Number(s.value[1])]),
      );
    };
    // Each request above finished before the scrape that has to see it: poll until one has (bounded).
    const end = Date.now() + 30_000;
    let last: Record<string, number> = {};
    while (Date.now() < end) {
      last = await stored();
      if (JSON.stringify(Object.entries(last).sort()) === JSON.stringify(Object.entries(expected).sort())) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(last).toEqual(expected);
    // Prometheus' own scrapes are counted under the /metrics route id.
    const scrapes = await p.query(`sum(${httpRequestsTotal.name}{job="${JOB}",route="/metrics",status="200"})`);
    expect(Number(scrapes[0]?.value[1])).toBeGreaterThanOrEqual(1);
    const histogram = await p.query(
      `sum(http_request_duration_seconds_count{job="${JOB}",route="/users/$userId",method="GET"})`,
    );
    expect(Number(histogram[0]?.value[1])).toBe(2);
  });
});
