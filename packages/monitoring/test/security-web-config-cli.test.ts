/**
 * `ghmon web-config` on a real build: the file it writes is where docker-compose.yml mounts the secret, passes
 * `promtool check web-config`, and a real Prometheus started with it answers 401 without credentials and 200 with
 * the password (which it also sends itself, from the Compose password file: up = 1). Mode 0444 (what Compose's
 * non-root containers can read) in a 0700 directory, or --mode; written atomically (no temporary file left); neither
 * the password nor the hash is printed. Bad input — a short, empty or missing password, a bad --cost or --mode, no
 * secrets directory, a secret's directory others can enter — is one line, exit 2, and writes nothing.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { COMPOSE_WEB_SECRET } from '../src/generators/compose/secrets.ts';
import { FIXTURES, ghmon, REPO_ROOT, tempDir } from './helpers.ts';
import { basicAuth, startAuthPrometheus } from './web-auth-prometheus.ts';

const BIN = join(REPO_ROOT, 'packages/monitoring/bin/ghmon.js');
const root = tempDir('ghmon-webcfg-cli-');
const out = join(root, 'out');
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  vi.unstubAllEnvs();
});

beforeAll(async () => {
  const r = await ghmon('build', '--config', join(FIXTURES, 'minimal.config.ts'), '--out', out);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
});

let n = 0;
/** A fresh secrets directory, optionally with the Compose password file. */
function secretsDir(password?: string): string {
  const dir = join(root, `secrets-${n++}`);
  mkdirSync(dir);
  if (password !== undefined) {
    mkdirSync(join(dir, COMPOSE_WEB_SECRET.webPassword.name));
    writeFileSync(passwordPath(dir), `${password}\n`, { mode: 0o600 });
  }
  return dir;
}
const webConfigPath = (dir: string) => join(dir, COMPOSE_WEB_SECRET.webConfig.name, COMPOSE_WEB_SECRET.webConfig.key);
const passwordPath = (dir: string) =>
  join(dir, COMPOSE_WEB_SECRET.webPassword.name, COMPOSE_WEB_SECRET.webPassword.key);
const newPassword = () => randomBytes(18).toString('base64url'); // 24 characters
const mode = (path: string) => statSync(path).mode & 0o777;

