/**
 * End to end: a real Prometheus (Debian's /usr/bin/prometheus) scrapes the example service (examples/ts-service)
 * with the prometheus.yml and rules that `ghmon build` generates from a config naming that service, and the
 * recording rules come out right through Prometheus' HTTP API.
 *
 * Short intervals (test only): scrape and rule evaluation every 1s instead of the seed's 15s, so the 1m/5m rate
 * windows have enough samples within seconds. Traffic is bounded: 8 client loops on 127.0.0.1 for at most ~60s,
 * with injected 20% errors and 30ms latency on the id routes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpMetrics } from '@greyhaven/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../../examples/ts-service/src/service.ts';
import { freePort, type RunningPrometheus, type Sample, startPrometheus } from '../../../test/support/prometheus.ts';
import { until } from '../../../test/support/until.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SERVICE = 'ts-service';

let dir: string;
let service: Service;
let prometheus: RunningPrometheus | undefined;
let stopTraffic = false;
let traffic: Promise<void> | undefined;

/** Throws unless Prometheus answers `success` (inside `until`, that fails the test). */
async function query(expr: string): Promise<Sample[]> {
  if (!prometheus) throw new Error('prometheus not started');
  return prometheus.query(expr);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ghmon-e2e-'));
  service = createService({ metrics: new HttpMetrics(), injection: { errorRate: 0.2, latencyMs: 30 } });
  const serviceUrl = await service.listen(await freePort(), '127.0.0.1');
  const target = new URL(serviceUrl).host;

  // The config, in the documented format (a TS module exporting defineMonitoring({...})).
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  const monitoring = join(ROOT, 'packages/monitoring/src/index.ts');
  writeFileSync(
    join(dir, 'monitoring.config.ts'),
    `import { defineMonitoring } from ${JSON.stringify(monitoring)};
export default defineMonitoring({
  environment: 'e2e',
  scrapeInterval: '1s',
  evaluationInterval: '1s',
  services: [{ name: ${JSON.stringify(SERVICE)}, runtime: 'typescript', scrape: { targets: [${JSON.stringify(target)}] } }],
  // No Alertmanager: this test's alerts must never reach a local stack's Alertmanager on the default port.
  alertmanager: { targets: ['127.0.0.1:1'] },
});
`,
  );
  const out = join(dir, 'out');
  execFileSync(
    join(ROOT, 'node_modules/.bin/ghmon'),
    ['build', '--config', join(dir, 'monitoring.config.ts'), '--out', out],
    {
      cwd: ROOT,
      stdio: 'pipe',
    },
  );
  const config = join(out, 'prometheus/prometheus.yml');
  expect(readFileSync(config, 'utf8')).toContain(target);

  prometheus = await startPrometheus({ configFile: config, dir: join(dir, 'prometheus') });

  // Bounded traffic: 8 loops until stopped, at most 60s.
  const deadline = Date.now() + 60_000;
  const paths = ['/users/1', '/users/22', '/orders/7/items', '/health', '/users/333', '/orders/8/items'];
  traffic = Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = w; !stopTraffic && Date.now() < deadline; i++) {
        const r = await fetch(`${serviceUrl}${paths[i % paths.length]}`).catch(() => undefined);
        await r?.arrayBuffer();
      }
    }),
  ).then(() => undefined);
}, 90_000);

afterAll(async () => {
  stopTraffic = true;
  await traffic;
  await prometheus?.stop();
  await service?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Prometheus scrapes the example service with the generated config and rules', () => {
  it('scrapes the target with the service label, the contract labels and pre-initialised 500s', async () => {
    await until(async () => (await query(`up{job="${SERVICE}"} == 1`)).length === 1, 'target up', 30_000);
    const series = await query(`http_requests_total{service="${SERVICE}",route="/users/:id",status="200"}`);
    expect(series.length).toBeGreaterThan(0);
    expect(series[0]?.metric.job).toBe(SERVICE);
    expect(series[0]?.metric.method).toBe('GET');
    // Pre-initialised: the 500 series of a seen route exists even before (or without) a failure.
    expect((await query(`http_requests_total{service="${SERVICE}",route="/health",status="500"}`)).length).toBe(1);
  }, 60_000);

  it('records greyhaven:http_rps, greyhaven:http_errors:rate5m:by_service and greyhaven:http_request_duration:p95', async () => {
    let rps: Sample[] = [];
    let errors: Sample[] = [];
    let p95: Sample[] = [];
    await until(
      async () => {
        rps = await query('greyhaven:http_rps');
        errors = await query(`greyhaven:http_errors:rate5m:by_service{service="${SERVICE}"}`);
        p95 = await query(`greyhaven:http_request_duration:p95{service="${SERVICE}"}`);
        return rps.length > 0 && errors.length > 0 && p95.length > 0 && Number(rps[0]?.value[1]) > 0;
      },
      'recording rules',
      45_000,
    );
    // The seed's http_rps sums over everything (no service label, by the rule's definition).
    expect(rps).toHaveLength(1);
    const requestsPerSecond = Number(rps[0]?.value[1]);
    expect(requestsPerSecond).toBeGreaterThan(1);
    expect(requestsPerSecond).toBeLessThan(5000);

    expect(errors).toHaveLength(1);
    expect(errors[0]?.metric.service).toBe(SERVICE);
    const errorRatio = Number(errors[0]?.value[1]);
    // 20% injected on the id routes (5 of 6 paths), none on /health: ≈ 0.17 overall.
    expect(errorRatio).toBeGreaterThan(0.05);
    expect(errorRatio).toBeLessThan(0.4);

    expect(p95).toHaveLength(1);
    expect(p95[0]?.metric.service).toBe(SERVICE);
    const seconds = Number(p95[0]?.value[1]);
    // At least 30ms is injected on 5 of 6 paths, so the p95 request took ≥ 30ms: above the 0.01 bucket. No upper
    // bound tighter than the largest bucket: a loaded machine stretches timers (no timing assertions here).
    expect(seconds).toBeGreaterThan(0.01);
    expect(seconds).toBeLessThanOrEqual(5);
  }, 90_000);
});
