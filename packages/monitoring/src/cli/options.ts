/**
 * Each command's options and usage lines, in one table: main.ts parses a command's arguments against its own
 * options only (so `ghmon build --rps 5` is a usage error naming --rps, not silently ignored), and `ghmon help`
 * is assembled from the same usage lines, so the help cannot list an option the parser rejects or miss one it takes.
 */
import type { ParseArgsConfig } from 'node:util';
import { DEFAULT_CONFIG_FILE } from '../config/default-file.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

const config = { config: { type: 'string', default: DEFAULT_CONFIG_FILE } } as const;
const out = { out: { type: 'string', default: 'out' } } as const;
const state = { state: { type: 'string', default: '.ghmon' } } as const;
/** What `up` and `start` (which runs up after building) take to run the stack. */
const stack = {
  ...state,
  port: { type: 'string', multiple: true },
  rps: { type: 'string', default: '5' },
  fast: { type: 'boolean', default: false },
  'long-term': { type: 'boolean', default: false },
  ha: { type: 'boolean', default: false },
  scale: { type: 'boolean', default: false },
} as const;

/** Every command takes --help (-h): it prints the usage, as `ghmon help` does. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const;

export interface CommandSpec {
  /** The options the command takes, besides --help. */
  options: Options;
  /** The command's lines in the usage text. */
  usage: string;
}