/** The real command line, as a user runs it: stdout and stderr are everything it printed. */
function cli(args: string[], opts: { input?: string; secretsEnv?: string } = {}) {
  const env = { ...process.env };
  delete env.GHMON_SECRETS_DIR;
  if (opts.secretsEnv !== undefined) env.GHMON_SECRETS_DIR = opts.secretsEnv;
  const r = spawnSync(process.execPath, [BIN, 'web-config', '--out', out, ...args], {
    cwd: REPO_ROOT,
    env,
    input: opts.input ?? '',
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The bcrypt hash in a written web config (the only user: ghmon). */
function hashIn(path: string): string {
  const config = parse(readFileSync(path, 'utf8')) as { basic_auth_users: Record<string, string> };
  expect(Object.keys(config.basic_auth_users)).toEqual(['ghmon']);
  return config.basic_auth_users.ghmon as string;
}

/** docker-compose.yml's secret file path for `id`, with $GHMON_SECRETS_DIR set to `dir`. */
function composeSecretFile(id: string, dir: string): string {
  const compose = parse(readFileSync(join(out, 'compose/docker-compose.yml'), 'utf8'));
  return (compose.secrets[id].file as string).replace(/^\$\{GHMON_SECRETS_DIR:\?[^}]*\}/, dir);
}

describe('ghmon web-config', () => {
  it('hashes $GHMON_SECRETS_DIR/ghmon-web-auth/password into the secret Compose mounts; promtool and a real Prometheus accept it', async () => {
    const password = newPassword();
    const dir = secretsDir(password);
    const r = cli([], { secretsEnv: dir });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const file = webConfigPath(dir);
    expect(r.out).toBe(`wrote ${file} (mode 0444, bcrypt cost 12)\n`);
    // Exactly where the generated compose file mounts Prometheus' and Alertmanager's web config from.
    expect(file).toBe(composeSecretFile('ghmon-web-config.web-config', dir));
    expect(passwordPath(dir)).toBe(composeSecretFile('ghmon-web-auth.password', dir));

    expect(mode(file)).toBe(0o444);
    expect(mode(dirname(file))).toBe(0o700); // the host's other users cannot reach the world-readable file
    expect(readdirSync(join(dir, COMPOSE_WEB_SECRET.webConfig.name))).toEqual([COMPOSE_WEB_SECRET.webConfig.key]);
    const hash = hashIn(file);
    expect(hash).toMatch(/^\$2b\$12\$/);
    expect(bcrypt.compareSync(password, hash)).toBe(true);
    expect(readFileSync(file, 'utf8').split(hash)).toHaveLength(2); // once: not in the header comment too
    for (const secret of [password, hash, hash.slice(29)]) expect(r.out + r.err).not.toContain(secret);

    const check = spawnSync('promtool', ['check', 'web-config', file], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);

    // Prometheus sends the password from the Compose password file, as out/compose/prometheus/prometheus.yml does.
    const prom = await startAuthPrometheus({
      dir: root,
      webConfigFile: file,
      passwordFile: passwordPath(dir),
      password,
    });
    try {
      const url = `${prom.base}/api/v1/status/buildinfo`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: basicAuth('ghmon', newPassword()) })).status).toBe(401);
      expect((await fetch(url, { headers: basicAuth('ghmon', password) })).status).toBe(200);
      expect(await prom.selfScrapeUp()).toBe('1');
    } finally {
      await prom.stop();
    }
  }, 90_000);

  it('--password-file - reads stdin and writes the Compose password file when missing; refuses a different one later', () => {
    const password = newPassword();
    const dir = secretsDir();
    const r = cli(['--secrets-dir', dir, '--password-file', '-', '--cost', '10', '--mode', '0600'], {
      input: `${password}\n`,
    });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toEqual([
      `wrote ${passwordPath(dir)} (mode 0600; the password Prometheus and Grafana send)`,
      `wrote ${webConfigPath(dir)} (mode 0600, bcrypt cost 10)`,
    ]);
    expect(readFileSync(passwordPath(dir), 'utf8')).toBe(`${password}\n`);
    expect(mode(passwordPath(dir))).toBe(0o600);
    expect(mode(webConfigPath(dir))).toBe(0o600);
    expect(mode(dirname(passwordPath(dir)))).toBe(0o700);
    const written = readFileSync(webConfigPath(dir), 'utf8');
    const hash = hashIn(webConfigPath(dir));
    expect(hash).toMatch(/^\$2b\$10\$/);
    expect(bcrypt.compareSync(password, hash)).toBe(true);
    for (const secret of [password, hash, hash.slice(29)]) expect(r.out + r.err).not.toContain(secret);

    // Another password would leave Prometheus and Grafana sending the old one: refused, nothing rewritten.
    const other = cli(['--secrets-dir', dir, '--password-file', '-'], { input: newPassword() });
    expect(other.code).toBe(2);
    expect(other.out).toBe('');
    expect(other.err).toBe(
      `ghmon: ${passwordPath(dir)} holds another password, which Prometheus and Grafana send: put the new one there (or remove it) and run again\n`,
    );
    expect(readFileSync(webConfigPath(dir), 'utf8')).toBe(written);
    // The same password from stdin again is fine: a new salt, the same password.
    const again = cli(['--secrets-dir', dir, '--password-file', '-'], { input: password });
    expect(again.code).toBe(0);
    expect(again.out).toBe(`wrote ${webConfigPath(dir)} (mode 0444, bcrypt cost 12)\n`);
    expect(hashIn(webConfigPath(dir))).not.toBe(hash);
    expect(bcrypt.compareSync(password, hashIn(webConfigPath(dir)))).toBe(true);
  }, 60_000);

  it('a short password on stdin: exit 2, one line, nothing written', () => {
    const dir = secretsDir();
    const r = cli(['--secrets-dir', dir, '--password-file', '-'], { input: 'hunter2-abc\n' });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe('ghmon: --password-file - (stdin): the password is shorter than 12 characters\n');
    expect(readdirSync(dir)).toEqual([]);
  });

  const bad: [string, (dir: string) => string[], RegExp, string?][] = [
    [
      'a short password in the Compose password file',
      () => [],
      /ghmon-web-auth\/password: the password is shorter than 12 characters$/,
      'hunter2-abc',
    ],
    ['an empty password file', () => [], /ghmon-web-auth\/password: empty, expected the password$/, '  '],
    [
      'a password on two lines',
      () => [],
      /ghmon-web-auth\/password: expected the password on one line$/,
      'first-line-long\nsecond-line-long',
    ],
    ['a password over 72 bytes', () => [], /longer than bcrypt's 72 bytes$/, 'x'.repeat(73)],
    [
      'a short --password-file',
      (dir) => {
        writeFileSync(join(dir, 'pw'), 'short\n');
        return ['--password-file', join(dir, 'pw')];
      },
      /^--password-file \S+\/pw: the password is shorter than 12 characters$/,
    ],
    [
      'a missing --password-file',
      (dir) => ['--password-file', join(dir, 'nope')],
      /^--password-file \S+\/nope: no such file$/,
    ],
    [
      'no Compose password file and no --password-file',
      () => [],
      /ghmon-web-auth\/password: no such file \(the password Prometheus and Grafana send\)/,
    ],
    ['--cost 9', () => ['--cost', '9'], /^--cost 9: expected a whole number from 10 to 14/, newPassword()],
    ['--cost 15', () => ['--cost', '15'], /^--cost 15: expected a whole number from 10 to 14/, newPassword()],
    ['--cost twelve', () => ['--cost', 'twelve'], /^--cost twelve: expected a whole number/, newPassword()],
    ['--mode 0666', () => ['--mode', '0666'], /^--mode 0666: expected an octal file mode/, newPassword()],
    ['--mode 700', () => ['--mode', '700'], /^--mode 700: expected an octal file mode/, newPassword()],
    [
      'a secrets directory inside out/',
      () => ['--secrets-dir', join(out, 'compose')],
      /inside .*out\/, which every build replaces/,
      newPassword(),
    ],
    [
      'a missing secrets directory',
      (dir) => ['--secrets-dir', join(dir, 'nope')],
      /^--secrets-dir \S+\/nope: no such directory$/,
    ],
  ];
  it.each(bad)('%s: exit 2, one line naming it, nothing written', async (_name, args, message, password) => {
    const dir = secretsDir(password);
    const argv = args(dir);
    const before = readdirSync(dir, { recursive: true }).sort();
    const r = await ghmon(
      'web-config',
      '--out',
      out,
      ...(argv.includes('--secrets-dir') ? [] : ['--secrets-dir', dir]),
      ...argv,
    );
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err.replace(/^ghmon: /, '')).toMatch(message);
    if (password?.trim()) expect(r.err).not.toContain(password.trim());
    expect(existsSync(webConfigPath(dir))).toBe(false);
    expect(readdirSync(dir, { recursive: true }).sort()).toEqual(before);
  });

  it('a secret directory others can enter: refused for a 0444 file (nothing written), fine with --mode 0600', async () => {
    const password = newPassword();
    const dir = secretsDir(password);
    const webDir = dirname(webConfigPath(dir));
    mkdirSync(webDir);
    chmodSync(webDir, 0o755);
    const r = cli(['--secrets-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `ghmon: ${webDir}: mode 0755 lets other users of this host read a secret written mode 0444 (what Compose's non-root containers need): chmod 700 it, or give --mode 0600\n`,
    );
    expect(readdirSync(webDir)).toEqual([]);
    // Only the search bit matters: a directory others may list but not enter keeps the file from them.
    chmodSync(webDir, 0o744);
    expect(cli(['--secrets-dir', dir, '--cost', '10']).code).toBe(0);
    rmSync(webConfigPath(dir));
    chmodSync(webDir, 0o705);
    expect(cli(['--secrets-dir', dir]).code).toBe(2);
    expect(readdirSync(webDir)).toEqual([]);
    const owner = cli(['--secrets-dir', dir, '--mode', '0600', '--cost', '10']);
    expect(owner.err).toBe('');
    expect(owner.code).toBe(0);
    expect(mode(webConfigPath(dir))).toBe(0o600);

    // Writing the password too: both directories are checked before either file is written.
    const fresh = secretsDir();
    const authDir = dirname(passwordPath(fresh));
    mkdirSync(authDir, { mode: 0o711 });
    chmodSync(authDir, 0o711);
    const both = cli(['--secrets-dir', fresh, '--password-file', '-'], { input: password });
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/ghmon-web-auth: mode 0711 lets other users/);
    expect(readdirSync(fresh, { recursive: true })).toEqual([COMPOSE_WEB_SECRET.webPassword.name]);
  }, 60_000);

  it('no --secrets-dir and no GHMON_SECRETS_DIR, or no build: exit 2, one line', async () => {
    vi.stubEnv('GHMON_SECRETS_DIR', '');
    const none = await ghmon('web-config', '--out', out);
    expect(none.code).toBe(2);
    expect(none.err).toBe(
      'ghmon: where are the secrets? Give --secrets-dir DIR or set GHMON_SECRETS_DIR (the directory docker compose reads them from)',
    );
    const dir = secretsDir(newPassword());
    const noBuild = await ghmon('web-config', '--out', join(root, 'not-built'), '--secrets-dir', dir);
    expect(noBuild.code).toBe(2);
    expect(noBuild.err).toMatch(
      /^ghmon: \S+\/not-built\/compose\/web-config\.template\.yml does not exist: run `ghmon build/,
    );
    expect(existsSync(webConfigPath(dir))).toBe(false);
  });

  it('never takes the password as an argument', async () => {
    const password = newPassword();
    const r = await ghmon('web-config', '--out', out, '--password', password);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Unknown option '--password'/);
    expect(r.err).not.toContain(password);
  });
});
