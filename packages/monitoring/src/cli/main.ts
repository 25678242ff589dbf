/**
 * `ghmon` command line. Exit codes: 0 ok, 1 check findings, 2 bad input or usage.
 * Bad input is printed as a message (never a stack trace); unexpected errors say they are a bug.
 */
import { parseArgs } from 'node:util';
import { UserError } from '../config/errors.ts';
import { DEFAULT_CONFIG_FILE } from '../config/load.ts';
import { type Io, processIo } from './io.ts';

export const USAGE = `Usage: ghmon <command> [options]

Commands:
  build   [--config F] [--out DIR]   generate Prometheus, Alertmanager and contract files into DIR (default out/)
  check   [--out DIR]                check DIR with promtool, amtool and the metric-contract check
  start   [--config F] [--out DIR]   build, then check (what \`npm start\` runs)
  help                               this text

Options:
  --config F   the config module (default ${DEFAULT_CONFIG_FILE})
  --out DIR    the output directory (default out)
`;

const OPTIONS = {
  config: { type: 'string', default: DEFAULT_CONFIG_FILE },
  out: { type: 'string', default: 'out' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    const [command, ...rest] = positionals;
    if (values.help || command === undefined || command === 'help') {
      io.out(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    if (rest.length > 0) throw new UserError(`unexpected argument: ${rest[0]}`);
    const out = values.out.replace(/\/+$/, '') || '.';
    switch (command) {
      // Commands are loaded on demand: `ghmon build` need not load the checks, and vice versa.
      case 'build':
        return await (await import('./build.ts')).build({ config: values.config, out }, io);
      case 'check':
        return await (await import('./check.ts')).check({ out }, io);
      case 'start':
        return await (await import('./start.ts')).start({ config: values.config, out }, io);
      default:
        throw new UserError(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (err) {
    return reportError(err, io);
  }
}

function reportError(err: unknown, io: Io): number {
  if (err instanceof UserError) {
    io.err(`ghmon: ${err.message}`);
    for (const p of err.problems) io.err(`  ${p}`);
    return 2;
  }
  const code = (err as { code?: string } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    io.err(`ghmon: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  io.err(
    `ghmon: internal error (a bug, please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
  );
  return 70;
}
