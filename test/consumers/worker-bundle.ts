/**
 * What `@greyhaven/metrics/workers` costs a Cloudflare Worker's bundle — one measuring function shared by
 * test/consumers/workers.test.ts (which budgets it, on the packed tarball installed in a consumer project) and
 * packages/metrics/bench/workers-size.bench.ts (`npm run bench`, on the repository's built dist/).
 *
 * It bundles two module Workers the way Workers bundlers do (esbuild, ESM, platform neutral, the `workerd`/`worker`/
 * `browser` export conditions wrangler sets, no Node built-ins): a trivial fetch handler alone (the baseline) and the
 * same handler wrapped in `withRemoteWrite`. The package's cost is the difference, raw (bundled, not minified),
 * minified, and minified + gzipped (level 9); esbuild's metafile says which inputs the bytes come from.
 *
 * esbuild is the repository's (the `esbuild` vite and tsx bring); the inputs resolve from `resolveDir`: a consumer
 * project's node_modules in the test, the workspace (its `@greyhaven/*` symlinks to packages/*, whose exports
 * point at dist/ under these conditions) in the bench.
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/**
 * The budget: what '@greyhaven/metrics/workers' may add to a Worker, minified + gzipped (generous: ~9 KiB measured
 * in 2026-12; Cloudflare limits a whole Worker to 3 MB compressed on the Free plan, 10 MB on paid plans). The consumer test fails
 * above it, and so does the bench.
 */
export const WORKERS_GZIP_BUDGET = 30 * 1024;

/** The export conditions wrangler (3 and 4) resolves a Worker's imports with, besides `import`/`default`. */
export const WORKER_CONDITIONS = ['workerd', 'worker', 'browser'] as const;

/** The measured Workers' own source, as the metafile names it. */
const ENTRY_NAME = '(worker entry).js';

/** A module Worker with a trivial handler: what every Worker has anyway. */
export const BASELINE_WORKER = `export default { fetch: () => new Response('ok') };\n`;

/** The same handler behind withRemoteWrite: what the package adds to it. */
export function wrappedWorker(specifier = '@greyhaven/metrics/workers'): string {
  return [
    `import { withRemoteWrite } from '${specifier}';`,
    'export default withRemoteWrite(',
    `  { labels: { service: 'size', job: 'size' }, remoteWrite: () => undefined },`,
    `  { fetch: () => new Response('ok') },`,
    ');',
    '',
  ].join('\n');
}

export interface InputBytes {
  /** The input, as a package path when it is in node_modules (`snappyjs/snappy_compressor.js`), else relative. */
  path: string;
  /** Its bytes in the minified output. */
  bytes: number;
}

export interface WorkerBundle {
  /** Bundled, not minified. */
  raw: number;
  /** Bundled and minified (what the size figures below are about). */
  minified: number;
  /** Minified, then gzip level 9 (what Cloudflare's upload limit counts). */
  gzip: number;
  /** The minified code. */
  code: string;
  /** Inputs by bytes in the minified output, largest first. */
  inputs: InputBytes[];
  /** Imports esbuild left to the runtime (external): a Worker without nodejs_compat must have none. */
  externalImports: string[];
}

/** Where a metafile input comes from: its package path inside node_modules, else the path as esbuild gives it. */
export function inputName(path: string): string {
  const at = path.lastIndexOf('node_modules/');
  return at >= 0 ? path.slice(at + 'node_modules/'.length) : path;
}

