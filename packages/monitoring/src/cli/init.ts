/**
 * `ghmon init [--dir DIR] [--service NAME] [--runtime R] [--target HOST:PORT]`: starts a monitoring repository in
 * DIR (default: the current directory). Writes a commented `monitoring.config.ts` for one service, adds
 * `@greyhaven/monitoring` and the `monitoring:build` / `monitoring:check` scripts to package.json (creating it if
 * missing) and prints the next steps.
 *
 * Answers come from the flags; on a terminal (stdin and stdout both TTYs) the missing ones are asked; otherwise
 * they default to the directory's name, `typescript` and `localhost:8080`. Every answer is validated by the config
 * schema itself (a bad flag is exit 2 naming it). Nothing is overwritten: an existing config module, or a
 * package.json script of the same name with another command, is exit 2 with nothing written. Every precondition is
 * checked before the first write; each file is written atomically (temporary file, then rename).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { validateConfig } from '../config/load.ts';
import { type MonitoringConfig, monitoringSchema } from '../config/schema.ts';
import { METRICS_TOKEN_KEY, metricsTokenSecret, resolveScrapeAuth } from '../config/scrape-auth.ts';
import { UserError } from '../util/errors.ts';
import { type InitAnswers, type InitRuntime, renderConfig, serviceInput } from './init-template.ts';
import type { Io } from './io.ts';

export const INIT_CONFIG_FILE = 'monitoring.config.ts';
/** Config modules `ghmon init` will not write next to (nor over). */
export const CONFIG_FILES = [
  'monitoring.config.ts',
  'monitoring.config.mts',
  'monitoring.config.cts',
  'monitoring.config.js',
  'monitoring.config.mjs',
  'monitoring.config.cjs',
];
export const PACKAGE_NAME = '@greyhaven/monitoring';
export const SCRIPTS: Readonly<Record<string, string>> = {
  'monitoring:build': 'ghmon build',
  'monitoring:check': 'ghmon check',
};
export const DEFAULT_RUNTIME: InitRuntime = 'typescript';
export const DEFAULT_TARGET = 'localhost:8080';
/** `node` is what many call a TypeScript service's runtime; the schema's name for it is `typescript`. */
const RUNTIME_ALIASES: Readonly<Record<string, InitRuntime>> = { node: 'typescript' };

/** Asks one question and returns the answer as typed (the caller trims and validates it). */
export type Ask = (question: string) => Promise<string>;

export interface InitOptions {
  dir?: string | undefined;
  service?: string | undefined;
  runtime?: string | undefined;
  target?: string | undefined;
  /** Asks for the answers not given as flags; default: node:readline on a terminal, nothing otherwise. */
  ask?: Ask | undefined;
}

/** The runtimes the schema allows, read from it. */
export function runtimes(): readonly InitRuntime[] {
  return monitoringSchema.shape.services.element.shape.runtime.options;
}

/** The version of this package (its own package.json, two levels up from src/cli/ and from dist/cli/ alike). */
export function ownVersion(): string {
  const pkg = createRequire(import.meta.url)('../../package.json') as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error(`${PACKAGE_NAME}'s package.json has no version`);
  return pkg.version;
}

/** A valid service name from a directory name: `Payments_API-monitoring` → `payments-api`. */
export function serviceNameFrom(dirName: string): string {
  const name = dirName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  const stripped = name.replace(/-?monitoring$/, '');
  return stripped || name || 'service';
}

/** A valid npm package name from a directory name. */
function packageNameFrom(dirName: string): string {
  const name = dirName
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+/, '')
    .replace(/-+$/, '')
    .slice(0, 214);
  return name || 'monitoring';
}

/** A flag's value → the schema's problem with it, if any (the other answers at their defaults). */
function problems(a: InitAnswers): Map<keyof InitAnswers, string> {
  const found = new Map<keyof InitAnswers, string>();
  const result = monitoringSchema.safeParse({ services: [serviceInput(a)] });
  if (result.success) return found;
  for (const issue of result.error.issues) {
    const [, , field] = issue.path;
    const key =
      field === 'name' ? 'service' : field === 'scrape' ? 'target' : field === 'runtime' ? 'runtime' : undefined;
    if (key === undefined) throw new Error(`ghmon init made an invalid config: ${JSON.stringify(issue)}`);
    if (!found.has(key)) found.set(key, issue.message);
  }
  return found;
}

