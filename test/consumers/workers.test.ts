/**
 * A Cloudflare Worker as a user writes, bundles and runs it, outside the repository: a fresh project (support.ts'
 * makeProject) that installs only the packed @greyhaven/metrics (+ metric-contract) tarballs and `wrangler@3.114`
 * from the registry. Its src/index.ts wraps a small fetch handler with templated routes in `withRemoteWrite` from
 * '@greyhaven/metrics/workers'.
 *
 * Bundler: wrangler itself (`wrangler deploy --dry-run --outdir dist`, a wrangler.toml with a compatibility_date and
 * NO nodejs_compat flag), not the esbuild fallback. wrangler@3.114 runs on Node 20 (wrangler 4 needs Node ≥ 22.12)
 * and is quick here: the install (wrangler + its workerd/miniflare, ~160 MB) takes ~8–15 s on a warm npm cache, a
 * dry-run bundle ~3 s. So the Worker is bundled exactly as `wrangler deploy` would upload it. wrangler runs with
 * its telemetry off (WRANGLER_SEND_METRICS=false), its config and temp files in the project
 * (XDG_CONFIG_HOME, TMPDIR) and its update check pointed at a closed local port (npm_config_registry: it reads
 * the registry from npm's config): it sends nothing anywhere.
 *
 * The bundle runs in workerd through the miniflare that wrangler installed in the project (what `wrangler dev`
 * runs), with only a compatibility_date, and pushes to a real Prometheus with its remote-write receiver
 * (test/support/prometheus.ts), whose totals must equal the requests sent, per route template and status.
 * Also: the bundle imports no `node:` module; a Worker importing the Node entry '@greyhaven/metrics' fails to
 * start with the error naming '@greyhaven/metrics/workers'; and what '@greyhaven/metrics/workers' adds to a
 * Worker, minified + gzipped, stays under WORKERS_GZIP_BUDGET (measured by worker-bundle.ts, shared with
 * `npm run bench`'s packages/metrics/bench/workers-size.bench.ts).
 *
 * Everything listens on 127.0.0.1, every wait is bounded, afterAll disposes workerd, stops Prometheus and removes
 * the temp directory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { httpRequestDurationSeconds, httpRequestsTotal, UNMATCHED_ROUTE } from '@greyhaven/metric-contract';
import type { Miniflare as MiniflareInstance } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REMOTE_WRITE_RECEIVER, type RunningPrometheus, startPrometheus } from '../support/prometheus.ts';
import { cleanNpmEnv, cleanup, makeProject, packTarballs, stopwatch, type Tarballs } from './support.ts';
import { formatWorkersCost, measureWorkersCost, WORKERS_GZIP_BUDGET, type WorkersCost } from './worker-bundle.ts';

const WRANGLER_VERSION = '3.114.9';
const COMPATIBILITY_DATE = '2024-09-23';
const SERVICE = 'consumer-worker';

const WORKER_SOURCE = `import { withRemoteWrite } from '@greyhaven/metrics/workers';

interface Env {
  REMOTE_WRITE_URL?: string;
}
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

const app = {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/health') return new Response('ok');
    const user = /^\\/users\\/([^/]+)$/.exec(pathname);
    if (user) return Response.json({ id: user[1] });
    const item = /^\\/orders\\/([^/]+)\\/items\\/([^/]+)$/.exec(pathname);
    if (item) return request.method === 'DELETE' ? new Response('gone', { status: 410 }) : Response.json({ item: item[2] });
    return new Response('not found', { status: 404 });
  },
};

export default withRemoteWrite<Env, ExecutionContext, typeof app>(
  {
    labels: { service: '${SERVICE}', job: 'cloudflare-workers', runtime: 'workers' },
    remoteWrite: (env) => (env.REMOTE_WRITE_URL ? { url: env.REMOTE_WRITE_URL } : undefined),
    routes: ['/users/:id', '/orders/:order/items/:item', '/health'],
    intervalMs: 200,
  },
  app,
);
`;

/** A Worker that imports the Node entry point (wrong for Workers: it must fail with a message that says so). */
const NODE_ENTRY_SOURCE = `import { nodeMetricsHandler } from '@greyhaven/metrics';

export default { fetch: () => new Response(typeof nodeMetricsHandler) };
`;

const wranglerToml = (name: string, main: string) =>
  `name = "${name}"\nmain = "${main}"\ncompatibility_date = "${COMPATIBILITY_DATE}"\n`;

let tarballs: Tarballs | undefined;
let project: string;
let prometheus: RunningPrometheus | undefined;
const isolates: MiniflareInstance[] = [];
let MiniflareClass: typeof import('miniflare').Miniflare;
const { timings, timed } = stopwatch();

