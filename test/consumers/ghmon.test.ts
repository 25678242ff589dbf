/**
 * The `ghmon` command as a user installs it: a fresh project outside the repository with only the
 * @greyhaven/monitoring tarball (and @greyhaven/metric-contract, its dependency), run through `npx ghmon` on the
 * plain node binary with a clean environment:
 *
 *   - `ghmon help` prints the usage;
 *   - `ghmon init --service api --runtime node --target 127.0.0.1:8080` writes monitoring.config.ts and adds the
 *     monitoring:build/check scripts to the existing package.json (keeping its dependency on the tarball);
 *   - `ghmon build` and `ghmon check` pass on that config (the real promtool and amtool, Debian's, on PATH);
 *   - a second `ghmon init` exits 2 and changes nothing; a config with a syntax error (and one the schema rejects)
 *     exits 2 with a message naming the file, no stack trace, nothing written.
 *
 * How it runs: the bin is dist/ JavaScript. A probe (`--import` of a module-resolution hook that logs every URL
 * resolved, used only for these two runs) shows that `help` and `build` load @greyhaven/* from dist/ only and no
 * `.ts` module at all: the config is compiled (esbuild) into a temporary .mjs that is what gets imported.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanNpmEnv, cleanup, makeProject, packTarballs, type Tarballs } from './support.ts';

/** Logs every module URL resolved through the ESM loader to $GHMON_TEST_TRACE (one per line). */
const TRACE_HOOKS = `import { appendFileSync } from 'node:fs';
const file = process.env.GHMON_TEST_TRACE;
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (file) appendFileSync(file, result.url + '\\n');
  return result;
}
`;
const TRACE_REGISTER = `import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);
`;

const BROKEN_SYNTAX = `import { defineMonitoring } from '@greyhaven/monitoring';

export default defineMonitoring({
  services: [
    { name: 'api', runtime: 'typescript', scrape: { targets: ['127.0.0.1:8080'] } ,
  ],
});
`;

const SCHEMA_ERROR = `import { defineMonitoring } from '@greyhaven/monitoring';

export default defineMonitoring({
  services: [{ name: 'api', runtime: 'typescript', scrape: { targets: ['127.0.0.1:8080'] } }],
  slo: { availability: { objective: 250, window: '30d' } },
});
`;

const CONFIG = 'monitoring.config.ts';
const STACK_LINE = /^\s+at .+[(:]\d+/m;

let tarballs: Tarballs | undefined;
let project = '';

beforeAll(() => {
  tarballs = packTarballs();
  project = makeProject(tarballs, {
    name: 'ghmon',
    packages: ['monitoring'],
    files: {
      'trace/hooks.mjs': TRACE_HOOKS,
      'trace/register.mjs': TRACE_REGISTER,
      'broken.config.ts': BROKEN_SYNTAX,
      'invalid.config.ts': SCHEMA_ERROR,
    },
  });
}, 600_000);

afterAll(() => cleanup(tarballs));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Everything, for failure messages. */
  all: string;
}

function run(command: string, args: string[], extraEnv: Record<string, string> = {}): Run {
  const r = spawnSync(command, args, {
    cwd: project,
    env: cleanNpmEnv(extraEnv),
    encoding: 'utf8',
    timeout: 300_000,
  });
  const all = `$ ${command} ${args.join(' ')}\nexit ${r.status} ${r.signal ?? ''}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}${r.error ?? ''}`;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all };
}

/** `npx --no ghmon ARGS` in the project (`--no`: never install anything, use the project's bin). */
const ghmon = (...args: string[]) => run('npx', ['--no', 'ghmon', ...args]);

/** The plain node binary running the installed bin with the resolution probe; returns the run and the URLs. */
function ghmonTraced(...args: string[]): Run & { urls: string[] } {
  const trace = join(project, 'trace', `urls-${args[0]}.txt`);
  const register = pathToFileURL(join(project, 'trace', 'register.mjs')).href;
  const r = run(process.execPath, ['--import', register, 'node_modules/.bin/ghmon', ...args], {
    GHMON_TEST_TRACE: trace,
  });
  const urls = existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter(Boolean) : [];
  return { ...r, urls };
}

/** Asserts how a traced run loaded its modules. */
function expectDistOnly(urls: string[], context: string): void {
  const ours = urls.filter((u) => u.includes('/node_modules/@greyhaven/'));
  expect(ours.length, `${context}: @greyhaven modules resolved`).toBeGreaterThan(0);
  expect(
    ours.filter(
      (u) => !/\/node_modules\/@greyhaven\/(monitoring|metric-contract)\/(dist\/.*\.js|bin\/ghmon\.js)$/.test(u),
    ),
    `${context}: every @greyhaven module from dist/`,
  ).toEqual([]);
  expect(
    urls.filter((u) => /\.[cm]?tsx?$/.test(new URL(u).pathname)),
    `${context}: no TypeScript module imported`,
  ).toEqual([]);
  expect(
    urls.filter((u) => /\/node_modules\/(tsx|ts-node|jiti)\//.test(u)),
    `${context}: no loader`,
  ).toEqual([]);
}

/** The project's files (not node_modules/ or the probe's): name → content, directories as their listing. */
function snapshot(dir = project): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'trace') continue;
    const p = join(dir, entry.name);
    out[entry.name] = entry.isDirectory() ? snapshot(p) : readFileSync(p, 'utf8');
  }
  return out;
}

