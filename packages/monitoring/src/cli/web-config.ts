/**
 * `ghmon web-config [--out DIR] [--secrets-dir DIR] [--password-file F|-] [--cost N] [--mode M]`: fills
 * DIR/compose/web-config.template.yml with the bcrypt hash of the web password and writes it where the Compose file
 * mounts it, `$GHMON_SECRETS_DIR/ghmon-web-config/web-config` — no htpasswd, no sed.
 *
 * The password comes from a file, never from the command line (shell history, `ps`). By default that file is
 * `$GHMON_SECRETS_DIR/ghmon-web-auth/password`, the one Prometheus (`basic_auth.password_file`) and Grafana
 * (`$__file{…}`) already read, so the hash and the password they send cannot disagree. With `--password-file F` or
 * `-` (stdin) the password is also written there when that file does not exist yet; when it exists and holds another
 * password the command refuses (Prometheus and Grafana would get 401). Nothing else holds the plaintext.
 *
 * Files are written atomically (a temporary file beside the target, then rename) with mode 0444 unless `--mode`
 * says otherwise: Compose bind-mounts a file secret with its host owner and mode, and the images run as non-root
 * users (Prometheus, Alertmanager and node_exporter as nobody, Grafana as 472), so 0600 would leave them unable to
 * read it. Other users of the host are kept out by the directory instead: a file readable by group or others is
 * only written into a directory only its owner can enter (the secret's own `<name>/` directory, created 0700;
 * an existing one that others can enter is refused before anything is written). Nothing printed names the password
 * or the hash: only the paths written.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import bcrypt from 'bcryptjs';
import { OUT, SECRETS_DIR_VAR } from '../conventions.ts';
import { COMPOSE_WEB_SECRET } from '../generators/compose/secrets.ts';
import { fillWebConfig, WEB_PASSWORD_PLACEHOLDER } from '../model/web-config.ts';
import { UserError } from '../util/errors.ts';
import type { Io } from './io.ts';

export const MIN_PASSWORD_CHARS = 12;
/** bcrypt reads at most 72 bytes: anything after them would not be checked at all. */
export const MAX_PASSWORD_BYTES = 72;
export const COST = { min: 10, max: 14, default: 12 } as const;
/** Readable by the Compose containers' non-root users; the 0700 directory around it keeps the host's other users out. */
export const DEFAULT_MODE = 0o444;
/** A password file larger than this is not a password file. */
const MAX_PASSWORD_FILE_BYTES = 4096;

export interface WebConfigOptions {
  /** ghmon build's output directory (holds compose/web-config.template.yml). */
  out: string;
  /** --secrets-dir; else $GHMON_SECRETS_DIR. */
  secretsDir?: string | undefined;
  /** --password-file: a file, or `-` for stdin; else the Compose password file in the secrets directory. */
  passwordFile?: string | undefined;
  cost?: string | undefined;
  mode?: string | undefined;
  env?: NodeJS.ProcessEnv;
  stdin?: Readable & { isTTY?: boolean };
}

const secretPath = (secretsDir: string, s: { name: string; key: string }) => join(secretsDir, s.name, s.key);
const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`;

export function parseCost(raw: string | undefined): number {
  if (raw === undefined) return COST.default;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= COST.min && n <= COST.max)) {
    throw new UserError(
      `--cost ${raw}: expected a whole number from ${COST.min} to ${COST.max} (bcrypt's cost factor)`,
    );
  }
  return n;
}

/** Octal; readable by the owner, never writable by group or others, never executable. */
export function parseMode(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_MODE;
  const mode = /^0?[0-7]{3}$/.test(raw) ? Number.parseInt(raw, 8) : Number.NaN;
  if (Number.isNaN(mode) || (mode & ~0o644) !== 0 || (mode & 0o400) === 0) {
    throw new UserError(
      `--mode ${raw}: expected an octal file mode the owner can read and nobody else can write, e.g. 0600 or 0444`,
    );
  }
  return mode;
}

/**
 * The password as Prometheus (`password_file`) and Grafana (`$__file{}`) read the file: surrounding whitespace
 * trimmed. Control and format characters are refused outright (JavaScript and Go would not trim a BOM or U+0085
 * alike). Messages name the source, never the content or its length.
 */
export function parsePassword(content: Buffer, source: string): string {
  if (content.length > MAX_PASSWORD_FILE_BYTES) throw new UserError(`${source}: too large for a password file`);
  const text = content.toString('utf8');
  if (text.includes('\uFFFD')) throw new UserError(`${source}: not UTF-8 text`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\p{Cf}\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u.test(text)) {
    throw new UserError(`${source}: the password has control or invisible characters`);
  }
  const password = text.trim();
  if (password === '') throw new UserError(`${source}: empty, expected the password`);
  if (/[\r\n]/.test(password)) throw new UserError(`${source}: expected the password on one line`);
  if ([...password].length < MIN_PASSWORD_CHARS) {
    throw new UserError(`${source}: the password is shorter than ${MIN_PASSWORD_CHARS} characters`);
  }
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) {
    throw new UserError(`${source}: the password is longer than bcrypt's ${MAX_PASSWORD_BYTES} bytes`);
  }
  return password;
}

