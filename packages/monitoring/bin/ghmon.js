#!/usr/bin/env node
// The `ghmon` command. ghmon is written in TypeScript and run from source through tsx's loader, which also
// lets it import the user's `monitoring.config.ts`. Nothing here but the hand-off.
import { register } from 'tsx/esm/api';

register();
// `ghmon … | head`: a closed pipe ends the command quietly instead of with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
