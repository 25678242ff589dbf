/**
 * `ghmon start` (what `npm start` runs): build out/ from the config, check it with the real tools, then run
 * the stack locally (`ghmon up`) until Ctrl-C.
 */
import { build } from './build.ts';
import { check } from './check.ts';
import type { Io } from './io.ts';
import { type UpCliOptions, up } from './up.ts';

export async function start(opts: { out: string } & UpCliOptions, io: Io): Promise<number> {
  const built = await build(opts, io);
  if (built !== 0) return built;
  const checked = await check(opts, io);
  if (checked !== 0) return checked;
  io.out('');
  io.out(`Grey Haven monitoring is built and checked in ${opts.out}/ (deploy these files; see ${opts.out}/README.md).`);
  io.out('Now running it locally (a local variant of the same config, in .ghmon/out/).');
  return up(opts, io);
}
