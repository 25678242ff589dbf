/**
 * `npm run bench` (through scripts/bench.mjs): what '@greyhaven/metrics/workers' adds to a Cloudflare Worker's
 * bundle, from the built dist/ (`npm run bench` runs setup, which builds a stale dist/ first). Bundled with esbuild
 * as wrangler bundles a Worker (ESM, platform neutral, `workerd`/`worker`/`browser` conditions), minified and
 * gzipped, by test/consumers/worker-bundle.ts — the same measurement test/consumers/workers.test.ts budgets on the
 * packed tarball. Prints raw, minified and min+gzip sizes and the top contributors (esbuild's metafile); exits
 * non-zero above the budget (WORKERS_GZIP_BUDGET) or when the bundle would import anything at run time.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatWorkersCost, measureWorkersCost, WORKERS_GZIP_BUDGET } from '../../../test/consumers/worker-bundle.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dist = fileURLToPath(new URL('../dist/workers/index.js', import.meta.url));
if (!existsSync(dist)) {
  console.error(`[workers-size] ${dist} is missing: run \`npm run build\` (npm run bench does)`);
  process.exit(1);
}

// Resolved from the workspace: node_modules/@greyhaven/* link to packages/*, whose exports give dist/ here.
const cost = await measureWorkersCost(root);
console.log(formatWorkersCost(cost, { title: '@greyhaven/metrics/workers: Worker bundle size (from dist/)' }));

const problems: string[] = [];
if (cost.contributors.some((c) => c.path.includes('/src/')))
  problems.push('bundled src/ instead of dist/: the @greyhaven/source condition leaked into the bundle');
if (cost.wrapped.externalImports.length > 0)
  problems.push(`imports left for the runtime: ${cost.wrapped.externalImports.join(', ')}`);
if (cost.cost.gzip >= WORKERS_GZIP_BUDGET)
  problems.push(`${cost.cost.gzip} B min+gzip, over the budget of ${WORKERS_GZIP_BUDGET} B`);
console.log(
  problems.length === 0
    ? `Budget: ${(cost.cost.gzip / 1024).toFixed(2)} KiB of ${WORKERS_GZIP_BUDGET / 1024} KiB min+gzip — ok.\n`
    : `**Over budget / wrong:**\n${problems.map((p) => `- ${p}`).join('\n')}\n`,
);
if (problems.length > 0) process.exitCode = 1;
