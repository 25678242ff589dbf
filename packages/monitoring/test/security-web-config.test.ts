/**
 * web.config.file for Prometheus and Alertmanager: the template filled with a bcrypt hash made here (bcryptjs,
 * from a random password) passes `promtool check web-config` (with and without TLS); a real Prometheus started
 * with it answers 401 without credentials and 200 with them, and scrapes itself with `basic_auth.password_file`
 * (up = 1); a plain password is refused as a hash.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, describe, expect, it } from 'vitest';
import { fillWebConfig, webConfigTemplate } from '../src/model/web-config.ts';
import { toYaml } from '../src/util/yaml.ts';
import { basicAuth, startAuthPrometheus } from './web-auth-prometheus.ts';

const dir = mkdtempSync(join(tmpdir(), 'ghmon-webcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const password = randomBytes(18).toString('base64url');
const hash = bcrypt.hashSync(password, 10);

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
    const prom = await startAuthPrometheus({ dir, webConfigFile: web, passwordFile: pwFile, password });
    try {
      const url = `${prom.base}/api/v1/status/buildinfo`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: basicAuth('ghmon', 'changeme') })).status).toBe(401);
      expect((await fetch(url, { headers: basicAuth('ghmon', password) })).status).toBe(200);
      expect(await prom.selfScrapeUp()).toBe('1');
    } finally {
      await prom.stop();
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
