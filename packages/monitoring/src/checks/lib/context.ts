/** What a check reads: the output directory as it is on disk, never ghmon's internal objects. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from '../../util/finding.ts';

export interface CheckContext {
  /** Absolute path of the output directory. */
  outDir: string;
  /** Paths relative to outDir (with `/`) of the files in a directory of it, sorted, filtered by extension. */
  list(dir: string, ext: string): string[];
  read(rel: string): string;
  exists(rel: string): boolean;
}

export interface Check {
  /** Check id; also its docs page `docs/checks/<id with / as ->.md`. */
  id: string;
  description: string;
  run(ctx: CheckContext): Promise<Finding[]>;
}

export function checkContext(outDir: string): CheckContext {
  return {
    outDir,
    list(dir, ext) {
      const abs = join(outDir, dir);
      if (!existsSync(abs)) return [];
      return readdirSync(abs)
        .filter((f) => f.endsWith(ext))
        .sort()
        .map((f) => `${dir}/${f}`);
    },
    read: (rel) => readFileSync(join(outDir, rel), 'utf8'),
    exists: (rel) => existsSync(join(outDir, rel)),
  };
}
