/**
 * `ghmon` command line. Exit codes: 0 ok, 1 check findings, 2 bad input or usage.
 * Bad input is printed as a message (never a stack trace); unexpected errors say they are a bug.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_FILE } from '../config/default-file.ts';
import { UserError } from '../util/errors.ts';
import { type Io, processIo } from './io.ts';

export const USAGE = `Usage: ghmon <command> [options]

Commands:
  init    [--dir DIR] [--service NAME] [--runtime R] [--target HOST:PORT]
                                     start a monitoring repository in DIR (default .): a commented
                                     monitoring.config.ts for one service, @greyhaven/monitoring and the
                                     monitoring:build/check scripts in package.json; never overwrites; R: typescript
                                     (default; node), python or workers (pushes, no target); asks on a terminal
  build   [--config F] [--out DIR]   generate Prometheus, Alertmanager and contract files into DIR (default out/)
  check   [--out DIR] [--format F] [--prometheus URL [--prometheus-password-file P]]
                                     check DIR with promtool, amtool and the metric-contract check; F: text (default),
                                     json (one document for other tools) or github (Actions annotations); with a
                                     Prometheus, also warn about metrics the rules read that it has no series of
  start   [--config F] [--out DIR]   build and check out/, then run the stack (what \`npm start\` runs)
  up      [--config F] [--port NAME=N]... [--rps N] [--fast] [--long-term] [--ha] [--state DIR]
                                     run Prometheus, Alertmanager, node_exporter, demo services, traffic and a local
                                     PagerDuty receiver on 127.0.0.1 until Ctrl-C (state in .ghmon/);
                                     --ha: a Prometheus pair and a 3-peer Alertmanager cluster
                                     --long-term: also VictoriaMetrics, Prometheus remote-writing to it
  down    [--state DIR]              stop the running stack
  status  [--state DIR]              health of each part: processes, targets, rules, alerts, pages
  incident <errors|latency|crash> [--service S] [--duration D] [--error-rate R] [--json]
                                     inject an incident into a demo service (default: its first service, 5m, errors
                                     at R = 0.5) and watch it: alerts pending and firing, the receiver's trigger, the
                                     end, the alert's and the page's resolve, one line each with the time since the
                                     injection; --json: the figures as one JSON document; Ctrl-C ends it early
  replay  [--out DIR] [--scenario ID]  incidents through promtool, DIR's rules vs the seed's; chart in DIR/replay/
  deploy kubernetes [--out DIR] --dry-run
                                     print the helm and kubectl commands that deploy DIR/kubernetes/
  deploy grafana --url URL --token-file F [--folder UID] [--out DIR]
                                     save DIR/grafana/dashboards/*.json in Grafana (POST /api/dashboards/db)
  web-config [--out DIR] [--secrets-dir S] [--password-file F|-] [--cost N] [--mode M]
                                     fill DIR/compose/web-config.template.yml with the bcrypt hash of the password in
                                     S/ghmon-web-auth/password (or in F; - reads stdin) and write it, mode 0444, to
                                     S/ghmon-web-config/web-config, where Compose mounts it; prints only paths
  help                               this text

Options:
  --config F   the config module (default ${DEFAULT_CONFIG_FILE})
  --out DIR    the output directory (default out)
  --state DIR  the local stack's state directory (default .ghmon)
  --scenario ID, --warmup DUR, --strict   replay: one scenario (repeatable), healthy time before onset, exit 1 on a missed goal
  --secrets-dir S, --password-file F|-, --cost N, --mode M
               web-config: secrets directory (default $GHMON_SECRETS_DIR), the password's file (never an argument),
               bcrypt cost 10 to 14 (default 12), octal mode of the files written (default 0444, in 0700 directories)
`;

const OPTIONS = {
  config: { type: 'string', default: DEFAULT_CONFIG_FILE },
  out: { type: 'string', default: 'out' },
  help: { type: 'boolean', short: 'h', default: false },
  scenario: { type: 'string', multiple: true },
  warmup: { type: 'string' },
  strict: { type: 'boolean', default: false },
  state: { type: 'string', default: '.ghmon' },
  port: { type: 'string', multiple: true },
  rps: { type: 'string', default: '5' },
  fast: { type: 'boolean', default: false },
  'long-term': { type: 'boolean', default: false },
  ha: { type: 'boolean', default: false },
  service: { type: 'string' },
  duration: { type: 'string', default: '5m' },
  'error-rate': { type: 'string' },
  json: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  url: { type: 'string' },
  'token-file': { type: 'string' },
  folder: { type: 'string' },
  'secrets-dir': { type: 'string' },
  'password-file': { type: 'string' },
  cost: { type: 'string' },
  mode: { type: 'string' },
  format: { type: 'string' },
  prometheus: { type: 'string' },
  'prometheus-password-file': { type: 'string' },
  dir: { type: 'string' },
  runtime: { type: 'string' },
  target: { type: 'string' },
} as const;

/** Commands that take a positional argument after their name. */
const WITH_ARGUMENT = new Set(['incident', 'deploy']);

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    const [command, ...rest] = positionals;
    if (values.help || command === undefined || command === 'help') {
      io.out(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    if (rest.length > (WITH_ARGUMENT.has(command) ? 1 : 0)) {
      throw new UserError(`unexpected argument: ${rest[WITH_ARGUMENT.has(command) ? 1 : 0]}`);
    }
    const out = values.out.replace(/\/+$/, '') || '.';
    switch (command) {
      // Commands are loaded on demand: `ghmon build` need not load the checks, and vice versa.
      case 'build':
        return await (await import('./build.ts')).build({ config: values.config, out }, io);
      case 'check':
        return await (await import('./check.ts')).check(
          {
            out,
            format: values.format,
            prometheus: values.prometheus,
            prometheusPasswordFile: values['prometheus-password-file'],
          },
          io,
        );
      case 'start':
        return await (await import('./start.ts')).start(
          { config: values.config, out, ...stackOptions(values), longTerm: values['long-term'] },
          io,
        );
      case 'up':
        return await (await import('./up.ts')).up(
          { config: values.config, ...stackOptions(values), longTerm: values['long-term'] },
          io,
        );
      case 'down':
        return await (await import('./down.ts')).down({ state: values.state }, io);
      case 'status':
        return await (await import('./status.ts')).status({ state: values.state }, io);
      case 'incident':
        return await (await import('./incident.ts')).incident(
          {
            kind: rest[0],
            ...(values.service ? { service: values.service } : {}),
            duration: values.duration,
            state: values.state,
            ...(values['error-rate'] !== undefined ? { errorRate: values['error-rate'] } : {}),
            json: values.json,
          },
          io,
        );
      case 'replay':
        return await (await import('./replay.ts')).replay({ ...values, out }, io);
      case 'deploy':
        return await (await import('./deploy.ts')).deploy(
          {
            target: rest[0],
            out,
            dryRun: values['dry-run'],
            url: values.url,
            tokenFile: values['token-file'],
            folder: values.folder,
          },
          io,
        );
      case 'init':
        return await (await import('./init.ts')).init(
          { dir: values.dir, service: values.service, runtime: values.runtime, target: values.target },
          io,
        );
      case 'web-config':
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
      default:
        throw new UserError(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (err) {
    return reportError(err, io);
  }
}

function stackOptions(values: { state: string; port?: string[]; rps: string; fast: boolean; ha: boolean }) {
  const rps = Number(values.rps);
  if (!Number.isFinite(rps) || rps < 0 || rps > 1000) throw new UserError(`--rps ${values.rps}: expected 0 to 1000`);
  return { state: values.state, ports: values.port ?? [], rps, fast: values.fast, ha: values.ha };
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