/** `wrangler deploy --dry-run --outdir dist` in `dir` (which holds a wrangler.toml); wrangler's output. */
function wranglerBundle(dir: string): string {
  const wrangler = join(project, 'node_modules/wrangler/bin/wrangler.js');
  try {
    return execFileSync(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', 'dist'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: 120_000,
      env: cleanNpmEnv({
        WRANGLER_SEND_METRICS: 'false',
        XDG_CONFIG_HOME: join(project, '.config'),
        TMPDIR: join(project, '.tmp'),
        // wrangler's update check reads the registry from npm's config: a closed local port, so it asks nobody.
        npm_config_registry: 'http://127.0.0.1:9/',
        NO_COLOR: '1',
        CI: '1',
      }),
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`wrangler in ${dir} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** Every module specifier a bundle leaves to the runtime: static and dynamic imports, re-exports, require(). */
function runtimeImports(code: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /^\s*(?:import|export)\s[^;'"`]*?\bfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) if (m[1]) found.add(m[1]);
  return [...found];
}

/** One isolate running `script` in workerd; `output` gets what workerd writes (the Worker's console, its errors). */
async function startIsolate(
  script: string,
  bindings: Record<string, string>,
  output: (chunk: string) => void = () => {},
): Promise<MiniflareInstance> {
  const mf = new MiniflareClass({
    modules: true,
    script,
    compatibilityDate: COMPATIBILITY_DATE,
    bindings,
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      stdout.on('data', (d: Buffer) => output(d.toString()));
      stderr.on('data', (d: Buffer) => output(d.toString()));
    },
  });
  isolates.push(mf);
  await mf.ready;
  return mf;
}

async function until(fn: () => Promise<boolean>, what: string, limitMs: number): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out after ${limitMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  tarballs = timed('pack', () => packTarballs());
  project = timed('install', () =>
    makeProject(tarballs as Tarballs, {
      name: 'cloudflare-worker',
      packages: ['metrics'],
      devDependencies: { wrangler: WRANGLER_VERSION },
      files: {
        'wrangler.toml': wranglerToml('consumer-worker', 'src/index.ts'),
        'src/index.ts': WORKER_SOURCE,
        'node-entry/wrangler.toml': wranglerToml('node-entry-worker', 'index.ts'),
        'node-entry/index.ts': NODE_ENTRY_SOURCE,
      },
    }),
  );
  mkdirSync(join(project, '.tmp'));
  timed('wrangler (2 bundles)', () => {
    wranglerBundle(project);
    wranglerBundle(join(project, 'node-entry'));
  });
  // The miniflare wrangler installed (and `wrangler dev` runs), not the repository's.
  const miniflareMain = join(project, 'node_modules/miniflare/dist/src/index.js');
  MiniflareClass = ((await import(pathToFileURL(miniflareMain).href)) as typeof import('miniflare')).Miniflare;
  prometheus = await startPrometheus({ args: [REMOTE_WRITE_RECEIVER] });
}, 420_000);

afterAll(async () => {
  for (const mf of isolates) await mf.dispose().catch(() => {});
  await prometheus?.stop();
  cleanup(tarballs);
  console.log(`[consumers/workers] times (ms): ${JSON.stringify(timings)}`);
}, 60_000);

