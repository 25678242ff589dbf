/**
 * web.config.file for Prometheus and Alertmanager: the template filled with a bcrypt hash made here (bcryptjs,
 * from a random password) passes `promtool check web-config` (with and without TLS); a real Prometheus started
 * with it answers 401 without credentials and 200 with them, and scrapes itself with `basic_auth.password_file`
 * (up = 1); a plain password is refused as a hash.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, describe, expect, it } from 'vitest';
import { toYaml } from '../src/output/yaml.ts';
import { fillWebConfig, webClientAuth, webConfigTemplate } from '../src/security/web-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'ghmon-webcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const password = randomBytes(18).toString('base64url');
const hash = bcrypt.hashSync(password, 10);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('web-config', () => {
  it('the template has a placeholder, never a hash of a default password', () => {
    expect(toYaml(webConfigTemplate(), '')).toBe('basic_auth_users:\n  ghmon: WEB_PASSWORD_BCRYPT\n');
  });

  it('refuses a plain password or a malformed hash', () => {
    const t = toYaml(webConfigTemplate(), '');
    expect(() => fillWebConfig(t, password)).toThrow(/bcrypt hash/);
    expect(() => fillWebConfig(t, 'ghmon:changeme')).toThrow(/bcrypt hash/);
    expect(fillWebConfig(t, `ghmon:${hash}\n`)).toContain(hash);
  });

  it('passes promtool check web-config, with and without TLS', () => {
    const plain = join(dir, 'web.yml');
    writeFileSync(plain, fillWebConfig(toYaml(webConfigTemplate(), ''), hash));
    const r = spawnSync('promtool', ['check', 'web-config', plain], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);

    const cert = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'pipe' },
    );
    const tls = join(dir, 'web-tls.yml');
    writeFileSync(tls, fillWebConfig(toYaml(webConfigTemplate({ tls: { certFile: cert, keyFile: key } }), ''), hash));
    const t = spawnSync('promtool', ['check', 'web-config', tls], { encoding: 'utf8' });
    expect(t.status, t.stdout + t.stderr).toBe(0);
  });

  it('a real Prometheus with it: 401 without credentials, 200 with them, and it scrapes itself with basic_auth', async () => {
    const web = join(dir, 'web-real.yml');
    writeFileSync(web, fillWebConfig(toYaml(webConfigTemplate(), ''), hash));
    const pwFile = join(dir, 'password');
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    const port = await freePort();
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      toYaml(
        {
          global: { scrape_interval: '1s' },
          scrape_configs: [
            { job_name: 'prometheus', ...webClientAuth(pwFile), static_configs: [{ targets: [`127.0.0.1:${port}`] }] },
          ],
        },
        '',
      ),
    );
    const check = spawnSync('promtool', ['check', 'config', config], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    mkdirSync(join(dir, 'tsdb'));
    const proc = spawn(
      '/usr/bin/prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.config.file=${web}`,
      ],
      { stdio: 'ignore' },
    );
    const base = `http://127.0.0.1:${port}`;
    const auth = { authorization: `Basic ${Buffer.from(`ghmon:${password}`).toString('base64')}` };
    try {
      const deadline = Date.now() + 30_000;
      while (
        !(await fetch(`${base}/-/ready`, { headers: auth }).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (Date.now() > deadline) throw new Error('prometheus not ready');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await fetch(`${base}/api/v1/status/buildinfo`)).status).toBe(401);
      const wrong = { authorization: `Basic ${Buffer.from('ghmon:changeme').toString('base64')}` };
      expect((await fetch(`${base}/api/v1/status/buildinfo`, { headers: wrong })).status).toBe(401);
      expect((await fetch(`${base}/api/v1/status/buildinfo`, { headers: auth })).status).toBe(200);
      let up: string | undefined;
      while (up !== '1' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        const q = (await (await fetch(`${base}/api/v1/query?query=up`, { headers: auth })).json()) as {
          data: { result: { value: [number, string] }[] };
        };
        up = q.data.result[0]?.value[1];
      }
      expect(up).toBe('1');
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
  }, 60_000);
});

describe('out/compose: web auth wired consistently', () => {
  it('the generated template, filled with a test hash, passes promtool; both servers read it; Prometheus sends basic_auth', async () => {
    const { buildModel } = await import('../src/model/model.ts');
    const { validateConfig } = await import('../src/config/load.ts');
    const { generate } = await import('../src/generate.ts');
    const { parse } = await import('yaml');
    const files = generate(
      buildModel(
        validateConfig({
          services: [{ name: 'api', runtime: 'typescript', scrape: { targets: ['api.example.com:443'] } }],
        }),
      ),
    );
    const template = files.get('compose/web-config.template.yml') as string;
    expect(template).toContain('WEB_PASSWORD_BCRYPT');
    expect(template).not.toMatch(/\$2[aby]\$/); // no hash at all in out/
    const filled = join(dir, 'compose-web.yml');
    writeFileSync(filled, fillWebConfig(template, hash));
    const r = spawnSync('promtool', ['check', 'web-config', filled], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);

    const compose = parse(files.get('compose/docker-compose.yml') as string);
    for (const s of ['prometheus', 'alertmanager']) {
      expect(compose.services[s].command).toContain('--web.config.file=/run/secrets/ghmon-web-config.web-config');
      expect(compose.services[s].secrets).toContain('ghmon-web-config.web-config');
    }
    const prom = parse(files.get('compose/prometheus/prometheus.yml') as string);
    const auth = { username: 'ghmon', password_file: '/run/secrets/ghmon-web-auth.password' };
    expect(prom.alerting.alertmanagers[0].basic_auth).toEqual(auth);
    const jobs = Object.fromEntries(prom.scrape_configs.map((j: { job_name: string }) => [j.job_name, j]));
    expect(jobs.prometheus.basic_auth).toEqual(auth);
    expect(jobs.alertmanager.basic_auth).toEqual(auth);
    expect(jobs.api.authorization).toEqual({
      type: 'Bearer',
      credentials_file: '/run/secrets/ghmon-metrics-token-api.token',
    });
    const ds = parse(files.get('compose/grafana/provisioning/datasources/ghmon.yml') as string);
    for (const d of ds.datasources) {
      expect(d.secureJsonData.basicAuthPassword).toBe('$__file{/run/secrets/ghmon-web-auth.password}');
    }
  });
});
