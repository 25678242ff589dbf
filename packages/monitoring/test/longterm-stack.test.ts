/**
 * `ghmon up --long-term` on the real binaries: the stack runs VictoriaMetrics beside Prometheus, the local
 * prometheus.yml remote-writes to it (never to the config's own long-term store), its Prometheus-compatible API
 * answers the dashboards' queries, and `ghmon status` shows it. Test mode is `fast` (2 s intervals).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { until } from '../../../test/support/until.ts';
import { validateConfig } from '../src/config/load.ts';
import { OUT } from '../src/conventions.ts';
import { LONG_TERM_DASHBOARD, VICTORIA_METRICS } from '../src/stack/spec.ts';
import { stackStatus } from '../src/stack/status.ts';
import { freeStackPorts, type RunningStack, stackPorts, startStack } from '../src/stack/up.ts';
import { ghmon, tempDir } from './helpers.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const PRODUCTION_STORE = 'https://vm.greyhaven.internal/api/v1/write';

describe('ghmon up --long-term', () => {
  let stack: RunningStack;
  let state: string;
  const config = validateConfig({
    services: [
      { name: 'api', runtime: 'typescript', scrape: { targets: ['api.greyhaven.internal:8080'] } },
      // A push service: its demo pushes to Prometheus' receiver (which gets the flag), Prometheus forwards it.
      { name: 'edge', runtime: 'workers', push: { protocol: 'remote-write' } },
    ],
    longTerm: { remoteWrite: { url: PRODUCTION_STORE, queue: { maxShards: 5 } } },
  });

  beforeAll(async () => {
    state = tempDir('ghmon-lt-up-');
    const ports = await freeStackPorts(config, { longTerm: true });
    stack = await startStack({ config, stateDir: state, ports, rps: 5, fast: true, longTerm: true, graceMs: 5000 });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('has no VictoriaMetrics port without --long-term, and rejects it as an unknown --port then', () => {
    expect(stackPorts(config)).not.toHaveProperty(VICTORIA_METRICS);
    expect(stackPorts(config)).not.toHaveProperty(LONG_TERM_DASHBOARD);
    expect(stackPorts(config, {}, true)).toMatchObject({ [VICTORIA_METRICS]: 8428, [LONG_TERM_DASHBOARD]: 3001 });
    expect(() => stackPorts(config, { [VICTORIA_METRICS]: 18428 })).toThrow(/unknown component/);
  });

  it('runs VictoriaMetrics and points the local remote_write at it, not at the config’s store', () => {
    const vm = stack.info.components.find((c) => c.name === VICTORIA_METRICS);
    expect(vm?.port).toBe(stack.info.ports[VICTORIA_METRICS]);
    const yml = readFileSync(join(stack.info.out, OUT.prometheusConfig), 'utf8');
    expect(yml).toContain(`url: http://127.0.0.1:${vm?.port}/api/v1/write`);
    expect(yml).not.toContain(PRODUCTION_STORE);
    expect(yml).toContain('max_shards: 5'); // the config's own queue settings are kept
    const datasources = readFileSync(join(stack.info.out, OUT.grafanaDatasourceProvisioning), 'utf8');
    expect(datasources).toContain(`url: http://127.0.0.1:${vm?.port}`);
    const cmdline = readFileSync(join(state, 'logs', 'supervisor.log'), 'utf8');
    expect(cmdline).toContain('"name":"victoria-metrics"');
  });

  it('Prometheus gets the remote-write receiver flag because the config has a push service', async () => {
    const prom = `http://127.0.0.1:${stack.info.ports.prometheus}`;
    const flags = (await (await fetch(`${prom}/api/v1/status/flags`)).json()) as { data: Record<string, string> };
    expect(flags.data['web.enable-remote-write-receiver']).toBe('true');
  });

  it('VictoriaMetrics receives the stack’s samples and answers PromQL; ghmon status shows it', async () => {
    const vm = `http://127.0.0.1:${stack.info.ports[VICTORIA_METRICS]}`;
    const query = async (expr: string) => {
      await fetch(`${vm}/internal/force_flush`);
      const body = (await (await fetch(`${vm}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      return body.data.result;
    };
    const services = await until(
      async () => {
        const r = await query('sum by (service) (http_requests_total)');
        return r.length === 2 ? r : undefined;
      },
      'both demo services’ request counters in VictoriaMetrics',
      60_000,
      1000,
    );
    expect(services.map((r) => r.metric.service).sort()).toEqual(['api', 'edge']);
    // Recording rules are written too: dashboards on the long-term store read the same greyhaven: series.
    await until(
      async () => (await query('greyhaven:http_rps')).length === 1,
      'a recorded greyhaven: series',
      60_000,
      1000,
    );

    const status = await until(
      async () => {
        const s = await stackStatus(state);
        return s?.longTerm?.newestSampleAgeSeconds !== undefined ? s : undefined;
      },
      'status with a sample in the store',
      60_000,
      1000,
    );
    expect(status.longTerm).toMatchObject({ ready: true, queryUrl: vm });

    // The second dashboard viewer serves the same dashboards over the store's data.
    const viewer = `http://127.0.0.1:${stack.info.ports[LONG_TERM_DASHBOARD]}`;
    const listed = (await (await fetch(`${viewer}/dashboards/`)).json()) as unknown[];
    expect(listed.length).toBeGreaterThan(0);
    const viaViewer = (await (
      await fetch(`${viewer}/api/v1/query?query=${encodeURIComponent('sum by (service) (http_requests_total)')}`)
    ).json()) as {
      data: { result: unknown[] };
    };
    expect(viaViewer.data.result).toHaveLength(2);

    const cli = await ghmon('status', '--state', state);
    expect(cli.out).toMatch(
      /ok {3}long-term {5}ready; newest sample \d+s old; \d+ samples pending in Prometheus; query http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query/,
    );
  });
});
