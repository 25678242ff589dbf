/**
 * out/compose/'s node_exporter behind basic auth, run for real: Debian's /usr/bin/prometheus-node-exporter (1.5,
 * the version the Compose image is pinned to) started with the generated service's flags and the generated
 * web-config template filled with a bcrypt hash made here (bcryptjs, from a random password) — the file Compose
 * mounts at /run/secrets/ghmon-web-config.web-config — answers 401 without or with wrong credentials and 200 with
 * them; a real Prometheus running the generated `node-exporter` scrape job (its `basic_auth.password_file` pointed at
 * the password file Compose would mount) gets `up == 1`, and the same job without basic_auth gets `up == 0` (401).
 * Only light collectors run (`--collector.disable-defaults` plus a few), so the test is quick and quiet.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { basicAuth, freePort, type RunningPrometheus, startPrometheus } from '../../../test/support/prometheus.ts';
import { until } from '../../../test/support/until.ts';
import { validateConfig } from '../src/config/load.ts';
import { JOB, OUT } from '../src/conventions.ts';
import { generate } from '../src/generate.ts';
import type { ScrapeConfig } from '../src/generators/prometheus/config/prometheus-yml.ts';
import { buildModel } from '../src/model/model.ts';
import { fillWebConfig } from '../src/model/web-config.ts';
import { toYaml } from '../src/util/yaml.ts';
import { tempDir } from './helpers.ts';

const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const SECRETS_MOUNT = '/run/secrets/';

const dir = tempDir('ghmon-compose-node-exporter-');
/** Stands in for /run/secrets/: Compose mounts `$GHMON_SECRETS_DIR/<name>/<key>` there as `<name>.<key>`. */
const secrets = join(dir, 'secrets');
const password = randomBytes(18).toString('base64url');

const files = generate(
  buildModel(
    validateConfig({
      services: [{ name: 'api', runtime: 'typescript', scrape: { targets: ['api.example.com:443'] } }],
    }),
  ),
);
const compose = parse(files.get(OUT.composeFile) as string) as {
  services: Record<string, { command?: string[]; secrets?: string[] }>;
};
const composeProm = parse(files.get(OUT.composePrometheusConfig) as string) as { scrape_configs: ScrapeConfig[] };
const onHost = (path: string) =>
  path.startsWith(SECRETS_MOUNT) ? join(secrets, path.slice(SECRETS_MOUNT.length)) : path;

const procs: ChildProcess[] = [];
let prometheus: RunningPrometheus | undefined;
let neBase = '';
let nePort = 0;

/** Starts a process and waits until `ready()` is true; its stderr is kept for the failure message. */
async function start(bin: string, args: string[], ready: () => Promise<boolean>): Promise<void> {
  const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  procs.push(proc);
  let log = '';
  proc.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-10_000);
  });
  // An exit ends the wait at once (a bad flag would otherwise show as a timeout).
  const outcome = await until(
    async () => (proc.exitCode !== null ? 'exited' : (await ready()) && 'ready'),
    bin,
    30_000,
  ).catch(() => {
    throw new Error(`${bin} not ready:\n${log}`);
  });
  if (outcome === 'exited') throw new Error(`${bin} exited (${proc.exitCode}):\n${log}`);
}

