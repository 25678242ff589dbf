/**
 * `ghmon` command line. Exit codes: 0 ok, 1 check findings, 2 bad input or usage.
 * Bad input is printed as a message (never a stack trace); unexpected errors say they are a bug.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UserError } from '../util/errors.ts';
import { type Io, processIo } from './io.ts';
import {
  ALL_OPTIONS,
  COMMANDS,
  type Command,
  commandUsage,
  DEPLOY_TARGET_OPTIONS,
  HELP_OPTION,
  isCommand,
  USAGE,
} from './options.ts';

export { USAGE } from './options.ts';

/** Commands that take a positional argument after their name. */
const WITH_ARGUMENT = new Set(['incident', 'deploy']);

/** What the command line asks for: the usage (exit code 0, or 2 with no command), or a command. */
export type CommandLine =
  | { help: true; code: number }
  | {
      help: false;
      command: Command;
      /** The positional argument of `incident` and `deploy`. */
      argument: string | undefined;
      /** The options given, parsed against every command's; the command takes each of them. */
      values: ReturnType<typeof parseArgs>['values'];
    };

/**
 * Parses the command line and checks it against the command's options. Bad usage throws (UserError or node's
 * ERR_PARSE_ARGS_*), before any command runs.
 */
export function parseCommandLine(argv: string[]): CommandLine {
  // First pass, with every command's options: finds the command (options may come before it) and --help.
  const { values, positionals } = parseArgs({ args: argv, options: ALL_OPTIONS, allowPositionals: true, strict: true });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    return { help: true, code: command === undefined && !values.help ? 2 : 0 };
  }
  if (rest.length > (WITH_ARGUMENT.has(command) ? 1 : 0)) {
    throw new UserError(`unexpected argument: ${rest[WITH_ARGUMENT.has(command) ? 1 : 0]}`);
  }
  if (!isCommand(command)) throw new UserError(`unknown command "${command}"\n\n${USAGE}`);
  rejectForeignOptions(command, argv, command === 'deploy' ? rest[0] : undefined);
  return { help: false, command, argument: rest[0], values };
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    const line = parseCommandLine(argv);
    if (line.help) {
      io.out(USAGE);
      return line.code;
    }
    const { command } = line;
    // Second pass, with the command's own options: typed values, defaults.
    const parsed = <O extends NonNullable<ParseArgsConfig['options']>>(options: O) =>
      parseArgs({ args: argv, options: { ...HELP_OPTION, ...options }, allowPositionals: true, strict: true }).values;
    const dir = (out: string) => out.replace(/\/+$/, '') || '.';
    switch (command) {
      // Commands are loaded on demand: `ghmon build` need not load the checks, and vice versa.
      case 'build': {
        const values = parsed(COMMANDS.build.options);
        const out = dir(values.out);
        return await (await import('./build.ts')).build({ config: values.config, out }, io);
      }
      case 'check': {
        const values = parsed(COMMANDS.check.options);
        const out = dir(values.out);
        return await (await import('./check.ts')).check(
          {
            out,
            format: values.format,
            prometheus: values.prometheus,
            prometheusPasswordFile: values['prometheus-password-file'],
            verbose: values.verbose,
          },
          io,
        );
      }
      case 'start': {
        const values = parsed(COMMANDS.start.options);
        const out = dir(values.out);
        return await (await import('./start.ts')).start(
          { config: values.config, out, ...stackOptions(values), longTerm: values['long-term'] },
          io,
        );
      }
      case 'up': {
        const values = parsed(COMMANDS.up.options);
        return await (await import('./up.ts')).up(
          { config: values.config, ...stackOptions(values), longTerm: values['long-term'] },
          io,
        );
      }
      case 'down': {
        const values = parsed(COMMANDS.down.options);
        return await (await import('./down.ts')).down({ state: values.state }, io);
      }
      case 'status': {
        const values = parsed(COMMANDS.status.options);
        return await (await import('./status.ts')).status({ state: values.state }, io);
      }
      case 'incident': {
        const values = parsed(COMMANDS.incident.options);
        return await (await import('./incident.ts')).incident(
          {
            kind: line.argument,
            ...(values.service ? { service: values.service } : {}),
            duration: values.duration,
            state: values.state,
            ...(values['error-rate'] !== undefined ? { errorRate: values['error-rate'] } : {}),
            json: values.json,
          },
          io,
        );
      }
      case 'replay': {
        const values = parsed(COMMANDS.replay.options);
        const out = dir(values.out);
        return await (await import('./replay.ts')).replay({ ...values, out }, io);
      }
      case 'backtest': {
        const values = parsed(COMMANDS.backtest.options);
        return await (await import('./backtest.ts')).backtest({ ...values, out: dir(values.out) }, io);
      }
      case 'deploy': {
        const values = parsed(COMMANDS.deploy.options);
        const out = dir(values.out);
        return await (await import('./deploy.ts')).deploy(
          {
            target: line.argument,
            out,
            dryRun: values['dry-run'],
            url: values.url,
            tokenFile: values['token-file'],
            folder: values.folder,
          },
          io,
        );
      }
      case 'init': {
        const values = parsed(COMMANDS.init.options);
        return await (await import('./init.ts')).init(
          { dir: values.dir, service: values.service, runtime: values.runtime, target: values.target },
          io,
        );
      }
      case 'web-config': {
        const values = parsed(COMMANDS['web-config'].options);
        const out = dir(values.out);
        return await (await import('./web-config.ts')).webConfig(
          {
            out,
            secretsDir: values['secrets-dir'],
            passwordFile: values['password-file'],
            cost: values.cost,
            mode: values.mode,
          },
          io,
        );
      }
      case 'help':
        return 0; // parseCommandLine answered it
    }
  } catch (err) {
    return reportError(err, io);
  }
}

function stackOptions(values: {
  state: string;
  port?: string[];
  rps: string;
  fast: boolean;
  ha: boolean;
  scale: boolean;
}) {
  const rps = Number(values.rps);
  if (!Number.isFinite(rps) || rps < 0 || rps > 1000) throw new UserError(`--rps ${values.rps}: expected 0 to 1000`);
  return { state: values.state, ports: values.port ?? [], rps, fast: values.fast, ha: values.ha, scale: values.scale };
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

/**
 * An option the command does not take is a usage error naming it and the command (with the command's usage),
 * not an option silently ignored. A known deploy target narrows deploy's options to its own; an unknown one is
 * deploy's to report.
 */
function rejectForeignOptions(command: Command, argv: string[], target?: string): void {
  const only =
    target !== undefined && Object.hasOwn(DEPLOY_TARGET_OPTIONS, target) ? DEPLOY_TARGET_OPTIONS[target] : undefined;
  const { tokens } = parseArgs({
    args: argv,
    options: { ...HELP_OPTION, ...COMMANDS[command].options },
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const takes = new Set([...Object.keys(HELP_OPTION), ...(only ?? Object.keys(COMMANDS[command].options))]);
  for (const t of tokens) {
    if (t.kind !== 'option' || takes.has(t.name)) continue;
    const what = only ? `${command} ${target}` : command;
    throw new UserError(`${t.rawName} is not an option of \`ghmon ${what}\`\n\n${commandUsage(command)}`);
  }
}
