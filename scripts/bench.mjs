#!/usr/bin/env node
// `npm run bench`: runs every benchmark in the repo, one after another, through tsx:
// bench/*.bench.ts and packages/*/bench/*.bench.ts; then python/bench/bench_*.py through Debian's /usr/bin/python3.
// A benchmark prints its own report (Markdown); a failing one
// makes the run exit non-zero after the others have run. Arguments filter by path substring:
//   npm run bench -- metrics
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);

function benchesIn(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort()
    .map((f) => join(dir, f));
}

const packagesDir = join(root, 'packages');
const files = [
  ...benchesIn(join(root, 'bench')),
  ...(existsSync(packagesDir) ? readdirSync(packagesDir).sort() : []).flatMap((p) =>
    benchesIn(join(packagesDir, p, 'bench')),
  ),
  ...(existsSync(join(root, 'python', 'bench'))
    ? readdirSync(join(root, 'python', 'bench'))
        .filter((f) => /^bench_.*\.py$/.test(f))
        .sort()
        .map((f) => join(root, 'python', 'bench', f))
    : []),
].filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)));

if (files.length === 0) {
  console.error('[bench] no benchmarks found');
  process.exit(1);
}

let failed = 0;
for (const file of files) {
  const rel = relative(root, file);
  console.error(`[bench] ${rel}`);
  const r = file.endsWith('.py')
    ? spawnSync('/usr/bin/python3', [file], {
        cwd: root,
        stdio: 'inherit',
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      })
    : spawnSync(process.execPath, ['--conditions=@greyhaven/source', '--import', 'tsx', '--expose-gc', file], {
        cwd: root,
        stdio: 'inherit',
      });
  if (r.status !== 0) {
    failed++;
    console.error(`[bench] ${rel} failed (exit ${r.status ?? r.signal})`);
  }
}
process.exit(failed ? 1 : 0);