beforeAll(async () => {
  expect(existsSync(NODE_EXPORTER), `${NODE_EXPORTER} (Debian prometheus-node-exporter)`).toBe(true);
  mkdirSync(secrets);
  // The two secrets, as the user makes them (README.md): the password, and the template filled with its hash.
  writeFileSync(join(secrets, 'ghmon-web-auth.password'), `${password}\n`, { mode: 0o600 });
  const hash = bcrypt.hashSync(password, 10);
  writeFileSync(
    join(secrets, 'ghmon-web-config.web-config'),
    fillWebConfig(files.get(OUT.composeWebConfigTemplate) as string, hash),
    { mode: 0o600 },
  );
  // The generated service's flags, with its mounts mapped to this host: the secret file, and / for /host.
  const generated = compose.services['node-exporter']?.command ?? [];
  const args = generated.map((a) =>
    a === '--path.rootfs=/host' ? '--path.rootfs=/' : a.replace(/=(\/run\/secrets\/\S+)$/, (_, p) => `=${onHost(p)}`),
  );
  nePort = await freePort();
  neBase = `http://127.0.0.1:${nePort}`;
  await start(
    NODE_EXPORTER,
    [
      ...args,
      `--web.listen-address=127.0.0.1:${nePort}`,
      // Quick and quiet: only a few cheap collectors.
      '--collector.disable-defaults',
      '--collector.cpu',
      '--collector.loadavg',
      '--collector.meminfo',
      '--collector.time',
      '--log.level=warn',
    ],
    async () => (await fetch(`${neBase}/metrics`, { headers: basicAuth('ghmon', password) })).ok,
  );
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await Promise.all(
    procs.map(async (p) => {
      if (p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    }),
  );
  rmSync(dir, { recursive: true, force: true });
});

describe('out/compose node_exporter behind the web config (real node_exporter, real Prometheus)', () => {
  it('the generated service reads the one web-config secret', () => {
    expect(compose.services['node-exporter']?.command).toContain(
      '--web.config.file=/run/secrets/ghmon-web-config.web-config',
    );
    expect(compose.services['node-exporter']?.secrets).toEqual(['ghmon-web-config.web-config']);
  });

  it('node_exporter answers 401 without or with wrong credentials, 200 with them', async () => {
    const none = await fetch(`${neBase}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await none.text()).not.toMatch(/node_exporter_build_info/);
    expect((await fetch(`${neBase}/metrics`, { headers: basicAuth('ghmon', 'changeme') })).status).toBe(401);
    expect((await fetch(`${neBase}/metrics`, { headers: basicAuth('admin', password) })).status).toBe(401);
    const ok = await fetch(`${neBase}/metrics`, { headers: basicAuth('ghmon', password) });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^node_exporter_build_info\{.*version="1\.5\.0"/m);
  });

  it("a real Prometheus with the generated scrape job's basic_auth gets up == 1 (and 0 without it)", async () => {
    const job = composeProm.scrape_configs.find((j) => j.job_name === JOB.nodeExporter) as ScrapeConfig;
    expect(job.basic_auth).toEqual({ username: 'ghmon', password_file: '/run/secrets/ghmon-web-auth.password' });
    const target = `127.0.0.1:${nePort}`;
    // The generated job as it is, but for the two things that differ on this host: the target and the mount.
    const withAuth = {
      ...job,
      basic_auth: { ...(job.basic_auth as NonNullable<ScrapeConfig['basic_auth']>) },
      static_configs: [{ targets: [target] }],
    };
    withAuth.basic_auth.password_file = onHost(withAuth.basic_auth.password_file);
    const { basic_auth: _, ...noAuthJob } = withAuth;
    const withoutAuth = { ...noAuthJob, job_name: `${JOB.nodeExporter}-no-auth` };
    const promDir = join(dir, 'prometheus');
    mkdirSync(promDir);
    const config = join(promDir, 'prometheus.yml');
    writeFileSync(
      config,
      toYaml({ global: { scrape_interval: '1s', scrape_timeout: '1s' }, scrape_configs: [withAuth, withoutAuth] }, ''),
    );
    const check = spawnSync('promtool', ['check', 'config', config], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);

    prometheus = await startPrometheus({ configFile: config, dir: promDir });

    const targets = await prometheus.settled([JOB.nodeExporter, `${JOB.nodeExporter}-no-auth`]);
    const byJob = Object.fromEntries(targets.map((t) => [t.job, t]));
    expect(byJob[JOB.nodeExporter], JSON.stringify(targets)).toMatchObject({ health: 'up', lastError: '' });
    expect(byJob[`${JOB.nodeExporter}-no-auth`]?.health).toBe('down');
    expect(byJob[`${JOB.nodeExporter}-no-auth`]?.lastError).toMatch(/401/);

    const up = Object.fromEntries((await prometheus.query('up')).map((r) => [r.metric.job, r.value[1]]));
    expect(up).toEqual({ [JOB.nodeExporter]: '1', [`${JOB.nodeExporter}-no-auth`]: '0' });
  }, 60_000);
});
