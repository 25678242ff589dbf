/**
 * Consumer tests' support: the published packages as a user gets them. `packTarballs()` builds dist/ (scripts/
 * build.mjs, nothing when fresh) and `npm pack`s @greyhaven/metric-contract, @greyhaven/metrics and
 * @greyhaven/monitoring into a temp directory outside the repository; `makeProject()` creates a fresh project
 * there (its own package.json, no workspace above it) that installs only those tarballs plus what it names from
 * the npm registry, then runs `npm install`. Nothing here resolves anything from the repository's node_modules.
 *
 * Each test file packs once (beforeAll) and removes everything it made in afterAll (`cleanup()`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The published packages: workspace folder → package name. */
export const PACKAGES = {
  contract: '@greyhaven/metric-contract',
  metrics: '@greyhaven/metrics',
  monitoring: '@greyhaven/monitoring',
} as const;
export type PackageKey = keyof typeof PACKAGES;

export interface Tarballs {
  /** The temp directory holding the tarballs and the projects (outside the repository). */
  readonly root: string;
  /** Workspace folder → absolute path of its packed .tgz. */
  readonly files: Record<PackageKey, string>;
}

/** Builds and packs every published package into a fresh temp directory. */
export function packTarballs(): Tarballs {
  try {
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/build.mjs'), '--quiet'], { stdio: 'pipe' });
  } catch (err) {
    // tsc prints its diagnostics on stdout.
    const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
    throw new Error(`npm run build failed: ${e.message}\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  }
  const root = mkdtempSync(join(tmpdir(), 'ghmon-consumers-'));
  if (!relative(REPO_ROOT, root).startsWith('..')) throw new Error(`temp dir ${root} is inside the repository`);
  const packs = join(root, 'tarballs');
  mkdirSync(packs);
  const files = {} as Record<PackageKey, string>;
  for (const key of Object.keys(PACKAGES) as PackageKey[]) {
    const out = execFileSync('npm', ['pack', '--pack-destination', packs, '--json', '--loglevel=error'], {
      cwd: join(REPO_ROOT, 'packages', key),
      encoding: 'utf8',
    });
    const [info] = JSON.parse(out) as { filename: string }[];
    if (!info) throw new Error(`npm pack printed nothing for ${key}`);
    files[key] = join(packs, info.filename);
  }
  return { root, files };
}

export interface ProjectSpec {
  /** Folder name under the tarballs' root. */
  name: string;
  /** Which tarballs to install (their dependencies among our packages are added too). */
  packages: readonly PackageKey[];
  /** Registry dependencies: name → version range. */
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  /** Extra package.json fields (scripts, …). */
  packageJson?: Record<string, unknown>;
  /** Files to write, relative path → content. */
  files?: Record<string, string>;
}

const DEPENDS_ON: Record<PackageKey, readonly PackageKey[]> = {
  contract: [],
  metrics: ['contract'],
  monitoring: ['contract'],
};

/** Creates `root/name`, writes its package.json and files, and installs it. Returns its directory. */
export function makeProject(tarballs: Tarballs, spec: ProjectSpec): string {
  const dir = join(tarballs.root, spec.name);
  mkdirSync(dir, { recursive: true });
  const keys = new Set<PackageKey>();
  for (const k of spec.packages) for (const d of [k, ...DEPENDS_ON[k]]) keys.add(d);
  const ours = Object.fromEntries([...keys].map((k) => [PACKAGES[k], `file:${tarballs.files[k]}`]));
  const pkg = {
    name: `consumer-${spec.name}`,
    private: true,
    type: 'module',
    ...spec.packageJson,
    dependencies: { ...ours, ...spec.dependencies },
    ...(spec.devDependencies ? { devDependencies: spec.devDependencies } : {}),
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const [file, content] of Object.entries(spec.files ?? {})) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  npmInstall(dir);
  return dir;
}

/** `npm install` in a consumer project: registry packages from the npm cache when there, bounded in time. */
export function npmInstall(dir: string, args: readonly string[] = []): void {
  try {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...args], {
      cwd: dir,
      stdio: 'pipe',
      timeout: 300_000,
      // Not the workspace's npm_config_* (npm test sets some, e.g. the workspace root as prefix).
      env: cleanNpmEnv(),
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(`npm install in ${dir} failed: ${e.message}\n${e.stderr?.toString() ?? ''}`);
  }
}

/** process.env without the npm_* variables an enclosing `npm test` sets (they point at the workspace). */
export function cleanNpmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'NODE_OPTIONS') env[k] = v;
  }
  return { ...env, ...extra };
}

export function cleanup(tarballs: Tarballs | undefined): void {
  if (tarballs) rmSync(tarballs.root, { recursive: true, force: true });
}

/** Wall times of a test file's slow steps (pack, install, build), printed for people reading the log. */
export function stopwatch(): { timings: Record<string, number>; timed<T>(what: string, fn: () => T): T } {
  const timings: Record<string, number> = {};
  return {
    timings,
    timed(what, fn) {
      const start = Date.now();
      try {
        return fn();
      } finally {
        timings[what] = Date.now() - start;
      }
    },
  };
}
