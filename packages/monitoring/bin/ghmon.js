#!/usr/bin/env node
// The `ghmon` command. ghmon is written in TypeScript and run from source through tsx's loader, which also
// lets it import the user's `monitoring.config.ts`. Nothing here but the hand-off.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
