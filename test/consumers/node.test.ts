/**
 * @greyhaven/metrics as a user installs it: one fresh project outside the repository with the packed tarballs plus
 * express@5, hono and @hono/node-server from the registry, and three apps written as plain JavaScript (.mjs/.js,
 * no TypeScript, no loader) run by the plain `node` binary with a clean environment:
 *
 *   - node:http with `instrumentNodeHandler` + `nodeMetricsHandler` (routes given as templates),
 *   - Express 5 with `expressMetrics` + `expressMetricsHandler`,
 *   - Hono on @hono/node-server with `honoMetrics` + `honoMetricsHandler`.
 *
 * Each serves `/users/:id`, `/health` and `/metrics` on 127.0.0.1; the test sends a known number of requests
 * (every `/users/:id` request with a different id), a real Prometheus (/usr/bin/prometheus) scrapes the three, and
 * PromQL shows the contract's series with the counts sent and template routes only. A fourth script pushes from
 * `@greyhaven/metrics/workers` under plain node into the same Prometheus' remote-write receiver.
 *
 * Bad input: a deep import (`@greyhaven/metrics/src/index.ts`, `@greyhaven/metrics/dist/node.js`) fails with the
 * package's message listing its entry points; under the `workerd` condition the Node entry names
 * '@greyhaven/metrics/workers'.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  HTTP_DURATION_BUCKETS,
  httpActiveConnections,
  httpRequestDurationSeconds,
  httpRequestsTotal,
  UNMATCHED_ROUTE,
} from '@greyhaven/metric-contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, REMOTE_WRITE_RECEIVER, type StartedPrometheus, startPrometheus } from '../support/prometheus.ts';
import { cleanNpmEnv, cleanup, makeProject, packTarballs, type Tarballs } from './support.ts';

/** Printed by every app once it listens: what the test asserts about how it runs. */
const READY = `
const ready = (port) =>
  console.log(JSON.stringify({
    port,
    execArgv: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS ?? null,
    resolved: import.meta.resolve('@greyhaven/metrics'),
  }));
`;

const PLAIN_HTTP = `// node:http, plain ESM JavaScript
import { createServer } from 'node:http';
import { instrumentNodeHandler, nodeMetricsHandler } from '@greyhaven/metrics';
${READY}
const app = instrumentNodeHandler(
  (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const user = /^\\/users\\/([^/]+)$/.exec(path);
    if (user) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: user[1] }));
    } else if (path === '/health') {
      res.end('ok');
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  },
  { routes: ['/users/:id', '/health'] },
);
const metrics = nodeMetricsHandler();
const port = Number(process.env.PORT);
createServer((req, res) => (req.url === '/metrics' ? metrics(req, res) : app(req, res))).listen(port, '127.0.0.1', () =>
  ready(port),
);
`;

const EXPRESS = `// Express 5, plain ESM JavaScript ("type": "module")
import express from 'express';
import { expressMetrics, expressMetricsHandler } from '@greyhaven/metrics';
${READY}
const app = express();
app.use(expressMetrics());
app.get('/metrics', expressMetricsHandler());
app.get('/users/:id', (req, res) => res.json({ id: req.params.id }));
app.get('/health', (_req, res) => res.send('ok'));
const port = Number(process.env.PORT);
app.listen(port, '127.0.0.1', () => ready(port));
`;

const HONO = `// Hono on @hono/node-server, plain ESM JavaScript
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { honoMetrics, honoMetricsHandler } from '@greyhaven/metrics';
${READY}
const app = new Hono();
app.use('*', honoMetrics());
app.get('/metrics', honoMetricsHandler());
app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }));
app.get('/health', (c) => c.text('ok'));
const port = Number(process.env.PORT);
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => ready(port));
`;

