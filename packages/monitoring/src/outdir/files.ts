/**
 * What the out/ readers read through, and what they report: files by their path relative to out/ (with `/`), and
 * plain problems (file, line, message). A check's CheckContext is such a reader; `outFiles` reads a directory on
 * disk. The readers know nothing of checks: a check turns a problem into a finding with its own id.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface OutFiles {
  exists(rel: string): boolean;
  read(rel: string): string;
}

/** Something in out/ that cannot be read as what it should be. */
export interface OutProblem {
  readonly file: string;
  /** 1-based line, when the problem has one. */
  readonly line?: number;
  readonly message: string;
}

/** The files of an output directory on disk. */
export function outFiles(outDir: string): OutFiles {
  const abs = (rel: string) => join(outDir, ...rel.split('/'));
  return { exists: (rel) => existsSync(abs(rel)), read: (rel) => readFileSync(abs(rel), 'utf8') };
}