/** The commands, in the order the usage lists them. */
export const COMMANDS = {
  init: {
    options: {
      dir: { type: 'string' },
      service: { type: 'string' },
      runtime: { type: 'string' },
      target: { type: 'string' },
    },
    usage: `  init    [--dir DIR] [--service NAME] [--runtime R] [--target HOST:PORT]
                                     start a monitoring repository in DIR (default .): a commented
                                     monitoring.config.ts for one service, @greyhaven/monitoring and the
                                     monitoring:build/check scripts in package.json; never overwrites; R: typescript
                                     (default; node), python or workers (pushes, no target); asks on a terminal`,
  },
  build: {
    options: { ...config, ...out },
    usage:
      '  build   [--config F] [--out DIR]   generate Prometheus, Alertmanager and contract files into DIR (default out/)',
  },
  check: {
    options: {
      ...out,
      format: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      prometheus: { type: 'string' },
      'prometheus-password-file': { type: 'string' },
    },
    usage: `  check   [--out DIR] [--format F] [--verbose] [--prometheus URL [--prometheus-password-file P]]
                                     check DIR with promtool, amtool and the metric-contract check; F: text (default),
                                     json (one document for other tools) or github (Actions annotations); with a
                                     Prometheus, also warn about metrics the rules read that it has no series of;
                                     --verbose: each check's wall time (json always has it, as ms)`,
  },
  start: {
    options: { ...config, ...out, ...stack },
    usage: `  start   [--config F] [--out DIR] [--port NAME=N]... [--rps N] [--fast] [--long-term] [--ha] [--scale] [--state DIR]
                                     build and check out/, then run the stack as up does (what \`npm start\` runs)`,
  },
  up: {
    options: { ...config, ...stack },
    usage: `  up      [--config F] [--port NAME=N]... [--rps N] [--fast] [--long-term] [--ha] [--scale] [--state DIR]
                                     run Prometheus, Alertmanager, node_exporter, demo services, traffic and a local
                                     PagerDuty receiver on 127.0.0.1 until Ctrl-C (state in .ghmon/);
                                     --ha: a Prometheus pair and a 3-peer Alertmanager cluster
                                     --long-term: also VictoriaMetrics, Prometheus remote-writing to it
                                     --scale: on VictoriaMetrics' engine instead: 2 vmagent (replication 2),
                                     VictoriaMetrics, 2 vmalert, a 3-peer Alertmanager cluster`,
  },
  down: { options: { ...state }, usage: '  down    [--state DIR]              stop the running stack' },
  status: {
    options: { ...state },
    usage: '  status  [--state DIR]              health of each part: processes, targets, rules, alerts, pages',
  },
  incident: {
    options: {
      ...state,
      service: { type: 'string' },
      duration: { type: 'string', default: '5m' },
      'error-rate': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    usage: `  incident <errors|latency|crash> [--service S] [--duration D] [--error-rate R] [--json] [--state DIR]
                                     inject an incident into a demo service (default: its first service, 5m, errors
                                     at R = 0.5) and watch it: alerts pending and firing, the receiver's trigger, the
                                     end, the alert's and the page's resolve, one line each with the time since the
                                     injection; --json: the figures as one JSON document; Ctrl-C ends it early`,
  },
  replay: {
    options: {
      ...out,
      scenario: { type: 'string', multiple: true },
      warmup: { type: 'string' },
      strict: { type: 'boolean', default: false },
      parity: { type: 'boolean', default: false },
    },
    usage: `  replay  [--out DIR] [--scenario ID]... [--warmup DUR] [--strict] [--parity]
                                     incidents through promtool, DIR's rules vs the seed's; chart in DIR/replay/;
                                     --parity: also on vmalert over VictoriaMetrics (needs \`scale\`), alerts compared`,
  },
  backtest: {
    options: {
      ...out,
      prometheus: { type: 'string' },
      'prometheus-password-file': { type: 'string' },
      'prometheus-bearer-token-file': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      against: { type: 'string' },
      'max-samples': { type: 'string' },
      format: { type: 'string', default: 'text' },
    },
    usage: `  backtest --prometheus URL --from T [--to T] [--out DIR] [--against DIR] [--max-samples N] [--format F]
           [--prometheus-password-file F | --prometheus-bearer-token-file F]
                                     how DIR's rules would have paged over that Prometheus' history (vmalert's
                                     replay over a local VictoriaMetrics, then Alertmanager's routing); T: RFC 3339,
                                     Unix seconds, now, or a duration ago (7d); --against: compare with another build`,
  },
  deploy: {
    // The targets' options together; DEPLOY_TARGET_OPTIONS narrows them per target.
    options: {
      ...out,
      'dry-run': { type: 'boolean', default: false },
      url: { type: 'string' },
      'token-file': { type: 'string' },
      folder: { type: 'string' },
    },
    usage: `  deploy kubernetes [--out DIR] --dry-run
                                     print the helm and kubectl commands that deploy DIR/kubernetes/
  deploy grafana --url URL --token-file F [--folder UID] [--out DIR]
                                     save DIR/grafana/dashboards/*.json in Grafana (POST /api/dashboards/db)`,
  },
  'web-config': {
    options: {
      ...out,
      'secrets-dir': { type: 'string' },
      'password-file': { type: 'string' },
      cost: { type: 'string' },
      mode: { type: 'string' },
    },
    usage: `  web-config [--out DIR] [--secrets-dir S] [--password-file F|-] [--cost N] [--mode M]
                                     fill DIR/compose/web-config.template.yml with the bcrypt hash of the password in
                                     S/ghmon-web-auth/password (or in F; - reads stdin) and write it, mode 0444, to
                                     S/ghmon-web-config/web-config, where Compose mounts it; prints only paths`,
  },
  help: { options: {}, usage: '  help                               this text' },
} as const satisfies Record<string, CommandSpec>;

export type Command = keyof typeof COMMANDS;

/** The options each deploy target takes (of deploy's); an unknown target is deploy.ts's to report. */
export const DEPLOY_TARGET_OPTIONS: Record<string, readonly (keyof typeof COMMANDS.deploy.options)[]> = {
  kubernetes: ['out', 'dry-run'],
  grafana: ['out', 'url', 'token-file', 'folder'],
};

export function isCommand(name: string): name is Command {
  return Object.hasOwn(COMMANDS, name);
}

/** Every option of every command: what a first pass parses with, to find the command wherever it stands. */
export const ALL_OPTIONS: Options = Object.assign({}, HELP_OPTION, ...Object.values(COMMANDS).map((c) => c.options));

/** One command's usage: the synopsis line(s) the help text has for it. */
export function commandUsage(command: Command): string {
  return `Usage:\n${COMMANDS[command].usage}`;
}

export const USAGE = `Usage: ghmon <command> [options]

Commands:
${Object.values(COMMANDS)
  .map((c) => c.usage)
  .join('\n')}

Options:
  --config F   the config module (default ${DEFAULT_CONFIG_FILE})
  --out DIR    the output directory (default out)
  --state DIR  the local stack's state directory (default .ghmon)
  --scenario ID, --warmup DUR, --strict   replay: one scenario (repeatable), healthy time before onset, exit 1 on a missed goal
  --secrets-dir S, --password-file F|-, --cost N, --mode M
               web-config: secrets directory (default $GHMON_SECRETS_DIR), the password's file (never an argument),
               bcrypt cost 10 to 14 (default 12), octal mode of the files written (default 0444, in 0700 directories)
`;
