/**
 * `ghmon init`: flags and defaults → monitoring.config.ts and package.json, refusals that write nothing, and the
 * generated config passing `ghmon build` and `ghmon check`.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { init, ownVersion, serviceNameFrom } from '../src/cli/init.ts';
import { ghmon, REPO_ROOT } from './helpers.ts';

// promtool runs every alert's unit tests (~15 s of CPU); on a shared 2-core machine give it room.
vi.setConfig({ testTimeout: 180_000 });

// The generated config imports '@greyhaven/monitoring', which does not resolve from a directory outside the
// repository (os.tmpdir()). These directories are inside the repository's ignored node_modules/, so the import
// resolves to this workspace package through the root node_modules/@greyhaven/monitoring link.
const ROOT = join(REPO_ROOT, 'node_modules', '.cache', 'ghmon-test');
let parent: string;

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/** A new directory named `name` (in a directory of its own, so that names can repeat). */
function project(name = 'payments-monitoring'): string {
  const dir = join(mkdtempSync(join(parent, 'p-')), name);
  mkdirSync(dir);
  return dir;
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
const readJson = (dir: string, file: string) => JSON.parse(read(dir, file)) as Record<string, unknown>;

let stdinTTY: PropertyDescriptor | undefined;
beforeAll(() => {
  mkdirSync(ROOT, { recursive: true });
  parent = mkdtempSync(join(ROOT, 'init-'));
  // Never a terminal here, even when vitest runs in one: init would otherwise ask its questions.
  stdinTTY = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');
  Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
});
afterAll(() => {
  if (stdinTTY) Object.defineProperty(process.stdin, 'isTTY', stdinTTY);
  else delete (process.stdin as { isTTY?: boolean }).isTTY;
  rmSync(parent, { recursive: true, force: true });
});

describe('ghmon init', () => {
  it('writes the config from the flags, and a package.json', async () => {
    const dir = project();
    const r = await ghmon(
      'init',
      '--dir',
      dir,
      '--service',
      'payments',
      '--runtime',
      'python',
      '--target',
      'payments.internal:8000',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const config = read(dir, 'monitoring.config.ts');
    const lines = config.split('\n');
    for (const line of [
      "import { defineMonitoring } from '@greyhaven/monitoring';",
      'export default defineMonitoring({',
      "      name: 'payments',",
      "      runtime: 'python',",
      "      scrape: { targets: ['payments.internal:8000'], scheme: 'http', metricsPath: '/metrics' },",
      "  scrapeInterval: '15s',",
      "  retention: '30d',",
      "  slo: { availability: { objective: 99.9, window: '30d' } },",
      "    errorRatio: { threshold: 0.01, for: '5m', severity: 'critical' },",
      "    latencyP95: { threshold: 0.5, for: '5m', severity: 'warning' },",
      "    latencyP99: { threshold: 1, for: '5m', severity: 'critical' },",
      "    cpuPercent: { threshold: 80, for: '10m', severity: 'warning' },",
      "    memoryPercent: { threshold: 85, for: '5m', severity: 'critical' },",
      "    page: { routingKeyFile: '/etc/alertmanager/secrets/pagerduty-page-routing-key' },",
      "    ticket: { routingKeyFile: '/etc/alertmanager/secrets/pagerduty-ticket-routing-key' },",
      '});',
    ]) {
      expect(lines).toContain(line);
    }
    // Commented: what the fields mean and where the defaults come from; a non-local target's token file.
    expect(config).toContain(
      "  // The availability SLO of every service (the seed's): 99.9% of requests without a 5xx over a rolling 30d.\n",
    );
    expect(config).toMatch(/\/\/ The seed's alert thresholds/);
    expect(config).toMatch(/never written in this file/);
    expect(config).toContain('/etc/prometheus/secrets/ghmon-metrics-token-payments/token');
    expect(config).not.toMatch(/routingKey:|bearerToken:/);
    expect(lines.every((l) => l.length <= 120)).toBe(true);
    expect(config.endsWith('});\n')).toBe(true);

    expect(readJson(dir, 'package.json')).toEqual({
      name: 'payments-monitoring',
      private: true,
      type: 'module',
      scripts: { 'monitoring:build': 'ghmon build', 'monitoring:check': 'ghmon check' },
      devDependencies: { '@greyhaven/monitoring': `^${VERSION}` },
    });
    expect(read(dir, 'package.json')).toMatch(/^\{\n {2}"name"/);
    expect(readdirSync(dir).sort()).toEqual(['monitoring.config.ts', 'package.json']);

    expect(r.out).toContain('wrote');
    expect(r.out).toContain('Next steps:');
    for (const step of ['npm install', 'edit monitoring.config.ts', 'npx ghmon build', 'npx ghmon check']) {
      expect(r.out).toContain(step);
    }
    expect(r.out).toContain('$GHMON_SECRETS_DIR/ghmon-pagerduty/page-routing-key');
    expect(r.out).toContain('/etc/alertmanager/secrets/pagerduty-page-routing-key');
    expect(r.out).toContain('ghmon-metrics-token-payments/token');
    expect(r.out).not.toContain('"type": "module"');
  });

  it('writes the same text for the same answers', async () => {
    const texts = [];
    for (const name of ['a', 'b']) {
      const dir = project(name);
      expect((await ghmon('init', '--dir', dir, '--service', 'api', '--target', 'api.example.com:443')).code).toBe(0);
      texts.push(read(dir, 'monitoring.config.ts'));
    }
    expect(texts[0]).toBe(texts[1]);
    expect(texts[0]).toContain(
      "scrape: { targets: ['api.example.com:443'], scheme: 'https', metricsPath: '/metrics' }",
    );
  });

  it('defaults when not on a terminal: the directory name, typescript, localhost:8080', async () => {
    const dir = project('Payments_API-monitoring');
    const r = await ghmon('init', '--dir', dir);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const config = read(dir, 'monitoring.config.ts');
    expect(config).toContain("      name: 'payments-api',\n");
    expect(config).toContain("      runtime: 'typescript',\n");
    expect(config).toContain(
      "      scrape: { targets: ['localhost:8080'], scheme: 'http', metricsPath: '/metrics' },\n",
    );
    expect(readJson(dir, 'package.json').name).toBe('payments_api-monitoring');
    expect(r.out).not.toContain('ghmon-metrics-token'); // a local target is scraped without a token
  });

  it('sanitises a directory name into a service name', () => {
    expect(serviceNameFrom('payments-monitoring')).toBe('payments');
    expect(serviceNameFrom('Payments_API')).toBe('payments-api');
    expect(serviceNameFrom('2024 Checkout Service!')).toBe('checkout-service');
    expect(serviceNameFrom('monitoring')).toBe('monitoring');
    expect(serviceNameFrom('___')).toBe('service');
  });

  it('reads its own version from its package.json', () => {
    expect(ownVersion()).toBe(VERSION);
  });

  it('makes a workers service push over remote write, and accepts node for typescript', async () => {
    const dir = project();
    const r = await ghmon('init', '--dir', dir, '--service', 'edge', '--runtime', 'workers');
    expect(r.code, r.err).toBe(0);
    const config = read(dir, 'monitoring.config.ts');
    expect(config).toContain("      runtime: 'workers',\n");
    expect(config).toContain("      push: { protocol: 'remote-write' },\n");
    expect(config).not.toContain('scrape: {');
    expect(r.out).toContain('withRemoteWrite');
    expect(config.split('\n').every((l) => l.length <= 120)).toBe(true);

    const node = project();
    expect((await ghmon('init', '--dir', node, '--runtime', 'node')).code).toBe(0);
    expect(read(node, 'monitoring.config.ts')).toContain("      runtime: 'typescript',\n");
  });

  it.each([
    [['--service', 'Payments_API'], '--service Payments_API: expected a lowercase name'],
    [['--runtime', 'java'], '--runtime java: expected one of typescript, python, workers'],
    [['--target', 'http://api:8080/metrics'], '--target http://api:8080/metrics: expected host:port'],
    [['--target', 'api'], '--target api: expected host:port'],
    [['--runtime', 'workers', '--target', 'api:443'], '--target api:443: a workers service is not scraped'],
  ])('rejects %j: exit 2 naming the flag, nothing written', async (flags, message) => {
    const dir = project();
    const r = await ghmon('init', '--dir', dir, ...flags);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('lists every invalid flag at once', async () => {
    const dir = project();
    const r = await ghmon('init', '--dir', dir, '--service', '1x', '--runtime', 'go', '--target', 'x');
    expect(r.code).toBe(2);
    for (const flag of ['--service 1x', '--runtime go', '--target x']) expect(r.err).toContain(flag);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each(['monitoring.config.ts', 'monitoring.config.mjs', 'monitoring.config.js'])(
    'refuses to overwrite %s: exit 2, nothing written',
    async (file) => {
      const dir = project();
      const before = '// my own config\nexport default {};\n';
      writeFileSync(join(dir, file), before);
      const r = await ghmon('init', '--dir', dir, '--service', 'payments');
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${file} already exists`);
      expect(r.err).toContain('nothing was written');
      expect(read(dir, file)).toBe(before);
      expect(readdirSync(dir)).toEqual([file]);
    },
  );

  it('adds to an existing package.json, keeping its other fields and indentation', async () => {
    const dir = project();
    const pkg = {
      name: 'team-payments-monitoring',
      version: '1.2.3',
      description: 'our monitoring',
      scripts: { test: 'vitest run', 'monitoring:check': 'ghmon check' },
      dependencies: { yaml: '^2.0.0' },
      devDependencies: { typescript: '^5.0.0', '@biomejs/biome': '^2.0.0' },
      engines: { node: '>=20' },
    };
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 4)}\n`);
    const r = await ghmon('init', '--dir', dir, '--service', 'payments');
    expect(r.code, r.err).toBe(0);
    const text = read(dir, 'package.json');
    expect(text).toMatch(/^\{\n {4}"name": "team-payments-monitoring",\n/);
    expect(text.endsWith('}\n')).toBe(true);
    const after = JSON.parse(text) as typeof pkg;
    expect(after).toEqual({
      ...pkg,
      scripts: { test: 'vitest run', 'monitoring:check': 'ghmon check', 'monitoring:build': 'ghmon build' },
      devDependencies: { ...pkg.devDependencies, '@greyhaven/monitoring': `^${VERSION}` },
    });
    expect(Object.keys(after)).toEqual(Object.keys(pkg));
    // Not sorted before: appended, not reordered.
    expect(Object.keys(after.devDependencies)).toEqual(['typescript', '@biomejs/biome', '@greyhaven/monitoring']);
    expect(r.out).toContain('updated');
    // Its "type" is left as it was; without "module", the config's `export default` would not be read as ESM.
    expect(r.out).toContain('add "type": "module" to package.json');
  });

  it('keeps a version of @greyhaven/monitoring already installed', async () => {
    const dir = project();
    const pkg = { name: 'x', type: 'module', devDependencies: { '@greyhaven/monitoring': '0.0.9', zod: '^4.0.0' } };
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    expect((await ghmon('init', '--dir', dir)).code).toBe(0);
    const after = readJson(dir, 'package.json');
    expect(after.devDependencies).toEqual(pkg.devDependencies);
    expect(after.scripts).toEqual({ 'monitoring:build': 'ghmon build', 'monitoring:check': 'ghmon check' });
  });

  it('refuses to replace a script of the same name: exit 2 naming it, nothing written', async () => {
    const dir = project();
    const before = `${JSON.stringify({ name: 'x', scripts: { 'monitoring:build': 'make monitoring' } }, null, 2)}\n`;
    writeFileSync(join(dir, 'package.json'), before);
    const r = await ghmon('init', '--dir', dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('"monitoring:build"');
    expect(r.err).toContain('make monitoring');
    expect(read(dir, 'package.json')).toBe(before);
    expect(readdirSync(dir)).toEqual(['package.json']);
  });

  it('refuses a package.json that is not JSON, writing nothing', async () => {
    const dir = project();
    writeFileSync(join(dir, 'package.json'), '{ "name": ');
    const r = await ghmon('init', '--dir', dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('package.json: not valid JSON');
    expect(readdirSync(dir)).toEqual(['package.json']);
  });

  it('asks for what the flags leave out on a terminal, again after an invalid answer', async () => {
    const dir = project();
    const questions: string[] = [];
    const replies = ['Bad Name', 'checkout', 'workerz', 'python', ''];
    const err: string[] = [];
    const code = await init(
      {
        dir,
        ask: async (q) => {
          questions.push(q);
          return replies.shift() ?? '';
        },
      },
      { out: () => {}, err: (l) => err.push(l) },
    );
    expect(code).toBe(0);
    expect(questions).toEqual([
      'Service name (payments): ',
      'Service name (payments): ',
      'Runtime: typescript, python, workers (typescript): ',
      'Runtime: typescript, python, workers (typescript): ',
      'Target Prometheus scrapes (host:port) (localhost:8080): ',
    ]);
    expect(err.join('\n')).toContain('Bad Name: expected a lowercase name');
    expect(err.join('\n')).toContain('workerz: expected one of');
    const config = read(dir, 'monitoring.config.ts');
    expect(config).toContain("      name: 'checkout',\n");
    expect(config).toContain("      runtime: 'python',\n");
    expect(config).toContain("targets: ['localhost:8080']");
  });

  it('asks nothing when the flags answer everything', async () => {
    const dir = project();
    const ask = vi.fn(async () => '');
    const code = await init({ dir, service: 'edge', runtime: 'workers', ask }, { out: () => {}, err: () => {} });
    expect(code).toBe(0);
    expect(ask).not.toHaveBeenCalled();
  });

  it.each([
    ['a local typescript service', ['--service', 'web']],
    ['a workers service', ['--service', 'edge', '--runtime', 'workers']],
  ])('passes ghmon build for %s', async (_, flags) => {
    const dir = project();
    expect((await ghmon('init', '--dir', dir, ...flags)).code).toBe(0);
    const r = await ghmon('build', '--config', join(dir, 'monitoring.config.ts'), '--out', join(dir, 'out'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'out', 'prometheus', 'prometheus.yml'))).toBe(true);
  });

  it('passes ghmon build and ghmon check (promtool, amtool, unit tests, contract)', async () => {
    const dir = project();
    const flags = ['--service', 'payments', '--runtime', 'python', '--target', 'payments.internal:8000'];
    expect((await ghmon('init', '--dir', dir, ...flags)).code).toBe(0);
    const out = join(dir, 'out');
    const built = await ghmon('build', '--config', join(dir, 'monitoring.config.ts'), '--out', out);
    expect(built.err).toBe('');
    expect(built.code).toBe(0);
    const checked = await ghmon('check', '--out', out);
    expect(checked.err).toBe('');
    expect(checked.code).toBe(0);
    const prometheus = read(out, 'prometheus/prometheus.yml');
    expect(prometheus).toContain('payments.internal:8000');
    expect(prometheus).toContain('/etc/prometheus/secrets/ghmon-metrics-token-payments/token');
  });
});