/** A Worker's handler wrapped by withRemoteWrite, called under plain node; pushes to REMOTE_WRITE_URL. */
const WORKERS_PUSH = `// @greyhaven/metrics/workers under plain node
import { withRemoteWrite } from '@greyhaven/metrics/workers';

const worker = withRemoteWrite(
  {
    labels: { service: 'edge', job: 'workers-push', runtime: 'workers' },
    remoteWrite: (env) => ({ url: env.REMOTE_WRITE_URL }),
    routes: ['/users/:id'],
    intervalMs: 0,
    onError: (error, what) => {
      console.error('push failed:', what, error);
      process.exitCode = 1;
    },
  },
  { fetch: () => new Response('ok') },
);
const env = { REMOTE_WRITE_URL: process.env.REMOTE_WRITE_URL };
const pending = [];
const ctx = { waitUntil: (p) => pending.push(p) };
const count = Number(process.argv[2]);
for (let i = 0; i < count; i++) {
  const res = await worker.fetch(new Request(\`http://127.0.0.1/users/\${9000 + i}\`), env, ctx);
  await res.text();
  await Promise.all(pending.splice(0));
}
await Promise.all(pending.splice(0));
console.log(JSON.stringify({ pushed: count }));
`;

/** Imports the module named on the command line and prints its export names. */
const IMPORT_IT = `const m = await import(process.argv[2]);
console.log(JSON.stringify(Object.keys(m).sort()));
`;

interface App {
  name: string;
  file: string;
}
const APPS: readonly App[] = [
  { name: 'node-http', file: 'plain-http.mjs' },
  { name: 'express', file: 'express-app.js' },
  { name: 'hono', file: 'hono-app.mjs' },
];

/** Requests per app: distinct ids on /users/:id, a few /health, a few URLs no route matches. */
const USER_REQUESTS = 7;
const HEALTH_REQUESTS = 3;
const NOT_FOUND_REQUESTS = 2;
const PUSHED_REQUESTS = 4;
const SCRAPE_CONFIG_JOBS = APPS.map((a) => a.name);

interface Ready {
  port: number;
  execArgv: string[];
  nodeOptions: string | null;
  resolved: string;
}

interface Running {
  child: ChildProcess;
  ready: Ready;
  log: () => string;
}

let tarballs: Tarballs | undefined;
let project = '';
const children: ChildProcess[] = [];

beforeAll(() => {
  tarballs = packTarballs();
  project = makeProject(tarballs, {
    name: 'node-apps',
    packages: ['metrics'],
    dependencies: { express: '^5.3.0', hono: '^4.13.19', '@hono/node-server': '^2.1.9' },
    files: {
      'plain-http.mjs': PLAIN_HTTP,
      'express-app.js': EXPRESS,
      'hono-app.mjs': HONO,
      'workers-push.mjs': WORKERS_PUSH,
      'import-it.mjs': IMPORT_IT,
    },
  });
}, 600_000);

afterAll(async () => {
  await Promise.all(children.map(stopChild));
  cleanup(tarballs);
});

/** A clean environment: no npm_* of an enclosing `npm test`, no NODE_OPTIONS (support.ts' cleanNpmEnv). */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e = cleanNpmEnv(extra);
  for (const k of Object.keys(e)) if (k.startsWith('VITEST') || k === 'TSX_TSCONFIG_PATH') delete e[k];
  return e;
}