function readPasswordFile(path: string, source: string): string {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new UserError(`${source}: no such file`);
  }
  if (!st.isFile()) throw new UserError(`${source}: not a file`);
  if (st.size > MAX_PASSWORD_FILE_BYTES) throw new UserError(`${source}: too large for a password file`);
  try {
    return parsePassword(readFileSync(path), source);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${source}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

async function readStdin(stdin: Readable & { isTTY?: boolean }): Promise<string> {
  const source = '--password-file - (stdin)';
  if (stdin.isTTY) {
    throw new UserError(`${source}: stdin is a terminal (the password would be echoed); pipe it in or use a file`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > MAX_PASSWORD_FILE_BYTES) throw new UserError(`${source}: too large for a password`);
    chunks.push(b);
  }
  return parsePassword(Buffer.concat(chunks), source);
}

const sameFile = (a: string, b: string) => {
  if (resolve(a) === resolve(b)) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
};

/** Writes `content` to `path` through a temporary file in the same directory and a rename; mode set explicitly. */
export function writeSecretFile(path: string, content: string, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      writeSync(fd, content);
      fchmodSync(fd, mode); // not left to the umask
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export async function webConfig(opts: WebConfigOptions, io: Io): Promise<number> {
  const env = opts.env ?? process.env;
  const cost = parseCost(opts.cost);
  const mode = parseMode(opts.mode);

  const secretsFlag = opts.secretsDir !== undefined && opts.secretsDir !== '';
  const secretsDir = secretsFlag ? opts.secretsDir : env[SECRETS_DIR_VAR];
  const secretsSource = secretsFlag ? `--secrets-dir ${secretsDir}` : `$${SECRETS_DIR_VAR} (${secretsDir})`;
  if (secretsDir === undefined || secretsDir === '') {
    throw new UserError(
      `where are the secrets? Give --secrets-dir DIR or set ${SECRETS_DIR_VAR} (the directory docker compose reads them from)`,
    );
  }
  if (!existsSync(secretsDir) || !statSync(secretsDir).isDirectory()) {
    throw new UserError(`${secretsSource}: no such directory`);
  }
  const rel = relative(resolve(opts.out), resolve(secretsDir));
  if (!(rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))) {
    throw new UserError(
      `${secretsSource}: inside ${opts.out}/, which every build replaces and which is shared: use a directory outside it`,
    );
  }

  const templatePath = join(opts.out, ...OUT.composeWebConfigTemplate.split('/'));
  if (!existsSync(templatePath)) {
    throw new UserError(`${templatePath} does not exist: run \`ghmon build --out ${opts.out}\` first`);
  }
  const template = readFileSync(templatePath, 'utf8');
  if (!template.includes(WEB_PASSWORD_PLACEHOLDER)) {
    throw new UserError(`${templatePath}: not a ghmon web-config template (no ${WEB_PASSWORD_PLACEHOLDER})`);
  }

  // The password: from the file Prometheus and Grafana read, unless --password-file names another source.
  const composePasswordPath = secretPath(secretsDir, COMPOSE_WEB_SECRET.webPassword);
  const given = opts.passwordFile !== undefined && opts.passwordFile !== '';
  let password: string;
  let writeComposePassword = false;
  if (!given || (opts.passwordFile !== '-' && sameFile(opts.passwordFile as string, composePasswordPath))) {
    if (!given && !existsSync(composePasswordPath)) {
      throw new UserError(
        `${composePasswordPath}: no such file (the password Prometheus and Grafana send): write it there, or give --password-file F or - for stdin`,
      );
    }
    password = readPasswordFile(
      composePasswordPath,
      given ? `--password-file ${opts.passwordFile}` : composePasswordPath,
    );
  } else {
    password =
      opts.passwordFile === '-'
        ? await readStdin(opts.stdin ?? process.stdin)
        : readPasswordFile(opts.passwordFile as string, `--password-file ${opts.passwordFile}`);
    if (existsSync(composePasswordPath)) {
      let existing: string | undefined;
      try {
        existing = readPasswordFile(composePasswordPath, composePasswordPath);
      } catch {
        existing = undefined;
      }
      if (existing !== password) {
        throw new UserError(
          `${composePasswordPath} holds another password, which Prometheus and Grafana send: put the new one there (or remove it) and run again`,
        );
      }
    } else {
      writeComposePassword = true;
    }
  }

  let filled: string;
  try {
    filled = fillWebConfig(template, await bcrypt.hash(password, cost));
  } catch (err) {
    throw new UserError(`${templatePath}: ${(err as Error).message}`);
  }

  const webConfigPath = secretPath(secretsDir, COMPOSE_WEB_SECRET.webConfig);
  // Every directory checked before the first write: a refusal leaves nothing written.
  for (const path of writeComposePassword ? [composePasswordPath, webConfigPath] : [webConfigPath]) {
    checkSecretDirectory(dirname(path), mode);
  }
  // The password file first: if the web config then fails, running again reads the password from there.
  if (writeComposePassword) {
    writeSecret(composePasswordPath, `${password}\n`, mode);
    io.out(`wrote ${composePasswordPath} (mode ${octal(mode)}; the password Prometheus and Grafana send)`);
  }
  writeSecret(webConfigPath, filled, mode);
  io.out(`wrote ${webConfigPath} (mode ${octal(mode)}, bcrypt cost ${cost})`);
  return 0;
}

/**
 * A file that group or others may read (`mode`) is only written into a directory they cannot enter (no search bit
 * for group or others); a missing directory is fine, `writeSecret` creates it 0700.
 */
function checkSecretDirectory(dir: string, mode: number): void {
  if ((mode & 0o044) === 0 || !existsSync(dir)) return;
  const dirMode = statSync(dir).mode & 0o777;
  if ((dirMode & 0o011) !== 0) {
    throw new UserError(
      `${dir}: mode ${octal(dirMode)} lets other users of this host read a secret written mode ${octal(mode)} (what Compose's non-root containers need): chmod 700 it, or give --mode 0600`,
    );
  }
}

/** A secret file under the secrets directory (its `<name>/` directory created 0700); errors name the file. */
function writeSecret(path: string, content: string, mode: number): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeSecretFile(path, content, mode);
  } catch (err) {
    throw new UserError(`${path}: cannot write it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
