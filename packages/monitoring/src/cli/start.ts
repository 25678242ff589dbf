/**
 * `ghmon start` (what `npm start` runs): build, check with the real tools, and say where the files are.
 * The local-stack issue turns this into `ghmon up`.
 */
import { build } from './build.ts';
import { check } from './check.ts';
import type { Io } from './io.ts';

export async function start(opts: { config: string; out: string }, io: Io): Promise<number> {
  const built = await build(opts, io);
  if (built !== 0) return built;
  const checked = await check(opts, io);
  if (checked !== 0) return checked;
  io.out('');
  io.out(`Grey Haven monitoring is built and checked in ${opts.out}/ (see ${opts.out}/README.md to run it).`);
  return 0;
}
