#!/usr/bin/env node
// The `ghmon` command: built JavaScript on plain node (`npm run build` writes dist/). Only the user's
// monitoring.config.ts is compiled (by esbuild, config/load.ts), when a command reads it.
// `ghmon … | head`: a closed pipe ends the command quietly instead of with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
let main;
try {
  ({ main } = await import('../dist/cli/main.js'));
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist')) throw err;
  process.stderr.write('ghmon: dist/ is missing: in a clone of the ghmon repository, run `npm run build` first\n');
  process.exit(2);
}
process.exitCode = await main(process.argv.slice(2));
