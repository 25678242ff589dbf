/**
 * The published packages as npm would publish them: each packed tarball (support.ts' `packTarballs()`) passes
 * publint (`--strict`: warnings fail too) and Are The Types Wrong (`--profile esm-only`: the packages are ESM only,
 * so CommonJS `require` and node10 resolution are out of scope), and holds what a user needs and nothing else:
 * dist/ JavaScript with declarations and both kinds of source maps, LICENSE, README.md, package.json; no
 * dist/.tsbuildinfo, no tests, fixtures or benchmarks. Every `exports` target is in the tarball, and every source
 * map's `sources` resolve to a file in it (go-to-definition and stack traces land on shipped source).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, PACKAGES, type PackageKey, packTarballs, REPO_ROOT, type Tarballs } from './support.ts';

const BIN = join(REPO_ROOT, 'node_modules', '.bin');

let tarballs: Tarballs | undefined;
/** Workspace folder → the tarball's `package/` folder, unpacked. */
const unpacked = {} as Record<PackageKey, string>;

beforeAll(() => {
  tarballs = packTarballs();
  for (const key of Object.keys(PACKAGES) as PackageKey[]) {
    const dir = join(tarballs.root, 'unpacked', key);
    mkdirSync(dir, { recursive: true });
    const tar = spawnSync('tar', ['-xzf', tarballs.files[key], '-C', dir], { encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`tar -xzf ${tarballs.files[key]}: ${tar.stderr}`);
    unpacked[key] = join(dir, 'package');
  }
}, 300_000);

afterAll(() => cleanup(tarballs));

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Runs a linter from the repository's devDependencies on a tarball; its whole output, for the failure message. */
function lint(bin: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(join(BIN, bin), args, {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, output: `$ ${bin} ${args.join(' ')}\n${r.stdout}${r.stderr}${r.error ?? ''}` };
}

/** Every file an `exports` map can resolve to (any condition), wildcards excluded. */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return exports.includes('*') ? [] : [exports];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}

// `tests/` only at the package root: src/generators/prometheus/tests/ is the generator of out/prometheus/tests/ (the
// promtool unit tests a user deploys), named after the out/ folder it writes, not a test of ours.
const TEST_FILE = /^tests\/|(^|\/)(test|__tests__|fixtures|bench)\/|\.(test|spec|bench)\.[cm]?[jt]sx?(\.map)?$/;

describe.each(Object.keys(PACKAGES) as PackageKey[])('the packed %s tarball', (key) => {
  const name = PACKAGES[key];

  it(`passes publint --strict (${name})`, () => {
    const { status, output } = lint('publint', ['--strict', tarballs?.files[key] as string]);
    expect(status, output).toBe(0);
  }, 120_000);

  it(`passes attw --profile esm-only (${name})`, () => {
    const { status, output } = lint('attw', ['--profile', 'esm-only', '--no-color', tarballs?.files[key] as string]);
    expect(status, output).toBe(0);
  }, 120_000);

  it('contains dist JavaScript with .d.ts, source and declaration maps, LICENSE, README.md and package.json', () => {
    const list = files(unpacked[key]);
    for (const f of ['package.json', 'LICENSE', 'README.md']) expect(list, f).toContain(f);
    const js = list.filter((f) => f.startsWith('dist/') && f.endsWith('.js'));
    expect(js.length, 'dist/*.js').toBeGreaterThan(0);
    for (const f of js) {
      const base = f.slice(0, -'.js'.length);
      expect(list, `${f}'s declarations and maps`).toEqual(
        expect.arrayContaining([`${base}.js.map`, `${base}.d.ts`, `${base}.d.ts.map`]),
      );
    }
    expect(readFileSync(join(unpacked[key], 'LICENSE'), 'utf8')).toMatch(/MIT License/);
    expect(readFileSync(join(unpacked[key], 'README.md'), 'utf8')).toContain(name);
  });

  it('contains no dist/.tsbuildinfo and no test, fixture or benchmark files', () => {
    const list = files(unpacked[key]);
    expect(list.filter((f) => f.endsWith('.tsbuildinfo'))).toEqual([]);
    expect(list.filter((f) => TEST_FILE.test(f))).toEqual([]);
  });

  it('has every exports target (and types, bin) in the tarball', () => {
    const pkg = JSON.parse(readFileSync(join(unpacked[key], 'package.json'), 'utf8')) as {
      name: string;
      exports: unknown;
      types?: string;
      bin?: Record<string, string>;
    };
    expect(pkg.name).toBe(name);
    const targets = [...exportTargets(pkg.exports), ...(pkg.types ? [pkg.types] : []), ...Object.values(pkg.bin ?? {})];
    expect(targets.length).toBeGreaterThan(0);
    const missing = targets.filter((t) => !existsSync(join(unpacked[key], t)));
    expect(missing).toEqual([]);
    // The workspace's source condition must not be what a consumer's default conditions pick.
    const dot = (pkg.exports as Record<string, Record<string, string>>)['.'];
    expect(dot?.import).toMatch(/^\.\/dist\/.*\.js$/);
    expect(dot?.types).toMatch(/^\.\/dist\/.*\.d\.ts$/);
  });

  it('has source maps whose sources are all files in the tarball', () => {
    const root = unpacked[key];
    const maps = files(root).filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const dangling: string[] = [];
    for (const map of maps) {
      const { sources, sourceRoot } = JSON.parse(readFileSync(join(root, map), 'utf8')) as {
        sources: string[];
        sourceRoot?: string;
      };
      for (const s of sources) {
        const file = resolve(dirname(join(root, map)), sourceRoot ?? '', s);
        if (relative(root, file).startsWith('..') || !existsSync(file)) dangling.push(`${map} → ${s}`);
      }
    }
    expect(dangling).toEqual([]);
  });
});