async function bundleOnce(source: string, resolveDir: string, minify: boolean) {
  const result = await build({
    stdin: { contents: source, resolveDir, sourcefile: ENTRY_NAME, loader: 'js' },
    absWorkingDir: resolveDir,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: [...WORKER_CONDITIONS],
    mainFields: ['browser', 'module', 'main'],
    minify,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text ?? '';
  const output = Object.values(result.metafile.outputs)[0];
  return { code, output };
}

/** Bundles one module Worker's source (resolving its imports from `resolveDir`), raw and minified. */
export async function bundleWorkerSource(source: string, resolveDir: string): Promise<WorkerBundle> {
  const raw = await bundleOnce(source, resolveDir, false);
  const min = await bundleOnce(source, resolveDir, true);
  const inputs = Object.entries(min.output?.inputs ?? {})
    .map(([path, { bytesInOutput }]) => ({ path: inputName(path), bytes: bytesInOutput }))
    .filter((i) => i.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
  return {
    raw: Buffer.byteLength(raw.code),
    minified: Buffer.byteLength(min.code),
    gzip: gzipSync(min.code, { level: 9 }).length,
    code: min.code,
    inputs,
    externalImports: (min.output?.imports ?? []).filter((i) => i.external).map((i) => i.path),
  };
}

export interface WorkersCost {
  baseline: WorkerBundle;
  wrapped: WorkerBundle;
  /** wrapped − baseline. */
  cost: { raw: number; minified: number; gzip: number };
  /** The wrapped bundle's inputs other than the Worker's own source, largest first. */
  contributors: InputBytes[];
  /** Bytes by package (`@greyhaven/metrics`, `snappyjs`, …; the repository's paths as their package). */
  byPackage: InputBytes[];
}

/** The package a contributor belongs to (`@scope/name` or `name`); a workspace path `packages/x/…` → `packages/x`. */
export function packageOf(path: string): string {
  const parts = path.split(/[\\/]/);
  if (parts[0] === 'packages') return parts.slice(0, 2).join('/');
  return parts[0]?.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? path);
}

/**
 * Measures what `specifier` (default `@greyhaven/metrics/workers`) adds to a Worker whose imports resolve from
 * `resolveDir`.
 */
export async function measureWorkersCost(resolveDir: string, specifier?: string): Promise<WorkersCost> {
  const baseline = await bundleWorkerSource(BASELINE_WORKER, resolveDir);
  const wrapped = await bundleWorkerSource(wrappedWorker(specifier), resolveDir);
  const contributors = wrapped.inputs.filter((i) => i.path !== ENTRY_NAME);
  const totals = new Map<string, number>();
  for (const c of contributors) totals.set(packageOf(c.path), (totals.get(packageOf(c.path)) ?? 0) + c.bytes);
  return {
    baseline,
    wrapped,
    cost: {
      raw: wrapped.raw - baseline.raw,
      minified: wrapped.minified - baseline.minified,
      gzip: wrapped.gzip - baseline.gzip,
    },
    contributors,
    byPackage: [...totals].map(([path, bytes]) => ({ path, bytes })).sort((a, b) => b.bytes - a.bytes),
  };
}

const kib = (n: number) => `${(n / 1024).toFixed(2)} KiB`;

/** A Markdown report: the sizes, then the top `top` contributors and the totals by package. */
export function formatWorkersCost(m: WorkersCost, opts: { title?: string; top?: number } = {}): string {
  const top = opts.top ?? 10;
  const minified = m.contributors.reduce((sum, c) => sum + c.bytes, 0);
  return [
    `### ${opts.title ?? 'What @greyhaven/metrics/workers adds to a Worker bundle'}`,
    '',
    '| | raw | minified | min + gzip |',
    '|---|---:|---:|---:|',
    `| trivial Worker (baseline) | ${kib(m.baseline.raw)} | ${kib(m.baseline.minified)} | ${kib(m.baseline.gzip)} |`,
    `| same, behind withRemoteWrite | ${kib(m.wrapped.raw)} | ${kib(m.wrapped.minified)} | ${kib(m.wrapped.gzip)} |`,
    `| **cost of the package** | ${kib(m.cost.raw)} | ${kib(m.cost.minified)} | **${kib(m.cost.gzip)}** |`,
    '',
    `Top ${Math.min(top, m.contributors.length)} inputs by minified bytes (of ${m.contributors.length}):`,
    '',
    '| input | minified | share |',
    '|---|---:|---:|',
    ...m.contributors
      .slice(0, top)
      .map((c) => `| ${c.path} | ${kib(c.bytes)} | ${((100 * c.bytes) / minified).toFixed(1)}% |`),
    '',
    'By package:',
    '',
    '| package | minified | share |',
    '|---|---:|---:|',
    ...m.byPackage.map((c) => `| ${c.path} | ${kib(c.bytes)} | ${((100 * c.bytes) / minified).toFixed(1)}% |`),
    '',
  ].join('\n');
}
