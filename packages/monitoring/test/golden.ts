/**
 * Golden files: compare generated output with files checked in under test/golden/. Run
 * `npm run update-golden` (UPDATE_GOLDEN=1) to rewrite them on purpose, then review the diff.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const GOLDEN_DIR = fileURLToPath(new URL('./golden/', import.meta.url));

export function expectGoldenTree(name: string, files: ReadonlyMap<string, string>): void {
  const root = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN) {
    rmSync(root, { recursive: true, force: true });
    for (const [rel, content] of files) {
      const p = join(root, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
    return;
  }
  for (const [rel, content] of files) {
    const p = join(root, rel);
    expect(existsSync(p), `golden file ${name}/${rel} is missing: run npm run update-golden`).toBe(true);
    expect(content, `${name}/${rel} differs from its golden file`).toBe(readFileSync(p, 'utf8'));
  }
}
