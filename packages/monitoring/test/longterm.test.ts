/**
 * Long-term storage: `longTerm` in the config → `remote_write` in prometheus.yml (checked by promtool), and for
 * real: Prometheus (Debian 2.42) remote-writes to VictoriaMetrics (Debian 1.79, started as `ghmon up --long-term`
 * starts it); VictoriaMetrics is stopped for a while and started again, and every sample Prometheus scraped in
 * the meantime reaches it (Prometheus retries from its WAL). Intervals are test-only (1 s); every wait is bounded.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningPrometheus, startPrometheus } from '../../../test/support/prometheus.ts';
import { until } from '../../../test/support/until.ts';
import { validateConfig } from '../src/config/load.ts';
import type { MonitoringInput } from '../src/config/schema.ts';
import { OUT } from '../src/conventions.ts';
import { generate } from '../src/generate.ts';
import { prometheusConfig } from '../src/generators/prometheus/config/prometheus-yml.ts';
import { buildModel } from '../src/model/model.ts';
import { layout } from '../src/stack/layout.ts';
import { BIN } from '../src/stack/spec.ts';
import { victoriaMetricsSpec, victoriaMetricsUrls } from '../src/stack/victoria-metrics.ts';
import { UserError } from '../src/util/errors.ts';
import { writeOutput } from '../src/util/write.ts';
import { tempDir } from './helpers.ts';

const PUSH_SERVICE = { name: 'edge', runtime: 'workers', push: { protocol: 'remote-write' } } as const;

function build(extra: Partial<MonitoringInput>) {
  return prometheusConfig(buildModel(validateConfig({ services: [PUSH_SERVICE], ...extra })));
}

function problems(input: unknown): readonly string[] {
  try {
    validateConfig(input);
  } catch (error) {
    if (error instanceof UserError) return error.problems;
    throw error;
  }
  return [];
}

describe('longTerm in the config → remote_write in prometheus.yml', () => {
  it('has no remote_write without longTerm', () => {
    expect(build({}).remote_write).toBeUndefined();
  });

  it('fills in queue defaults and derives the query URL', () => {
    const config = validateConfig({
      services: [PUSH_SERVICE],
      longTerm: { remoteWrite: { url: 'http://vm.internal:8428/api/v1/write' } },
    });
    const model = buildModel(config);
    expect(model.longTerm?.queryUrl).toBe('http://vm.internal:8428');
    expect(prometheusConfig(model).remote_write).toEqual([
      {
        name: 'long-term',
        url: 'http://vm.internal:8428/api/v1/write',
        remote_timeout: '30s',
        queue_config: {
          capacity: 10_000,
          min_shards: 1,
          max_shards: 50,
          max_samples_per_send: 2000,
          batch_send_deadline: '5s',
          min_backoff: '30ms',
          max_backoff: '5s',
          retry_on_http_429: true,
        },
      },
    ]);
  });

  it('takes a bearer token file, a queue override and an explicit query URL', () => {
    const config = validateConfig({
      services: [PUSH_SERVICE],
      longTerm: {
        remoteWrite: {
          url: 'https://mimir.internal/api/v1/push',
          name: 'mimir',
          bearerTokenFile: '/etc/prometheus/secrets/mimir-token',
          queue: { maxShards: 10, maxBackoff: '30s' },
        },
        queryUrl: 'https://mimir.internal/prometheus/',
      },
    });
    const model = buildModel(config);
    expect(model.longTerm?.queryUrl).toBe('https://mimir.internal/prometheus');
    const [rw] = prometheusConfig(model).remote_write ?? [];
    expect(rw).toMatchObject({
      name: 'mimir',
      authorization: { type: 'Bearer', credentials_file: '/etc/prometheus/secrets/mimir-token' },
      queue_config: { max_shards: 10, max_backoff: '30s', capacity: 10_000 },
    });
  });

  it.each([
    [{ remoteWrite: { url: 'ftp://vm/api/v1/write' } }, 'longTerm.remoteWrite.url: expected an http(s) URL'],
    [{ remoteWrite: {} }, 'longTerm.remoteWrite.url:'],
    [
      { remoteWrite: { url: 'http://vm/api/v1/write', bearerTokenFile: 'token' } },
      'longTerm.remoteWrite.bearerTokenFile: expected an absolute path',
    ],
    [
      { remoteWrite: { url: 'http://vm/api/v1/write', queue: { maxShard: 3 } } },
      'longTerm.remoteWrite.queue.maxShard: unknown field (misspelt?)',
    ],
    [
      { remoteWrite: { url: 'http://vm/api/v1/write', queue: { minShards: 9, maxShards: 3 } } },
      'longTerm.remoteWrite.queue.minShards: expected minShards ≤ maxShards',
    ],
    [
      { remoteWrite: { url: 'http://vm/api/v1/write', queue: { batchSendDeadline: '5 s' } } },
      'longTerm.remoteWrite.queue.batchSendDeadline: expected a Prometheus duration',
    ],
    [
      { remoteWrite: { url: 'http://vm/api/v1/write' }, queryurl: 'http://vm' },
      'longTerm.queryurl: unknown field (misspelt?)',
    ],
  ])('rejects %j with its field path', (longTerm, message) => {
    const found = problems({ services: [PUSH_SERVICE], longTerm });
    expect(
      found.some((p) => p.startsWith(message)),
      found.join('\n'),
    ).toBe(true);
  });

  it('promtool accepts the generated prometheus.yml with remote_write', () => {
    const out = join(tempDir('ghmon-lt-'), 'out');
    const config = validateConfig({
      services: [PUSH_SERVICE],
      longTerm: { remoteWrite: { url: 'http://127.0.0.1:8428/api/v1/write', bearerTokenFile: '/tmp/token' } },
    });
    writeOutput(out, generate(buildModel(config)));
    const stdout = execFileSync(
      '/usr/bin/promtool',
      ['check', 'config', '--syntax-only', join(out, OUT.prometheusConfig)],
      {
        encoding: 'utf8',
      },
    );
    expect(stdout).toContain('is valid prometheus config file syntax');
    rmSync(out, { recursive: true, force: true });
  });
});

interface Matrix {
  metric: Record<string, string>;
  values: [number, string][];
}

function stop(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

describe('Prometheus → VictoriaMetrics over remote_write, with VictoriaMetrics down for a while', () => {
  const state = tempDir('ghmon-lt-stack-');
  const l = layout(state);
  let prometheus: RunningPrometheus | undefined;
  let vm: ChildProcess | undefined;
  let vmPort = 0;
  let log = '';
  const prom = () => {
    if (!prometheus) throw new Error('prometheus not started');
    return prometheus;
  };

  const startVm = () => {
    const spec = victoriaMetricsSpec({ layout: l, port: vmPort });
    expect(spec.command).toBe(BIN.victoriaMetrics);
    const child = spawn(spec.command, spec.args, { cwd: state, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-20_000);
    });
    return child;
  };
  const vmUrls = () => victoriaMetricsUrls(`http://127.0.0.1:${vmPort}`);

  /** Raw samples in VictoriaMetrics (after a force flush), timestamp ms → value. */
  async function vmSamples(selector: string): Promise<Map<number, number>> {
    await fetch(vmUrls().forceFlush);
    const res = await fetch(`${vmUrls().export}?match[]=${encodeURIComponent(selector)}`);
    const out = new Map<number, number>();
    for (const line of (await res.text()).split('\n').filter(Boolean)) {
      const row = JSON.parse(line) as { timestamps: number[]; values: number[] };
      row.timestamps.forEach((t, i) => {
        out.set(t, row.values[i] as number);
      });
    }
    return out;
  }

  /** Raw samples in Prometheus over the last `seconds`, timestamp ms → value. */
  async function promSamples(selector: string, seconds: number): Promise<Map<number, number>> {
    const data = await prom().api<{ result: Matrix[] }>(
      `/api/v1/query?query=${encodeURIComponent(`${selector}[${seconds}s]`)}`,
    );
    const out = new Map<number, number>();
    for (const series of data.result) {
      for (const [t, v] of series.values) out.set(Math.round(t * 1000), Number(v));
    }
    return out;
  }

  async function promValue(expr: string): Promise<number> {
    return Number((await prom().query(expr))[0]?.value[1] ?? Number.NaN);
  }

  beforeAll(async () => {
    vmPort = await freePort();
    const promPort = await freePort();
    const nobody = await freePort(); // Alertmanager and node_exporter targets nobody listens on
    const config = validateConfig({
      environment: 'longterm-test',
      scrapeInterval: '1s',
      evaluationInterval: '1s',
      services: [PUSH_SERVICE],
      prometheus: { targets: [`127.0.0.1:${promPort}`] },
      alertmanager: { targets: [`127.0.0.1:${nobody}`] },
      nodeExporter: { targets: [`127.0.0.1:${nobody}`] },
      // Short backoff (test only): the retry after VictoriaMetrics is back comes within a second.
      longTerm: { remoteWrite: { url: vmUrls().write, queue: { maxBackoff: '1s', batchSendDeadline: '1s' } } },
    });
    writeOutput(l.out, generate(buildModel(config)));
    expect(readFileSync(join(l.out, OUT.prometheusConfig), 'utf8')).toContain(vmUrls().write);

    vm = startVm();
    // On shutdown Prometheus flushes its remote-write queue: up to 15 s before SIGKILL.
    prometheus = await startPrometheus({
      configFile: join(l.out, OUT.prometheusConfig),
      dir: join(l.data, 'prometheus'),
      port: promPort,
      stopTimeoutMs: 15_000,
    });
    await until(async () => (await fetch(vmUrls().health)).ok, 'VictoriaMetrics ready', 30_000, 500);
  }, 60_000);

  afterAll(async () => {
    // Prometheus first: on shutdown it flushes its remote-write queue, which waits for a live store.
    await prometheus?.stop();
    await stop(vm);
    rmSync(state, { recursive: true, force: true });
  });

  it('samples reach VictoriaMetrics, and none is lost while it was down', async () => {
    const selector = 'scrape_samples_scraped{job="prometheus"}';
    await until(async () => (await vmSamples(selector)).size >= 3, 'the first samples in VictoriaMetrics', 30_000, 500);

    // Down for ~12 s (a clean stop, so VictoriaMetrics flushes what it had acknowledged).
    const downAt = Date.now();
    await stop(vm);
    await new Promise((r) => setTimeout(r, 12_000));
    vm = startVm();
    const backAt = Date.now();
    await until(async () => (await fetch(vmUrls().health)).ok, 'VictoriaMetrics back', 30_000, 500);

    // Prometheus resends the batches that failed; wait until VictoriaMetrics has samples from after the restart.
    await until(
      async () => [...(await vmSamples(selector)).keys()].some((t) => t > backAt + 3000),
      'samples from after the restart',
      60_000,
      500,
    );
    const seconds = Math.ceil((Date.now() - downAt) / 1000) + 10;
    const inPrometheus = await promSamples(selector, seconds);
    const inVm = await vmSamples(selector);
    const window = [...inPrometheus.entries()].filter(([t]) => t >= downAt - 5000 && t <= backAt + 2000);
    expect(window.length).toBeGreaterThanOrEqual(10); // ≈ 1 per second over the outage
    const missing = window.filter(([t, v]) => inVm.get(t) !== v);
    expect(missing, `samples Prometheus has and VictoriaMetrics lacks:\n${log}\n${prom().log()}`).toEqual([]);

    // Prometheus did see the outage and retried; it dropped and failed nothing.
    expect(await promValue('sum(prometheus_remote_storage_samples_retried_total)')).toBeGreaterThan(0);
    expect(await promValue('sum(prometheus_remote_storage_samples_failed_total)')).toBe(0);
    expect(await promValue('sum(prometheus_remote_storage_samples_dropped_total)')).toBe(0);

    // And the store answers PromQL like Prometheus (what the dashboards and `ghmon status` query).
    await fetch(vmUrls().forceFlush);
    const res = await fetch(
      `${vmUrls().query}/api/v1/query?query=${encodeURIComponent('count(up{job="prometheus"})')}`,
    );
    const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
    expect(body.status).toBe('success');
    expect(body.data.result[0]?.value[1]).toBe('1');
  }, 150_000);
});
