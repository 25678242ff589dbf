/**
 * The packages' types as a TypeScript user gets them: one fresh project with the packed tarballs, typescript and
 * @types/node from the registry, and a consumer module importing '@greyhaven/metrics', '/core', '/workers',
 * '@greyhaven/monitoring' (a typed `defineMonitoring` config) and '@greyhaven/metric-contract'. It is type-checked
 * with `tsc --noEmit` under `module: nodenext` (Node's own resolution) and under `module: esnext, moduleResolution:
 * bundler` (Vite, esbuild, wrangler), strict, with `skipLibCheck: false` so the shipped .d.ts files are checked too.
 *
 * The consumer module also holds `@ts-expect-error` lines (a wrong option type, a runtime the schema does not have,
 * a Worker env that lacks a binding): if the types degraded to `any`, those directives would be unused and fail.
 * A second set of files must fail type checking, each with its own expected error, so the check can fail.
 * The program's file list shows the types come from dist/*.d.ts, never from the shipped src/*.ts.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanNpmEnv, cleanup, makeProject, packTarballs, type Tarballs } from './support.ts';

const CONSUMER = `import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { HTTP_DURATION_BUCKETS, httpRequestsTotal, type MetricSpec, UNMATCHED_ROUTE } from '@greyhaven/metric-contract';
import {
  expressMetrics,
  expressMetricsHandler,
  HttpMetrics,
  honoMetrics,
  instrumentNodeHandler,
  type NodeMetricsOptions,
  nodeMetricsHandler,
} from '@greyhaven/metrics';
import { metricsHandler, metricsMiddleware, type MetricsMiddlewareOptions } from '@greyhaven/metrics/core';
import { RemoteWriter, type WaitUntilContext, withRemoteWrite } from '@greyhaven/metrics/workers';
import { defineMonitoring, type MonitoringInput } from '@greyhaven/monitoring';

// The contract.
export const spec: MetricSpec = httpRequestsTotal;
export const buckets: readonly number[] = HTTP_DURATION_BUCKETS;
export const unmatched: string = UNMATCHED_ROUTE;

// node:http.
const metrics = new HttpMetrics({ maxLabelSets: 2000 });
const options: NodeMetricsOptions = { metrics, routes: ['/users/:id', '/health'] };
const app = instrumentNodeHandler((req: IncomingMessage, res: ServerResponse) => {
  res.end(req.url ?? '');
}, options);
const serveMetrics = nodeMetricsHandler({ metrics, registries: [], auth: 'none' });
export const server = createServer((req, res) => {
  if (req.url === '/metrics') void serveMetrics(req, res);
  else app(req, res);
});
export const express = [expressMetrics({ metrics }), expressMetricsHandler({ metrics })] as const;
export const hono = honoMetrics({ metrics, trackBody: false });

// Any fetch runtime.
const middlewareOptions: MetricsMiddlewareOptions = { routes: ['/users/:id'] };
const withMetrics = metricsMiddleware(middlewareOptions);
const scrape = metricsHandler();
export const fetchHandler = (request: Request): Promise<Response> =>
  new URL(request.url).pathname === '/metrics' ? scrape(request) : withMetrics(request, async () => new Response('ok'));

// Cloudflare Workers.
interface Env {
  REMOTE_WRITE_URL: string;
  REMOTE_WRITE_PASSWORD: string;
}
export const worker = withRemoteWrite(
  {
    labels: { service: 'api', job: 'api', runtime: 'workers' },
    remoteWrite: (env: Env) => ({
      url: env.REMOTE_WRITE_URL,
      basicAuth: { username: 'ghmon', password: env.REMOTE_WRITE_PASSWORD },
    }),
    routes: ['/users/:id'],
  },
  { fetch: (_request: Request, _env: Env, _ctx: WaitUntilContext) => new Response('ok') },
);
export const answer: Response | Promise<Response> = worker.fetch(
  new Request('http://127.0.0.1/users/1'),
  { REMOTE_WRITE_URL: 'http://127.0.0.1:9090/api/v1/write', REMOTE_WRITE_PASSWORD: 'x' },
  { waitUntil: () => {} },
);
export const writerClass: typeof RemoteWriter = RemoteWriter;

// ghmon's typed config.
export const config: MonitoringInput = defineMonitoring({
  services: [
    { name: 'api', runtime: 'typescript', scrape: { targets: ['127.0.0.1:8080'] } },
    { name: 'edge', runtime: 'workers', push: { protocol: 'remote-write' } },
  ],
  slo: { availability: { objective: 99.9, window: '30d' } },
});

// Wrong uses the types must catch (an unused directive is an error: these fail if the types were \`any\`).
// @ts-expect-error maxLabelSets is a number
export const wrongOption = new HttpMetrics({ maxLabelSets: 'many' });
// @ts-expect-error 'ruby' is not a runtime
export const wrongRuntime = defineMonitoring({ services: [{ name: 'x', runtime: 'ruby', scrape: { targets: ['a:1'] } }] });
// @ts-expect-error the env lacks REMOTE_WRITE_PASSWORD
export const wrongEnv = worker.fetch(new Request('http://127.0.0.1/'), { REMOTE_WRITE_URL: 'x' }, { waitUntil() {} });
// @ts-expect-error routes are strings
export const wrongRoutes = metricsMiddleware({ routes: [42] });
`;

/** Files that must not type-check, and the error each must get (file name → TS error code). */
const BAD: Record<string, { code: string; text: string }> = {
  'bad/wrong-option-type.ts': {
    code: 'TS2322',
    text: `import { HttpMetrics } from '@greyhaven/metrics';
export const m = new HttpMetrics({ maxLabelSets: 'a thousand' });
`,
  },
  'bad/wrong-config.ts': {
    code: 'TS2322',
    text: `import { defineMonitoring } from '@greyhaven/monitoring';
export default defineMonitoring({ services: [{ name: 'api', runtime: 'typescript', scrape: { targets: 8080 } }] });
`,
  },
  'bad/deep-import.ts': {
    code: 'TS2305',
    text: `import { instrumentNodeHandler } from '@greyhaven/metrics/dist/node.js';
export const h = instrumentNodeHandler;
`,
  },
  'bad/node-only-from-core.ts': {
    code: 'TS2724',
    text: `import { nodeMetricsHandler } from '@greyhaven/metrics/core';
export const h = nodeMetricsHandler;
`,
  },
};

