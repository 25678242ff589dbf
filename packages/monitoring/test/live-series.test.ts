/**
 * `ghmon check --prometheus URL` (live/series) against a real Prometheus: it scrapes a small target serving the
 * contract's HTTP metrics under the service label `web`, while the minimal build's rules select `service="demo"`.
 * The check warns where the rules would compute on nothing — metrics with no series at all (node_exporter, DB pool)
 * and selectors whose label values do not line up (listing the values seen) — stays quiet on selectors that match,
 * and turns an unreachable or unauthorised Prometheus into one error.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedPrometheus, startPrometheus } from '../../../test/support/prometheus.ts';
import { runChecks } from '../src/checks/index.ts';
import { LIVE_SERIES, liveSeries } from '../src/checks/live-series.ts';
import { fillWebConfig, webConfigTemplate } from '../src/model/web-config.ts';
import { formatFinding } from '../src/util/finding.ts';
import { toYaml } from '../src/util/yaml.ts';
import { FIXTURES, ghmon, tempDir } from './helpers.ts';
import { startAuthPrometheus } from './web-auth-prometheus.ts';

const EXPOSITION = `# TYPE http_requests_total counter
http_requests_total{method="GET",route="/users/:id",status="200"} 10
http_requests_total{method="GET",route="/users/:id",status="500"} 1
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{method="GET",route="/users/:id",status="200",le="0.1"} 9
http_request_duration_seconds_bucket{method="GET",route="/users/:id",status="200",le="+Inf"} 10
http_request_duration_seconds_sum{method="GET",route="/users/:id",status="200"} 0.8
http_request_duration_seconds_count{method="GET",route="/users/:id",status="200"} 10
`;

let out: string;
let target: Server;
let prom: StartedPrometheus;
let unauthorised: Server;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(`127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`);
    }),
  );
}

beforeAll(async () => {
  out = join(tempDir('ghmon-live-'), 'out');
  const built = await ghmon('build', '--config', join(FIXTURES, 'minimal.config.ts'), '--out', out);
  expect(built.code, built.err).toBe(0);
  target = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(EXPOSITION);
  });
  const host = await listen(target);
  prom = await startPrometheus({
    config: `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: web\n    static_configs:\n      - targets: ['${host}']\n        labels: { service: web }\n`,
  });
  await prom.settled(['web']);
  unauthorised = createServer((_req, res) => {
    res.writeHead(401, { 'www-authenticate': 'Basic' });
    res.end('Unauthorized');
  });
  await listen(unauthorised);
}, 60_000);

afterAll(async () => {
  await prom?.stop();
  target?.close();
  unauthorised?.close();
});

describe('live/series against a real Prometheus', () => {
  it('warns about metrics with no series and selectors whose labels do not line up; quiet where they match', async () => {
    const { findings } = await runChecks(out, [liveSeries({ url: prom.url })]);
    const lines = findings.map(formatFinding);
    expect(findings.every((f) => f.check === LIVE_SERIES && f.severity === 'warning')).toBe(true);
    // Nothing emits node_exporter's or the DB pool's metrics here.
    expect(lines.join('\n')).toMatch(
      /no series named node_cpu_seconds_total in http:\/\/127\.0\.0\.1:\d+ over the last hour/,
    );
    expect(lines.join('\n')).toMatch(/no series named db_pool_connections_active/);
    // The SLO rules select service="demo"; the target is labelled web: the values seen are listed.
    expect(lines.join('\n')).toMatch(
      /slo_demo:greyhaven:slo_errors:ratio_rate5m: warning: http_requests_total has series in http:\/\/127\.0\.0\.1:\d+, but none match http_requests_total\{service="demo",status=~"5\.\."\} over the last hour \(values seen — service: web; status: 200, 500\)/,
    );
    // Selectors without matchers on these metrics find the series: no warning names them alone.
    expect(lines.filter((l) => /no series named http_request/.test(l))).toEqual([]);
    // Recording rules, ALERTS and absent() arguments are not asked about.
    expect(lines.filter((l) => /greyhaven:[a-z_:0-9]+\{|named greyhaven:|named ALERTS/.test(l))).toEqual([]);
  });

  it('through the CLI: warnings only, so exit 0, and the JSON report carries them', async () => {
    const r = await ghmon('check', '--out', out, '--prometheus', prom.url, '--format', 'json');
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as {
      clean: boolean;
      warnings: number;
      checks: { id: string; findings: number; errors: number }[];
    };
    expect(report.clean).toBe(true);
    expect(report.warnings).toBeGreaterThan(2);
    expect(report.checks.at(-1)).toMatchObject({ id: LIVE_SERIES, errors: 0 });
    const text = await ghmon('check', '--out', out, '--prometheus', prom.url);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/warn live\/series/);
    expect(text.out).toMatch(/ghmon check: \S+ has no problem, \d+ warnings/);
  }, 120_000);

  it('behind the Compose web config: basic auth from --prometheus-password-file; 401 without it', async () => {
    const dir = tempDir('ghmon-live-auth-');
    const password = randomBytes(18).toString('base64url');
    const web = join(dir, 'web-config.yml');
    writeFileSync(web, fillWebConfig(toYaml(webConfigTemplate(), ''), bcrypt.hashSync(password, 10)));
    const pwFile = join(dir, 'password');
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    const authed = await startAuthPrometheus({ dir, webConfigFile: web, passwordFile: pwFile, password });
    try {
      expect(await authed.selfScrapeUp()).toBe('1');
      const denied = await runChecks(out, [liveSeries({ url: authed.base })]);
      expect(denied.findings.map((f) => f.message)).toEqual([
        `${authed.base} answered 401: give --prometheus-password-file`,
      ]);
      const { findings } = await runChecks(out, [liveSeries({ url: authed.base, passwordFile: pwFile })]);
      // Through: Prometheus' own metrics are there, the application's are not (nothing scrapes them here).
      expect(findings.every((f) => f.severity === 'warning')).toBe(true);
      expect(findings.map((f) => f.message).join('\n')).toMatch(/no series named http_requests_total/);
      expect(findings.map((f) => f.message).join('\n')).not.toMatch(/prometheus_config_last_reload_successful/);
      for (const f of [...denied.findings, ...findings]) expect(f.message).not.toContain(password);
      const missing = await ghmon(
        'check',
        '--out',
        out,
        '--prometheus',
        authed.base,
        '--prometheus-password-file',
        join(dir, 'nope'),
      );
      expect(missing.code).toBe(2);
      expect(missing.err).toMatch(/^ghmon: --prometheus-password-file \S+\/nope: cannot read it \(ENOENT\)$/);
    } finally {
      await authed.stop();
    }
  }, 90_000);

  it('an unreachable or unauthorised Prometheus is one error, and a bad URL a usage error', async () => {
    const a = unauthorised.address();
    const url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    const denied = await runChecks(out, [liveSeries({ url })]);
    expect(denied.findings.map((f) => [f.severity, f.message])).toEqual([
      ['error', `${url} answered 401: give --prometheus-password-file`],
    ]);
    const away = await runChecks(out, [liveSeries({ url: 'http://127.0.0.1:1' })]);
    expect(away.findings).toHaveLength(1);
    expect(away.findings[0]?.message).toMatch(/^http:\/\/127\.0\.0\.1:1 did not answer/);
    const bad = await ghmon('check', '--out', out, '--prometheus', 'localhost:9090');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('ghmon: --prometheus localhost:9090: expected an http(s) URL such as http://127.0.0.1:9090');
  });
});