function parseRuntime(value: string): InitRuntime | undefined {
  const r = RUNTIME_ALIASES[value] ?? value;
  return (runtimes() as readonly string[]).includes(r) ? (r as InitRuntime) : undefined;
}

const runtimeExpected = () => `expected one of ${runtimes().join(', ')} (node is typescript)`;
const WORKERS_TARGET =
  'a workers service is not scraped: each isolate pushes its series over remote write (leave --target out)';

/** Checks the flags given, before anything is asked or written. */
function checkFlags(opts: InitOptions): void {
  const bad: string[] = [];
  const runtime = opts.runtime === undefined ? undefined : parseRuntime(opts.runtime);
  if (opts.runtime !== undefined && runtime === undefined) bad.push(`--runtime ${opts.runtime}: ${runtimeExpected()}`);
  if (runtime === 'workers' && opts.target !== undefined) bad.push(`--target ${opts.target}: ${WORKERS_TARGET}`);
  const found = problems({
    service: opts.service ?? 'service',
    runtime: runtime === 'workers' ? DEFAULT_RUNTIME : (runtime ?? DEFAULT_RUNTIME),
    target: opts.target ?? DEFAULT_TARGET,
  });
  const service = found.get('service');
  if (opts.service !== undefined && service) bad.push(`--service ${opts.service}: ${service}`);
  const target = found.get('target');
  if (opts.target !== undefined && target) bad.push(`--target ${opts.target}: ${target}`);
  if (bad.length === 1) throw new UserError(bad[0] as string);
  if (bad.length > 1) throw new UserError(`${bad.length} invalid options`, bad);
}

/** The answers: flags first, then questions (on a terminal), then defaults. Flags are already checked. */
async function answers(
  opts: InitOptions,
  dir: string,
  ask: Ask | undefined,
  say: (line: string) => void,
): Promise<InitAnswers> {
  const defaults = { service: serviceNameFrom(basename(dir)), runtime: DEFAULT_RUNTIME, target: DEFAULT_TARGET };
  const question = async <T>(
    text: string,
    fallback: string,
    parse: (answer: string) => { value: T } | { problem: string },
  ): Promise<T> => {
    for (;;) {
      const answer = ((await ask?.(`${text} (${fallback}): `)) ?? '').trim() || fallback;
      const parsed = parse(answer);
      if ('value' in parsed) return parsed.value;
      say(`  ${answer}: ${parsed.problem}`);
    }
  };
  const service =
    opts.service ??
    (ask
      ? await question<string>('Service name', defaults.service, (s) => {
          const problem = problems({ service: s, runtime: DEFAULT_RUNTIME, target: DEFAULT_TARGET }).get('service');
          return problem ? { problem } : { value: s };
        })
      : defaults.service);
  const runtime =
    (opts.runtime === undefined ? undefined : parseRuntime(opts.runtime)) ??
    (ask
      ? await question<InitRuntime>(`Runtime: ${runtimes().join(', ')}`, defaults.runtime, (r) => {
          const value = parseRuntime(r);
          return value ? { value } : { problem: runtimeExpected() };
        })
      : defaults.runtime);
  if (runtime === 'workers') return { service, runtime };
  const target =
    opts.target ??
    (ask
      ? await question<string>('Target Prometheus scrapes (host:port)', defaults.target, (t) => {
          const problem = problems({ service, runtime, target: t }).get('target');
          return problem ? { problem } : { value: t };
        })
      : defaults.target);
  return { service, runtime, target };
}

