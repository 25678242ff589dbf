/**
 * Per-command options: each command parses against its own option table, so an option it does not take is a usage
 * error (exit 2, the option and the command named, the command's usage) before anything runs or is written.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/cli/main.ts';
import { COMMANDS, type Command, commandUsage, DEPLOY_TARGET_OPTIONS, USAGE } from '../src/cli/options.ts';
import { GREYHAVEN_CONFIG, ghmon, tempDir } from './helpers.ts';

interface Row {
  /** The command and its argument, if any. */
  command: string[];
  /** An option the command takes, with its value when it has one, and the value it parses to. */
  takes: [option: string[], value: unknown];
  /** An option of another command. */
  refuses: string[];
}

const ROWS: Row[] = [
  { command: ['build'], takes: [['--config', 'x.ts'], 'x.ts'], refuses: ['--rps', '5'] },
  { command: ['check'], takes: [['--format', 'json'], 'json'], refuses: ['--config', 'x.ts'] },
  { command: ['start'], takes: [['--rps', '7'], '7'], refuses: ['--format', 'json'] },
  { command: ['up'], takes: [['--ha'], true], refuses: ['--out', 'x'] },
  { command: ['down'], takes: [['--state', 's'], 's'], refuses: ['--rps', '5'] },
  { command: ['status'], takes: [['--state', 's'], 's'], refuses: ['--json'] },
  { command: ['incident', 'errors'], takes: [['--error-rate', '0.5'], '0.5'], refuses: ['--out', 'x'] },
  { command: ['replay'], takes: [['--scenario', 'crash'], ['crash']], refuses: ['--config', 'x.ts'] },
  { command: ['deploy', 'kubernetes'], takes: [['--dry-run'], true], refuses: ['--url', 'http://g'] },
  { command: ['deploy', 'grafana'], takes: [['--url', 'http://g'], 'http://g'], refuses: ['--dry-run'] },
  { command: ['init'], takes: [['--runtime', 'python'], 'python'], refuses: ['--out', 'x'] },
  { command: ['web-config'], takes: [['--cost', '12'], '12'], refuses: ['--state', 's'] },
];

/** The command as the message names it: deploy with its target, whose options it checks. */
const label = (r: Row) => (r.command[0] === 'deploy' ? r.command.join(' ') : (r.command[0] as string));
const TABLE = ROWS.map((r) => ({ ...r, name: r.command.join(' ') }));

describe('per-command options', () => {
  it.each(TABLE)('$name takes its option $takes', (r) => {
    const [option, value] = r.takes;
    const line = parseCommandLine([...r.command, ...option]);
    expect(line.help).toBe(false);
    if (line.help) return;
    expect(line.command).toBe(r.command[0]);
    expect(line.values[(option[0] as string).slice(2)]).toEqual(value);
  });

  it.each(TABLE)('$name refuses $refuses: exit 2, the option and the command named', async (r) => {
    const res = await ghmon(...r.command, ...r.refuses);
    expect(res.code).toBe(2);
    expect(res.out).toBe('');
    expect(res.err).toContain(`ghmon: ${r.refuses[0]} is not an option of \`ghmon ${label(r)}\``);
    expect(res.err).toContain(commandUsage(r.command[0] as Command));
  });

  it('an option given before the command is checked against it too', async () => {
    const res = await ghmon('--rps', '5', 'build');
    expect(res.code).toBe(2);
    expect(res.err).toContain('--rps is not an option of `ghmon build`');
  });

  it('deploy checks the target named as its argument, not an option value that spells one', async () => {
    const res = await ghmon('deploy', '--out', 'kubernetes', 'grafana', '--dry-run');
    expect(res.code).toBe(2);
    expect(res.err).toContain('--dry-run is not an option of `ghmon deploy grafana`');
    const unknown = await ghmon('deploy', 'nowhere', '--url', 'http://g');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown deploy target "nowhere"');
  });

  it('an option no command takes is still refused by the parser', async () => {
    const res = await ghmon('build', '--nope');
    expect(res.code).toBe(2);
    expect(res.err).toContain("Unknown option '--nope'");
  });

  it('--help is taken by every command and prints the usage', async () => {
    for (const r of ROWS) {
      const res = await ghmon(...r.command, '--help');
      expect(res, label(r)).toEqual({ code: 0, out: USAGE, err: '' });
    }
  });

  it('a refused option writes nothing; the same build without it does', async () => {
    const dir = tempDir();
    const refused = await ghmon('build', '--config', GREYHAVEN_CONFIG, '--out', join(dir, 'a'), '--rps', '5');
    expect(refused.code).toBe(2);
    expect(existsSync(join(dir, 'a'))).toBe(false);
    const built = await ghmon('build', '--config', GREYHAVEN_CONFIG, '--out', join(dir, 'b'));
    expect(built.code).toBe(0);
    expect(existsSync(join(dir, 'b'))).toBe(true);
  });
});

describe('the usage text is in step with the option tables', () => {
  const named = (text: string) => new Set([...text.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1] as string));

  it.each(Object.keys(COMMANDS) as Command[])('%s: its usage names exactly the options it takes', (command) => {
    expect([...named(COMMANDS[command].usage)].sort()).toEqual(Object.keys(COMMANDS[command].options).sort());
  });

  it.each(Object.entries(DEPLOY_TARGET_OPTIONS))(
    'deploy %s: its usage line names exactly its options',
    (target, opts) => {
      const line = COMMANDS.deploy.usage.split('\n').find((l) => l.startsWith(`  deploy ${target} `)) ?? '';
      expect([...named(line)].sort()).toEqual([...opts].sort());
    },
  );

  it('ghmon help lists every command', async () => {
    const res = await ghmon('help');
    for (const command of Object.keys(COMMANDS)) expect(res.out).toContain(`\n  ${command} `);
  });
});