// Bounds, not speed requirements: npx, esbuild, promtool and amtool on a busy 2-core machine.
describe('ghmon installed from its tarball, run with npx on plain node', { timeout: 300_000 }, () => {
  it('installs the bin: node_modules/.bin/ghmon is bin/ghmon.js, which imports dist/cli/main.js', () => {
    const bin = realpathSync(join(project, 'node_modules/.bin/ghmon'));
    expect(bin).toBe(realpathSync(join(project, 'node_modules/@greyhaven/monitoring/bin/ghmon.js')));
    expect(existsSync(join(project, 'node_modules/@greyhaven/monitoring/dist/cli/main.js'))).toBe(true);
    const text = readFileSync(bin, 'utf8');
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(text).toContain("import('../dist/cli/main.js')");
    expect(text).not.toMatch(/\.ts['"]/);
  });

  it('ghmon help prints the usage, with init', () => {
    const r = ghmon('help');
    expect(r.status, r.all).toBe(0);
    expect(r.stdout).toContain('Usage: ghmon <command>');
    for (const command of ['init', 'build', 'check']) expect(r.stdout).toMatch(new RegExp(`^\\s+${command}\\s`, 'm'));
  });

  it('ghmon help loads only dist/ JavaScript: no TypeScript module, no loader, no esbuild', () => {
    const r = ghmonTraced('help');
    expect(r.status, r.all).toBe(0);
    expectDistOnly(r.urls, 'help');
    expect(r.urls.filter((u) => u.includes('/node_modules/esbuild/'))).toEqual([]);
  });

  describe('init, build, check', () => {
    let init: Run;
    let pkgBefore: Record<string, unknown>;

    beforeAll(() => {
      pkgBefore = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
      init = ghmon('init', '--service', 'api', '--runtime', 'node', '--target', '127.0.0.1:8080');
    }, 120_000);

    it('ghmon init --service api --runtime node --target 127.0.0.1:8080 writes monitoring.config.ts', () => {
      expect(init.status, init.all).toBe(0);
      expect(init.stdout).toContain(`wrote ${CONFIG}`);
      const config = readFileSync(join(project, CONFIG), 'utf8');
      expect(config).toContain("from '@greyhaven/monitoring'");
      expect(config).toMatch(/export default defineMonitoring\(/);
      expect(config).toContain("name: 'api'");
      expect(config).toContain("runtime: 'typescript'");
      expect(config).toContain("'127.0.0.1:8080'");
    });

    it('ghmon init adds the monitoring scripts to package.json and keeps the rest as it was', () => {
      const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(pkg.scripts).toEqual({ 'monitoring:build': 'ghmon build', 'monitoring:check': 'ghmon check' });
      // Already a dependency (the tarball): not added again, not replaced by a registry range.
      expect(pkg.dependencies).toEqual(pkgBefore.dependencies);
      expect(pkg.devDependencies).toBeUndefined();
      const { scripts: _, ...rest } = pkg;
      expect(rest).toEqual(pkgBefore);
    });

    it('ghmon build writes out/ from the generated config (plain node; the config compiled, not loaded as .ts)', () => {
      const r = ghmonTraced('build');
      expect(r.status, r.all).toBe(0);
      for (const f of ['prometheus/prometheus.yml', 'alertmanager/alertmanager.yml']) {
        expect(existsSync(join(project, 'out', f)), `out/${f}`).toBe(true);
      }
      expect(readFileSync(join(project, 'out/prometheus/prometheus.yml'), 'utf8')).toContain('127.0.0.1:8080');
      expectDistOnly(r.urls, 'build');
      // The config was imported as the compiled temporary module.
      expect(r.urls.filter((u) => /\/monitoring\.config\.ts\.mjs$/.test(u)).length, r.urls.join('\n')).toBe(1);
    });

    it('npx ghmon build gives the same files again, and npx ghmon check passes (promtool, amtool, contract)', () => {
      const before = readFileSync(join(project, 'out/prometheus/prometheus.yml'), 'utf8');
      const build = ghmon('build');
      expect(build.status, build.all).toBe(0);
      expect(readFileSync(join(project, 'out/prometheus/prometheus.yml'), 'utf8')).toBe(before);
      const check = ghmon('check');
      expect(check.status, check.all).toBe(0);
    });

    it('a second ghmon init exits 2 naming the existing config and changes nothing', () => {
      const before = snapshot();
      const again = ghmon('init', '--service', 'other', '--runtime', 'node', '--target', '127.0.0.1:9999');
      expect(again.status, again.all).toBe(2);
      expect(again.stderr).toContain(`${CONFIG} already exists`);
      expect(again.stderr).not.toMatch(STACK_LINE);
      expect(snapshot()).toEqual(before);
    });
  });

  describe('bad config modules', () => {
    it('a syntax error: exit 2, a message naming the file (and line), no stack trace, nothing written', () => {
      const r = ghmon('build', '--config', 'broken.config.ts', '--out', 'out-broken');
      expect(r.status, r.all).toBe(2);
      expect(r.stderr).toMatch(/broken\.config\.ts:\d+:\d+: could not load the config module/);
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(existsSync(join(project, 'out-broken'))).toBe(false);
    });

    it('a value the schema rejects: exit 2 naming the file and the field path, no stack trace, nothing written', () => {
      const r = ghmon('build', '--config', 'invalid.config.ts', '--out', 'out-invalid');
      expect(r.status, r.all).toBe(2);
      expect(r.stderr).toContain('invalid.config.ts: invalid config');
      expect(r.stderr).toContain('slo.availability.objective');
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(existsSync(join(project, 'out-invalid'))).toBe(false);
    });

    it('a missing config file: exit 2 naming it', () => {
      const r = ghmon('build', '--config', 'nope.config.ts', '--out', 'out-nope');
      expect(r.status, r.all).toBe(2);
      expect(r.stderr).toContain('config file not found: nope.config.ts');
      expect(existsSync(join(project, 'out-nope'))).toBe(false);
    });
  });
});
