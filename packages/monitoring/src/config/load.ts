/**
 * Loads a config module (`monitoring.config.ts` or .js/.mjs), validates its default export and returns the
 * config with defaults filled in. Problems become one UserError listing every field path.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_CONFIG_FILE } from './default-file.ts';
import { formatPath, UserError } from './errors.ts';
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

/** TypeScript config modules: loaded through tsx's loader, scoped to this one import (ghmon itself is JavaScript). */
const TYPESCRIPT_MODULE = /\.[cm]?tsx?$/;

async function importConfigModule(path: string): Promise<unknown> {
  const url = pathToFileURL(path).href;
  if (!TYPESCRIPT_MODULE.test(path)) return import(url);
  // tsImport registers a namespaced loader that handles this module and what it imports, and nothing else in
  // the process: loaded on demand, so commands that read no config (help, status, down) never pay for it.
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(url, { parentURL: import.meta.url, tsconfig: false });
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
    mod = (await importConfigModule(path)) as { default?: unknown };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UserError(`${file}: could not load the config module: ${msg}`);
  }
  if (mod.default === undefined) {
    throw new UserError(`${file}: expected \`export default defineMonitoring({...})\``);
  }
  return validateConfig(mod.default, file);
}