/** Starts `node FILE` in the project and waits (bounded) for its ready line. */
async function startApp(file: string, port: number): Promise<Running> {
  const child = spawn(process.execPath, [file], {
    cwd: project,
    env: env({ PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-10_000);
  });
  const log = () => `stdout:\n${out}\nstderr:\n${err}`;
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} not ready within 30 s\n${log()}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as Ready);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (code ${code}, signal ${signal}) before it was ready\n${log()}`));
    });
  });
  return { child, ready, log };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function get(port: number, path: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  await res.arrayBuffer();
  return res.status;
}

/** Runs `node import-it.mjs SPECIFIER` (plus node flags) in the project. */
function importIn(specifier: string, nodeFlags: string[] = []) {
  const r = spawnSync(process.execPath, [...nodeFlags, 'import-it.mjs', specifier], {
    cwd: project,
    env: env(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Bounds, not speed requirements (each query is polled for at most 15 s; a busy 2-core machine is slow).
describe('node:http, Express 5 and Hono apps on plain node, scraped by a real Prometheus', { timeout: 120_000 }, () => {
  const running = new Map<string, Running>();
  let prometheus: StartedPrometheus | undefined;
  const sent = new Map<string, number[]>();

  beforeAll(async () => {
    for (const app of APPS) running.set(app.name, await startApp(app.file, await freePort()));
    prometheus = await startPrometheus({
      args: [REMOTE_WRITE_RECEIVER],
      config: [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        ...APPS.flatMap((app) => [
          `  - job_name: ${app.name}`,
          '    static_configs:',
          `      - targets: ['127.0.0.1:${running.get(app.name)?.ready.port}']`,
        ]),
        '',
      ].join('\n'),
    });
    for (const app of APPS) {
      const port = running.get(app.name)?.ready.port as number;
      const statuses: number[] = [];
      for (let i = 0; i < USER_REQUESTS; i++) statuses.push(await get(port, `/users/${4200 + i}`));
      for (let i = 0; i < HEALTH_REQUESTS; i++) statuses.push(await get(port, '/health'));
      for (let i = 0; i < NOT_FOUND_REQUESTS; i++) statuses.push(await get(port, `/no/such/page/${i}`));
      sent.set(app.name, statuses);
    }
    // A scrape that starts after the traffic sees all of it.
    await prometheus.settled(SCRAPE_CONFIG_JOBS, 30_000);
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all([...running.values()].map((r) => stopChild(r.child)));
  });

  /** Polls an instant query (bounded) until `done` holds for its result; returns the last result. */
  async function poll(expr: string, done: (values: Map<string, number>) => boolean) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const samples = (await prometheus?.query(expr)) ?? [];
      const values = new Map(samples.map((s) => [JSON.stringify(s.metric), Number(s.value[1])]));
      if (done(values) || Date.now() > deadline) return { samples, values: [...values.values()] };
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  describe.each(APPS)('$name ($file)', (app) => {
    const sel = (more: string) => `{job="${app.name}"${more ? `,${more}` : ''}}`;

    it('runs on the plain node binary from dist/: no loader flags, no NODE_OPTIONS', () => {
      const r = running.get(app.name) as Running;
      expect(r.ready.execArgv, r.log()).toEqual([]);
      expect(r.ready.nodeOptions).toBeNull();
      expect(r.ready.resolved).toMatch(/\/node_modules\/@greyhaven\/metrics\/dist\/index\.js$/);
      expect(r.ready.resolved.startsWith(`${pathToFileURL(realpathSync(project)).href}/`)).toBe(true);
      expect(sent.get(app.name)).toEqual([
        ...Array(USER_REQUESTS + HEALTH_REQUESTS).fill(200),
        ...Array(NOT_FOUND_REQUESTS).fill(404),
      ]);
    });

    it(`counts ${httpRequestsTotal.name}{route="/users/:id",method="GET",status="200"} = the requests sent`, async () => {
      const expr = `${httpRequestsTotal.name}${sel('route="/users/:id",method="GET",status="200"')}`;
      const { values } = await poll(expr, (v) => [...v.values()].includes(USER_REQUESTS));
      expect(values, expr).toEqual([USER_REQUESTS]);
      const health = `${httpRequestsTotal.name}${sel('route="/health",method="GET",status="200"')}`;
      expect((await poll(health, (v) => [...v.values()].includes(HEALTH_REQUESTS))).values, health).toEqual([
        HEALTH_REQUESTS,
      ]);
    });

    it(`has ${httpRequestDurationSeconds.name}_bucket for the route: the contract's buckets, +Inf = requests`, async () => {
      const expr = `${httpRequestDurationSeconds.name}_bucket${sel('route="/users/:id",method="GET",status="200"')}`;
      const { samples } = await poll(expr, (v) => v.size === HTTP_DURATION_BUCKETS.length + 1);
      const le = (v = '') => (v === '+Inf' ? Number.POSITIVE_INFINITY : Number(v));
      const byLe = new Map(samples.map((s) => [le(s.metric.le), Number(s.value[1])]));
      expect(
        [...byLe.keys()].sort((a, b) => a - b),
        expr,
      ).toEqual([...HTTP_DURATION_BUCKETS, Number.POSITIVE_INFINITY]);
      expect(byLe.get(Number.POSITIVE_INFINITY)).toBe(USER_REQUESTS);
      const count = await prometheus?.query(`${httpRequestDurationSeconds.name}_count${sel('route="/users/:id"')}`);
      expect(count?.map((s) => Number(s.value[1]))).toContain(USER_REQUESTS);
      const active = await prometheus?.query(`${httpActiveConnections.name}${sel('')}`);
      expect(active?.length, `${httpActiveConnections.name} scraped`).toBe(1);
    });

    it('labels routes with templates only (never a raw id), and a 404 no route matched as __unmatched__', async () => {
      const expr = `group by (route) (${httpRequestsTotal.name}${sel('')})`;
      const { samples } = await poll(expr, (v) => v.size >= 3);
      const routes = samples.map((s) => s.metric.route ?? '').sort();
      expect(routes).toEqual(expect.arrayContaining(['/health', '/users/:id', UNMATCHED_ROUTE]));
      // Only the templates (and /metrics, which Express and Hono see as a route of their own).
      expect(routes.filter((r) => !['/health', '/users/:id', '/metrics', UNMATCHED_ROUTE].includes(r))).toEqual([]);
      expect(routes.filter((r) => /\d/.test(r))).toEqual([]);
      const unmatched = `${httpRequestsTotal.name}${sel(`route="${UNMATCHED_ROUTE}",method="GET",status="404"`)}`;
      expect((await poll(unmatched, (v) => [...v.values()].includes(NOT_FOUND_REQUESTS))).values, unmatched).toEqual([
        NOT_FOUND_REQUESTS,
      ]);
    });
  });

  it('@greyhaven/metrics/workers under plain node pushes its series into Prometheus’ remote-write receiver', async () => {
    const r = spawnSync(process.execPath, ['workers-push.mjs', String(PUSHED_REQUESTS)], {
      cwd: project,
      env: env({ REMOTE_WRITE_URL: prometheus?.writeUrl as string }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const expr = `sum(${httpRequestsTotal.name}{job="workers-push",service="edge",route="/users/:id",method="GET",status="200"})`;
    const { values } = await poll(expr, (v) => [...v.values()].includes(PUSHED_REQUESTS));
    expect(values, expr).toEqual([PUSHED_REQUESTS]);
  });
});

describe('entry points, imported by plain node', { timeout: 120_000 }, () => {
  const ENTRY_POINTS = ['@greyhaven/metrics', '@greyhaven/metrics/core', '@greyhaven/metrics/workers'];

  it.each(['@greyhaven/metrics/src/index.ts', '@greyhaven/metrics/dist/node.js', '@greyhaven/metrics/dist/index.js'])(
    'a deep import of %s fails with an error listing the entry points',
    (specifier) => {
      const r = importIn(specifier);
      expect(r.status, r.stdout).not.toBe(0);
      expect(r.stderr).toContain("that path is not one of the package's entry points");
      for (const entry of ENTRY_POINTS) expect(r.stderr).toContain(`${entry}:`);
      expect(r.stderr).not.toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
    },
  );

  it("'@greyhaven/metrics/workers' loads (web-standard only) and exports withRemoteWrite", () => {
    const r = importIn('@greyhaven/metrics/workers');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expect.arrayContaining(['RemoteWriter', 'withRemoteWrite']));
  });

  it("'@greyhaven/metrics/core' and '@greyhaven/metrics' load and export their adapters", () => {
    const core = importIn('@greyhaven/metrics/core');
    expect(core.status, core.stderr).toBe(0);
    expect(JSON.parse(core.stdout)).toEqual(
      expect.arrayContaining(['HttpMetrics', 'metricsMiddleware', 'honoMetrics']),
    );
    const node = importIn('@greyhaven/metrics');
    expect(node.status, node.stderr).toBe(0);
    expect(JSON.parse(node.stdout)).toEqual(
      expect.arrayContaining(['expressMetrics', 'honoMetrics', 'instrumentNodeHandler', 'nodeMetricsHandler']),
    );
  });

  it.each(['workerd', 'worker'])(
    "under the %s condition, '@greyhaven/metrics' fails naming '@greyhaven/metrics/workers'",
    (condition) => {
      const r = importIn('@greyhaven/metrics', [`--conditions=${condition}`]);
      expect(r.status, r.stdout).not.toBe(0);
      expect(r.stderr).toContain("a Cloudflare Worker imports '@greyhaven/metrics/workers'");
    },
  );
});
