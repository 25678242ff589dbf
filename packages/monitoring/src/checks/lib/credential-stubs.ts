/**
 * `promtool check config` stats every `credentials_file`, `password_file` and `bearer_token_file` a config names.
 * Those are secrets that exist only where Prometheus runs (mounted Kubernetes/Compose secrets), never next to
 * out/. The checks therefore run promtool on a staged copy in a temporary directory: each secret path replaced by
 * an empty-ish stub file, relative rule_files made absolute (so the rules are still loaded and checked). Every
 * other setting is checked as generated.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { toYaml } from '../../util/yaml.ts';

const SECRET_FILE_KEYS = new Set(['credentials_file', 'password_file', 'bearer_token_file']);

function walk(value: unknown, stub: (path: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => walk(v, stub));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      SECRET_FILE_KEYS.has(k) && typeof v === 'string' ? stub(v) : walk(v, stub),
    ]),
  );
}

/**
 * Stages `text` (a prometheus.yml read from `configDir`) into `tmp`: returns the staged file's path, and the stub
 * → original path pairs (to turn promtool's messages back into the generated paths).
 */
export function stageWithCredentialStubs(
  text: string,
  configDir: string,
  tmp: string,
): { file: string; stubs: Map<string, string> } {
  const stubs = new Map<string, string>();
  const stub = (original: string) => {
    const file = join(tmp, `secret-${stubs.size}`);
    writeFileSync(file, 'stub-for-promtool\n', { mode: 0o600 });
    stubs.set(file, original);
    return file;
  };
  const config = walk(parse(text), stub) as Record<string, unknown>;
  if (Array.isArray(config.rule_files)) {
    config.rule_files = config.rule_files.map((f) =>
      typeof f === 'string' && !isAbsolute(f) ? resolve(configDir, f) : f,
    );
  }
  const file = join(tmp, 'prometheus.yml');
  writeFileSync(file, toYaml(config, ''));
  return { file, stubs };
}

/** Runs `fn` on a staged copy of a config file; the temporary directory is removed afterwards. */
export async function withStagedConfig<T>(
  text: string,
  configFile: string,
  fn: (staged: string, restore: (message: string) => string) => Promise<T>,
): Promise<T> {
  const tmp = mkdtempSync(join(tmpdir(), 'ghmon-promtool-'));
  try {
    const { file, stubs } = stageWithCredentialStubs(text, dirname(configFile), tmp);
    const restore = (message: string) => {
      let m = message.replaceAll(file, configFile);
      for (const [s, original] of stubs) m = m.replaceAll(s, original);
      return m;
    };
    return await fn(file, restore);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
