/** `ghmon build [--config F] [--out DIR]`: config → model → files → out/ (atomically). */
import { loadConfig } from '../config/load.ts';
import { generate } from '../generate.ts';
import { buildModel } from '../model/model.ts';
import { writeOutput } from '../util/write.ts';
import type { Io } from './io.ts';

export interface BuildOptions {
  config: string;
  out: string;
}

export async function build(opts: BuildOptions, io: Io): Promise<number> {
  const config = await loadConfig(opts.config);
  const files = generate(buildModel(config));
  writeOutput(opts.out, files);
  io.out(`ghmon build: wrote ${files.size} files to ${opts.out}/ from ${opts.config}`);
  for (const path of files.keys()) io.out(`  ${opts.out}/${path}`);
  return 0;
}