/** A terminal prompt when stdin and stdout are both TTYs; undefined otherwise (non-interactive: defaults). */
function terminalAsk(): { ask: Ask; close: () => void } | undefined {
  if (!process.stdin.isTTY || !process.stdout.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  return { ask: (q) => rl.question(q), close: () => rl.close() };
}

interface PackageJsonPlan {
  /** The new text; undefined when nothing changes. */
  text: string | undefined;
  created: boolean;
  changes: string[];
  /** `"type": "module"`: monitoring.config.ts (`export default`) is read as an ES module. */
  esm: boolean;
}

/** What to write to package.json. Throws on a conflicting script or invalid JSON. */
function planPackageJson(path: string, dir: string, version: string): PackageJsonPlan {
  if (!existsSync(path)) {
    const pkg = {
      name: packageNameFrom(basename(dir)),
      private: true,
      type: 'module',
      scripts: { ...SCRIPTS },
      devDependencies: { [PACKAGE_NAME]: `^${version}` },
    };
    return {
      text: `${JSON.stringify(pkg, null, 2)}\n`,
      created: true,
      esm: true,
      changes: [`devDependencies["${PACKAGE_NAME}"]`, ...Object.keys(SCRIPTS).map((s) => `scripts["${s}"]`)],
    };
  }
  const before = readFileSync(path, 'utf8');
  let pkg: unknown;
  try {
    pkg = JSON.parse(before);
  } catch (err) {
    throw new UserError(`package.json: not valid JSON (${(err as Error).message}); fix it and run ghmon init again`);
  }
  if (!isObject(pkg)) throw new UserError('package.json: expected a JSON object');
  for (const key of ['scripts', 'devDependencies', 'dependencies'] as const) {
    if (pkg[key] !== undefined && !isObject(pkg[key])) throw new UserError(`package.json: "${key}" is not an object`);
  }
  const scripts = (pkg.scripts ?? {}) as Record<string, unknown>;
  const clash = Object.entries(SCRIPTS).filter(([name, command]) => name in scripts && scripts[name] !== command);
  if (clash.length > 0) {
    throw new UserError(
      `package.json already has ${clash.length === 1 ? 'a script' : 'scripts'} ${clash.map(([n]) => `"${n}"`).join(' and ')}: ghmon init would replace ${clash.length === 1 ? 'it' : 'them'}; rename or remove ${clash.length === 1 ? 'it' : 'them'} first (nothing was written)`,
      clash.map(([name, command]) => `"${name}": ${JSON.stringify(scripts[name])} (ghmon init writes "${command}")`),
    );
  }
  const changes: string[] = [];
  const deps = pkg.dependencies as Record<string, unknown> | undefined;
  const devDeps = (pkg.devDependencies ?? {}) as Record<string, unknown>;
  if (deps?.[PACKAGE_NAME] === undefined && devDeps[PACKAGE_NAME] === undefined) {
    pkg.devDependencies = withKey(devDeps, PACKAGE_NAME, `^${version}`);
    changes.push(`devDependencies["${PACKAGE_NAME}"]`);
  }
  let newScripts = scripts;
  for (const [name, command] of Object.entries(SCRIPTS)) {
    if (name in newScripts) continue;
    newScripts = { ...newScripts, [name]: command };
    changes.push(`scripts["${name}"]`);
  }
  if (newScripts !== scripts) pkg.scripts = newScripts;
  const esm = pkg.type === 'module';
  if (changes.length === 0) return { text: undefined, created: false, changes, esm };
  const indent = /^[ \t]+(?=")/m.exec(before)?.[0] ?? '  ';
  const eol = before.includes('\r\n') ? '\r\n' : '\n';
  let text = JSON.stringify(pkg, null, indent);
  if (eol !== '\n') text = text.replace(/\n/g, eol);
  if (/\r?\n$/.test(before) || before === '') text += eol;
  return { text, created: false, changes, esm };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `o` with `key` added: in alphabetical place if `o`'s keys are sorted (as npm keeps them), else at the end. */
function withKey(o: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const keys = Object.keys(o);
  const sorted = keys.every((k, i) => i === 0 || (keys[i - 1] as string) <= k);
  const entries = [...Object.entries(o), [key, value] as const];
  if (sorted) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

/** Writes `text` to `path` through a temporary sibling and a rename: readers see the old file or the new one. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.ghmon-init-${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { flag: 'wx' });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export async function init(opts: InitOptions, io: Io): Promise<number> {
  const dir = resolve(opts.dir ?? '.');
  const shown = relative(process.cwd(), dir) || '.';
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`--dir ${opts.dir}: not a directory`);
  const existing = CONFIG_FILES.filter((f) => existsSync(join(dir, f)));
  if (existing.length > 0) {
    throw new UserError(
      `${join(shown, existing[0] as string)} already exists: ghmon init does not overwrite a config (nothing was written)`,
    );
  }
  checkFlags(opts);
  const version = ownVersion();
  const pkgPath = join(dir, 'package.json');
  // Before asking anything: a package.json that cannot be updated fails now, not after the questions.
  planPackageJson(pkgPath, dir, version);

  const terminal = opts.ask ? undefined : terminalAsk();
  let a: InitAnswers;
  try {
    a = await answers(opts, dir, opts.ask ?? terminal?.ask, (line) => io.err(line));
  } finally {
    terminal?.close();
  }
  const config: MonitoringConfig = validateConfig({ services: [serviceInput(a)] }, `${INIT_CONFIG_FILE} (ghmon init)`);
  const text = renderConfig(a, config);

  // Every precondition again, right before writing (answering took time; the directory may have changed).
  const appeared = CONFIG_FILES.filter((f) => existsSync(join(dir, f)));
  if (appeared.length > 0) {
    throw new UserError(`${join(shown, appeared[0] as string)} appeared meanwhile: not overwritten (nothing written)`);
  }
  const pkg = planPackageJson(pkgPath, dir, version);

  mkdirSync(dir, { recursive: true });
  writeAtomically(join(dir, INIT_CONFIG_FILE), text);
  if (pkg.text !== undefined) writeAtomically(pkgPath, pkg.text);

  for (const line of report(a, config, pkg, shown)) io.out(line);
  return 0;
}

/** What was written and what to do next. */
function report(a: InitAnswers, config: MonitoringConfig, pkg: PackageJsonPlan, shown: string): string[] {
  const where = (f: string) => (shown === '.' ? f : join(shown, f));
  const how = a.target === undefined ? 'pushed over remote write' : `scraped at ${a.target}`;
  const lines = [`ghmon init: wrote ${where(INIT_CONFIG_FILE)}: service ${a.service} (${a.runtime}), ${how}`];
  lines.push(
    pkg.text === undefined
      ? `ghmon init: ${where('package.json')} already has ${PACKAGE_NAME} and the scripts`
      : `ghmon init: ${pkg.created ? 'created' : 'updated'} ${where('package.json')}: ${pkg.changes.join(', ')}`,
  );
  const steps: [string, string][] = [
    ...(shown === '.' ? [] : [[`cd ${shown}`, ''] as [string, string]]),
    ...(pkg.esm
      ? []
      : [
          [
            'add "type": "module" to package.json',
            `${INIT_CONFIG_FILE} is an ES module (export default); init leaves "type" to you`,
          ] as [string, string],
        ]),
    ['npm install', `installs ${PACKAGE_NAME}; ghmon check also needs promtool and amtool on the PATH`],
    [`edit ${INIT_CONFIG_FILE}`, 'thresholds, SLOs, more services: each field says what it means'],
    ['npx ghmon build', 'writes out/ (npm run monitoring:build does the same)'],
    ['npx ghmon check', 'promtool, amtool and the metric-contract check on out/ (npm run monitoring:check)'],
  ];
  const width = Math.max(...steps.map(([command]) => command.length));
  lines.push('', 'Next steps:');
  for (const [i, [command, why]] of steps.entries()) {
    lines.push(`  ${i + 1}. ${why ? `${command.padEnd(width)}   # ${why}` : command}`);
  }
  const { page, ticket } = config.routing;
  lines.push(
    '',
    'PagerDuty routing keys (Events API v2 integration keys) are read from files, never from the config:',
    `  Alertmanager reads ${page.routingKeyFile} (pages)`,
    `  and ${ticket.routingKeyFile} (tickets) (routing.page/ticket.routingKeyFile);`,
    '  Compose and `ghmon deploy kubernetes` take them from $GHMON_SECRETS_DIR/ghmon-pagerduty/page-routing-key',
    '  and $GHMON_SECRETS_DIR/ghmon-pagerduty/ticket-routing-key.',
  );
  const scrape = config.services[0]?.scrape;
  const auth = scrape && resolveScrapeAuth(a.service, scrape);
  if (a.runtime === 'workers') {
    lines.push(
      '',
      "The Worker pushes its own series: wrap it with withRemoteWrite from '@greyhaven/metrics/workers', labelled",
      `{ service: '${a.service}', job: '${a.service}', runtime: 'workers' }, pushing to Prometheus' /api/v1/write.`,
    );
  } else if (auth) {
    lines.push(
      '',
      `${a.target} is not on this machine: Prometheus scrapes its /metrics with a bearer token, read from`,
      `  ${auth.bearerTokenFile}`,
      `  (Compose and \`ghmon deploy kubernetes\`: $GHMON_SECRETS_DIR/${metricsTokenSecret(a.service)}/${METRICS_TOKEN_KEY}).`,
    );
  }
  return lines;
}
