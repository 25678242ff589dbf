/** `ghmon down`: stop the stack a `ghmon up` runs (from another terminal). */
import { stopStack } from '../stack/down.ts';
import type { Io } from './io.ts';

export async function down(opts: { state: string }, io: Io): Promise<number> {
  const r = await stopStack(opts.state);
  if (r.supervisor === undefined && r.killed.length === 0) {
    io.out('ghmon down: nothing was running.');
    return 0;
  }
  if (r.killed.length) io.out(`ghmon down: had to kill ${r.killed.join(', ')}`);
  io.out('ghmon down: stopped, no process left.');
  return 0;
}
