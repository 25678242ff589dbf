/**
 * Loads a config module (`monitoring.config.ts` or .js/.mjs), validates its default export and returns the
 * config with defaults filled in. Problems become one UserError listing every field path.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatPath, UserError } from '../util/errors.ts';
import { DEFAULT_CONFIG_FILE } from './default-file.ts';
import { type MonitoringConfig, monitoringSchema } from './schema.ts';

export { DEFAULT_CONFIG_FILE } from './default-file.ts';
/** A config module is a few KB; anything this large is not one (and is not imported). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Validates an already-imported config value. */
export function validateConfig(value: unknown, source = DEFAULT_CONFIG_FILE): MonitoringConfig {
  const result = monitoringSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = keys.length === 1 ? [...issue.path, keys[0] as string] : issue.path;
    const message = keys.length === 1 ? 'unknown field (misspelt?)' : issue.message;
    return `${formatPath(path)}: ${message}`;
  });
  throw new UserError(
    `${source}: invalid config (${problems.length} problem${problems.length > 1 ? 's' : ''})`,
    problems,
  );
}

/** Config modules in TypeScript (or JSX-free TS variants); anything else is imported as it is. */
const TYPESCRIPT_MODULE = /\.[cm]?ts$/;

/**
 * Imports a TypeScript config the way Vite loads `vite.config.ts`: esbuild compiles it and the local files it
 * imports into one ESM module, which is written to a private temp file, imported, and removed. npm packages stay
 * imports, each rewritten to the absolute file esbuild resolves for it from the config's own directory (Node's
 * `import`/`node` conditions), so they load exactly as the config would load them, wherever the compiled copy is;
 * `import.meta.url`/`dirname`/`filename` keep naming the config itself.
 *
 * Why not a loader hook (tsx's tsImport, jiti): `module.register` starts a hooks thread with its own V8 isolate that
 * lives as long as the process — measured here, 41 → 117 MB resident for `ghmon up`'s supervisor, against 77 MB this
 * way (the esbuild service is a child process, stopped after use). The module is always ESM, whatever the project's
 * package.json `type` says.
 */
async function importConfigModule(path: string, file: string): Promise<unknown> {
  const url = pathToFileURL(path).href;
  if (!TYPESCRIPT_MODULE.test(path)) return import(url);
  const esbuild = await import('esbuild');
  const absolutePackages: import('esbuild').Plugin = {
    name: 'ghmon-absolute-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'ghmon-resolving' || args.path.startsWith('node:')) return undefined;
        const r = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: 'ghmon-resolving',
        });
        if (r.errors.length > 0 || r.external || !r.path) return { path: args.path, external: true };
        return { path: pathToFileURL(r.path).href, external: true };
      });
    },
  };
  let code: string;
  try {
    const result = await esbuild.build({
      entryPoints: [path],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      sourcemap: 'inline',
      plugins: [absolutePackages],
      define: {
        'import.meta.url': JSON.stringify(url),
        'import.meta.filename': JSON.stringify(path),
        'import.meta.dirname': JSON.stringify(dirname(path)),
      },
    });
    code = result.outputFiles[0]?.text ?? '';
  } catch (err) {
    const first = (err as { errors?: { text: string; location?: { line: number; column: number } | null }[] })
      .errors?.[0];
    if (!first) throw err;
    const at = first.location ? `:${first.location.line}:${first.location.column + 1}` : '';
    throw new UserError(`${file}${at}: could not load the config module: ${first.text}`);
  } finally {
    await esbuild.stop();
  }
  const dir = mkdtempSync(join(tmpdir(), 'ghmon-config-'));
  try {
    const compiled = join(dir, `${basename(path)}.mjs`);
    writeFileSync(compiled, code, { mode: 0o600 });
    return await import(pathToFileURL(compiled).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function loadConfig(file = DEFAULT_CONFIG_FILE): Promise<MonitoringConfig> {
  const path = resolve(file);
  if (!existsSync(path)) throw new UserError(`config file not found: ${file}`);
  const size = statSync(path).size;
  if (size > MAX_CONFIG_BYTES) {
    throw new UserError(`${file}: ${size} bytes is too large for a config module (at most ${MAX_CONFIG_BYTES})`);
  }
  let mod: { default?: unknown };
  try {
    mod = (await importConfigModule(path, file)) as { default?: unknown };
  } catch (err) {
    if (err instanceof UserError) throw err;
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UserError(`${file}: could not load the config module: ${msg}`);
  }
  if (mod.default === undefined) {
    throw new UserError(`${file}: expected \`export default defineMonitoring({...})\``);
  }
  return validateConfig(mod.default, file);
}
