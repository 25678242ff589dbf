/**
 * Builds the browser app (packages/dashboard, Vite) when its dist/ is missing or older than a source, not on
 * every `ghmon up`. Two stacks starting at once (tests) build once: a lock directory serialises them, and the
 * new build is written beside dist/ and swapped in, so a running viewer never serves a half-written app.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const SOURCES = ['src', 'index.html', 'vite.config.ts', 'package.json'];
const LOCK_STALE_MS = 120_000;

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

export function appDist(appRoot: string): string {
  return join(appRoot, 'dist');
}

export function isStale(appRoot: string): boolean {
  const index = join(appDist(appRoot), 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return SOURCES.some((s) => newestMtime(join(appRoot, s)) > built);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ensures dist/ is current; returns whether this call built it. Throws with Vite's output when the build fails. */
export async function ensureAppBuilt(appRoot: string, log: (line: string) => void = () => {}): Promise<boolean> {
  if (!isStale(appRoot)) return false;
  const lock = join(appRoot, '.dist.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const age = existsSync(lock) ? Date.now() - statSync(lock).mtimeMs : 0;
      if (age > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      else await sleep(250);
    }
  }
  try {
    if (!isStale(appRoot)) return false; // built by whoever held the lock
    const tmp = join(appRoot, `.dist-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    const vite = join(
      dirname(createRequire(join(appRoot, 'package.json')).resolve('vite/package.json')),
      'bin/vite.js',
    );
    log(`building the dashboard app (vite build in ${appRoot})`);
    const r = spawnSync(process.execPath, [vite, 'build', '--outDir', tmp, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: appRoot,
      encoding: 'utf8',
      timeout: 180_000,
    });
    if (r.status !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`vite build failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
    }
    const dist = appDist(appRoot);
    const old = `${dist}.old-${process.pid}`;
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(tmp, dist);
    rmSync(old, { recursive: true, force: true });
    return true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
