/**
 * Golden files: compare generated output with files checked in under test/golden/, both ways — every generated
 * file has its golden file with the same content, and every golden file was generated (a generator that stops
 * writing a file fails here instead of leaving a stale golden behind). Run `npm run update-golden`
 * (UPDATE_GOLDEN=1) to rewrite them on purpose, then review the diff.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const GOLDEN_DIR = fileURLToPath(new URL('./golden/', import.meta.url));

/** Every file under a golden tree, as paths relative to it with `/`; none when the tree does not exist. */
export function goldenPaths(root: string): string[] {
  const paths: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else paths.push(relative(root, p).split('\\').join('/'));
    }
  };
  if (existsSync(root)) walk(root);
  return paths;
}

/** `goldenDir`: where the named trees live (test/golden/ unless a test checks the check itself). */
export function expectGoldenTree(name: string, files: ReadonlyMap<string, string>, goldenDir = GOLDEN_DIR): void {
  const root = join(goldenDir, name);
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
  const stale = goldenPaths(root).filter((rel) => !files.has(rel));
  expect(stale, `golden files of ${name} that were not generated (stale: run npm run update-golden)`).toEqual([]);
}