describe('a Cloudflare Worker project using @greyhaven/metrics/workers (wrangler, workerd, real Prometheus)', () => {
  it('installs the tarballs, not the workspace', () => {
    const installed = join(project, 'node_modules/@greyhaven/metrics');
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(existsSync(join(installed, 'dist/workers/index.js'))).toBe(true);
    expect(existsSync(join(project, 'node_modules/wrangler/package.json'))).toBe(true);
  });

  it('wrangler bundles it without nodejs_compat, with no node: import left for the runtime', () => {
    const code = readFileSync(join(project, 'dist/index.js'), 'utf8');
    expect(code).toContain('http_requests_total');
    // The bundle is self-contained: no import of anything (so none of node:*), and none of the Node entry's code.
    expect(runtimeImports(code)).toEqual([]);
    expect(code).not.toMatch(/["']node:[a-z_/]+["']/);
    expect(code).not.toMatch(/node_modules\/prom-client\//);
    expect(code).not.toContain('this is the Node entry point');
  });

  it('runs in workerd and pushes every request to Prometheus, by route template and status', async () => {
    const script = readFileSync(join(project, 'dist/index.js'), 'utf8');
    let output = '';
    const mf = await startIsolate(script, { REMOTE_WRITE_URL: (prometheus as RunningPrometheus).writeUrl }, (c) => {
      output = (output + c).slice(-20_000);
    });
    const plan: { method: string; path: (i: number) => string; times: number; route: string; status: string }[] = [
      { method: 'GET', path: (i) => `/users/${i}`, times: 7, route: '/users/:id', status: '200' },
      {
        method: 'GET',
        path: (i) => `/orders/${i}/items/${i * 3}`,
        times: 4,
        route: '/orders/:order/items/:item',
        status: '200',
      },
      {
        method: 'DELETE',
        path: (i) => `/orders/${i}/items/1`,
        times: 2,
        route: '/orders/:order/items/:item',
        status: '410',
      },
      { method: 'GET', path: () => '/health', times: 3, route: '/health', status: '200' },
      { method: 'GET', path: (i) => `/no/such/page/${i}`, times: 2, route: UNMATCHED_ROUTE, status: '404' },
    ];
    let sent = 0;
    for (const step of plan) {
      for (let i = 1; i <= step.times; i++) {
        const response = await mf.dispatchFetch(`http://worker.test${step.path(i)}`, { method: step.method });
        expect(response.status).toBe(Number(step.status));
        await response.arrayBuffer();
        sent++;
      }
    }

    // dispatchFetch resolves before the waitUntil push is done: poll Prometheus (and only then dispose).
    const p = prometheus as RunningPrometheus;
    const selector = `${httpRequestsTotal.name}{service="${SERVICE}"}`;
    await until(
      async () => Number((await p.query(`sum(${selector})`))[0]?.value[1]) === sent,
      `Prometheus to count ${sent} requests (workerd said: ${output.slice(-2000)})`,
      30_000,
    );
    const got = await p.query(`sum by (method, route, status) (${selector})`);
    const all = got.map((s) => ({
      key: `${s.metric.method} ${s.metric.route} ${s.metric.status}`,
      value: Number(s.value[1]),
    }));
    // Each label set's 500 series starts at 0 (so a first error is visible to rate()): present, zero.
    expect(all.filter((s) => s.value === 0).every((s) => s.key.endsWith(' 500'))).toBe(true);
    const actual = Object.fromEntries(all.filter((s) => s.value !== 0).map((s) => [s.key, s.value]));
    const expected: Record<string, number> = {};
    for (const s of plan) {
      const key = `${s.method} ${s.route} ${s.status}`;
      expected[key] = (expected[key] ?? 0) + s.times;
    }
    expect(actual).toEqual(expected);

    const histogram = await p.query(`sum(${httpRequestDurationSeconds.name}_count{service="${SERVICE}"})`);
    expect(Number(histogram[0]?.value[1])).toBe(sent);
    // The service labels and one isolate's instance label arrive with every series.
    const labels = await p.query(`count by (job, runtime, instance) (${selector})`);
    expect(labels).toHaveLength(1);
    expect(labels[0]?.metric).toMatchObject({ job: 'cloudflare-workers', runtime: 'workers' });
    expect(labels[0]?.metric.instance).toMatch(/^[0-9a-f]{16}$/);
  });

  it("a Worker importing the Node entry '@greyhaven/metrics' fails to start, naming '@greyhaven/metrics/workers'", async () => {
    const code = readFileSync(join(project, 'node-entry/dist/index.js'), 'utf8');
    // wrangler resolves '@greyhaven/metrics' with the workerd condition: the throwing stub, not the Node code.
    expect(code).toContain("a Cloudflare Worker imports '@greyhaven/metrics/workers'");
    expect(code).not.toMatch(/node_modules\/prom-client\//);
    let output = '';
    const started = startIsolate(code, {}, (c) => {
      output += c;
    });
    await expect(started).rejects.toThrow(/runtime failed to start/i);
    await until(async () => output.includes('Entry points'), 'workerd to print the error', 10_000);
    expect(output).toMatch(/Uncaught Error: @greyhaven\/metrics: this is the Node entry point/);
    expect(output).toContain("a Cloudflare Worker imports '@greyhaven/metrics/workers'");
  });

  it(`what '@greyhaven/metrics/workers' adds to a Worker stays under ${WORKERS_GZIP_BUDGET / 1024} KiB min+gzip`, async () => {
    const cost: WorkersCost = await measureWorkersCost(project);
    console.log(formatWorkersCost(cost, { title: 'Consumer Worker: what @greyhaven/metrics/workers adds' }));
    expect(cost.wrapped.externalImports).toEqual([]);
    const packages = cost.byPackage.map((p) => p.path);
    expect(packages).toContain('@greyhaven/metrics');
    expect(packages).not.toContain('prom-client');
    expect(cost.contributors.some((c) => c.path.startsWith('@greyhaven/metrics/dist/workers/'))).toBe(true);
    expect(cost.cost.gzip).toBeGreaterThan(1024); // it did bundle the package
    expect(cost.cost.gzip).toBeLessThan(WORKERS_GZIP_BUDGET);
  });
});
