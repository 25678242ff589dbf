#!/usr/bin/env node
// `npm run build`: builds the published packages (@greyhaven/metric-contract, @greyhaven/metrics,
// @greyhaven/monitoring) from src/ to dist/ with `tsc -b` (ESM JavaScript, .d.ts, declaration and source maps).
//
// Why tsc and not a bundler (tsup, tsdown): the sources import each other with `.ts` specifiers, which
// TypeScript's own `rewriteRelativeImportExtensions` turns into `.js`; tsc writes declarations and declaration
// maps itself (no rollup-dts step), and keeps one file per module, so a Worker bundler tree-shakes
// `@greyhaven/metrics/workers` module by module. A library needs no bundling; a project that wants one bundles
// it (the consumer tests do, for Workers).
//
// It also copies the non-TypeScript files the code reads next to itself (e.g. replay/seed-rules.yml), removes
// dist/ files whose source is gone, and does nothing when every dist/ is newer than its sources.
// Flags: --force (rebuild even when up to date), --quiet (print only what it does).
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The packages `npm run build` builds, in dependency order (tsc -b follows their references anyway). */
export const BUILT_PACKAGES = ['contract', 'metrics', 'monitoring'];

/** Source files copied as they are (the code reads them with `new URL(name, import.meta.url)`). */
const ASSET = /\.(ya?ml|json)$/;

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

/** True when some package's src (or build config) is newer than its last build. */
export function packagesStale() {
  const inputs = [join(root, 'tsconfig.build.base.json')];
  return BUILT_PACKAGES.some((name) => {
    const pkg = join(root, 'packages', name);
    const built = mtime(join(pkg, 'dist', '.tsbuildinfo'));
    if (built === 0) return true;
    const files = [...inputs, join(pkg, 'package.json'), join(pkg, 'tsconfig.build.json'), ...walk(join(pkg, 'src'))];
    return files.some((f) => mtime(f) > built);
  });
}

/**
 * tsc's rewriteRelativeImportExtensions rewrites `./x.ts` to `./x.js` in the JavaScript it emits but not in the
 * declarations (TypeScript 5.9), so `.d.ts` files would import `./x.ts`, which TypeScript 5.0+ tolerates there and
 * other tools (older TypeScript, API extractors) do not. Same length, so the declaration maps stay exact.
 */
const TS_SPECIFIER = /((?:from\s+|import\s*\(\s*)(['"])\.{1,2}\/[^'"]*?)\.([cm]?)ts\2/g;
function rewriteDeclarationImports(file) {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(TS_SPECIFIER, (_, head, quote, m) => `${head}.${m}js${quote}`);
  if (next !== text) writeFileSync(file, next);
}

/** dist/ path → the src/ files it can come from. */
function sourcesOf(pkg, distFile) {
  const rel = relative(join(pkg, 'dist'), distFile).replace(/(\.d\.ts|\.js)(\.map)?$/, '');
  if (rel === distFile || ASSET.test(rel)) return [join(pkg, 'src', rel)];
  return [join(pkg, 'src', `${rel}.ts`)];
}

export function buildPackages({ force = false, quiet = false } = {}) {
  if (!force && !packagesStale()) return;
  const say = (msg) => process.stderr.write(`[build] ${msg}\n`);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const configs = BUILT_PACKAGES.map((name) => join('packages', name, 'tsconfig.build.json'));
  say(`tsc -b ${force ? '--force ' : ''}${BUILT_PACKAGES.map((n) => `packages/${n}`).join(' ')}`);
  const r = spawnSync(process.execPath, [tsc, '-b', ...(force ? ['--force'] : []), ...configs], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    say(`failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  for (const name of BUILT_PACKAGES) {
    const pkg = join(root, 'packages', name);
    for (const src of walk(join(pkg, 'src')).filter((f) => ASSET.test(f))) {
      const dest = join(pkg, 'dist', relative(join(pkg, 'src'), src));
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(src, dest);
    }
    for (const file of walk(join(pkg, 'dist'))) {
      if (file.endsWith('.tsbuildinfo')) continue;
      if (file.endsWith('.d.ts')) rewriteDeclarationImports(file);
      if (!sourcesOf(pkg, file).some(existsSync)) {
        if (!quiet) say(`removing ${relative(root, file)} (its source is gone)`);
        rmSync(file);
      }
    }
    // tsc -b leaves an up-to-date build untouched, even when a source's mtime moved: mark it checked now.
    const now = new Date();
    utimesSync(join(pkg, 'dist', '.tsbuildinfo'), now, now);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = new Set(process.argv.slice(2));
  buildPackages({ force: args.has('--force'), quiet: args.has('--quiet') });
}