const COMMON = {
  target: 'ES2022',
  lib: ['ES2023', 'DOM', 'DOM.Iterable'],
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  skipLibCheck: false,
  noEmit: true,
  types: ['node'],
};

const tsconfig = (compilerOptions: Record<string, unknown>, include: string[]) =>
  `${JSON.stringify({ compilerOptions: { ...COMMON, ...compilerOptions }, include }, null, 2)}\n`;

const CONFIGS = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
} as const;
type ConfigName = keyof typeof CONFIGS;

/** A bound, not a speed requirement: tsc on a busy 2-core machine takes 10–40 s here. */
const TSC_TIMEOUT = 300_000;

let tarballs: Tarballs | undefined;
let project = '';

beforeAll(() => {
  tarballs = packTarballs();
  const files: Record<string, string> = { 'src/consumer.ts': CONSUMER };
  for (const [name, opts] of Object.entries(CONFIGS)) {
    files[`tsconfig.${name}.json`] = tsconfig(opts, ['src']);
    // The declarations were checked by the good run; here only the consumer's errors matter.
    files[`tsconfig.${name}.bad.json`] = tsconfig({ ...opts, skipLibCheck: true }, ['bad']);
  }
  for (const [file, { text }] of Object.entries(BAD)) files[file] = text;
  project = makeProject(tarballs, {
    name: 'typescript',
    packages: ['metrics', 'monitoring'],
    devDependencies: { typescript: '~5.9.3', '@types/node': '^20.19.0' },
    files,
  });
}, 600_000);

afterAll(() => cleanup(tarballs));

function tsc(config: string, extra: string[] = []) {
  const r = spawnSync(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', config, ...extra], {
    cwd: project,
    env: cleanNpmEnv(),
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}${r.error ?? ''}` };
}

describe.each(Object.keys(CONFIGS) as ConfigName[])('a TypeScript consumer under moduleResolution %s', (name) => {
  it(
    'type-checks (tsc --noEmit exits 0; the @ts-expect-error lines are all needed)',
    () => {
      const r = tsc(`tsconfig.${name}.json`, ['--listFiles']);
      expect(r.status, r.output).toBe(0);
      const listed = r.output.split('\n').filter((l) => l.includes('/node_modules/@greyhaven/'));
      for (const entry of [
        'metrics/dist/index.d.ts',
        'metrics/dist/core/index.d.ts',
        'metrics/dist/workers/index.d.ts',
        'monitoring/dist/index.d.ts',
        'metric-contract/dist/index.d.ts',
      ]) {
        expect(
          listed.some((l) => l.endsWith(`/node_modules/@greyhaven/${entry}`)),
          entry,
        ).toBe(true);
      }
      // The types are the built declarations: nothing from a package's src/ enters the program.
      expect(listed.filter((l) => !/\/node_modules\/@greyhaven\/[^/]+\/dist\/.*\.d\.ts$/.test(l))).toEqual([]);
    },
    TSC_TIMEOUT,
  );

  it(
    'rejects wrong uses: each bad file gets its own error',
    () => {
      const r = tsc(`tsconfig.${name}.bad.json`);
      expect(r.status, r.output).not.toBe(0);
      for (const [file, { code }] of Object.entries(BAD)) {
        expect(r.output, `${file}: ${code}`).toMatch(
          new RegExp(`${file.replace(/\./g, '\\.')}\\(\\d+,\\d+\\): error ${code}`),
        );
      }
    },
    TSC_TIMEOUT,
  );
});
