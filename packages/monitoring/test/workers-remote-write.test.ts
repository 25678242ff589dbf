/**
 * A Cloudflare Workers service configured as `push: { protocol: 'remote-write' }`, end to end on ghmon's own
 * output: `ghmon build` files pass `ghmon check` (promtool, amtool, the contract check), the stack's Prometheus
 * component gets the remote-write receiver flag, and a real Prometheus started from that component's command line
 * with the generated prometheus.yml and rules receives pushes from several workerd isolates (miniflare@3) running
 * `@greyhaven/metrics/workers` with the service's target labels. The recording rules aggregate the isolates by
 * service and keep no per-isolate `instance`; totals equal the requests sent. Intervals are test-only (1 s).
 */
import { mkdirSync, rmSync } from 'node:fs';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningPrometheus, startPrometheusCommand } from '../../../test/support/prometheus.ts';
import { until } from '../../../test/support/until.ts';
import { bundleWorker, startIsolate, writerState } from '../../metrics/fixtures/workers/harness.ts';
import { validateConfig } from '../src/config/load.ts';
import { EXTRA_ALERT, RECORD } from '../src/conventions.ts';
import { generate } from '../src/generate.ts';
import { buildModel } from '../src/model/model.ts';
import { stackComponents } from '../src/stack/components.ts';
import { layout } from '../src/stack/layout.ts';
import { REMOTE_WRITE_RECEIVER_FLAG } from '../src/stack/spec.ts';
import { writeOutput } from '../src/util/write.ts';
import { ghmon, tempDir } from './helpers.ts';

const ISOLATES = 3;
const REQUESTS_PER_ISOLATE = 150;

describe('a push (remote-write) Workers service on the generated config and rules', () => {
  const state = tempDir('ghmon-workers-');
  const l = layout(state);
  let prometheus: RunningPrometheus | undefined;
  let isolates: Miniflare[] = [];
  let labels: Record<string, string> = {};

  const query = async (expr: string) => {
    if (!prometheus) throw new Error('prometheus not started');
    return prometheus.query(expr);
  };

  beforeAll(async () => {
    const port = await freePort();
    const nobody = await freePort();
    const config = validateConfig({
      environment: 'workers-test',
      scrapeInterval: '1s',
      evaluationInterval: '1s',
      services: [
        {
          name: 'edge',
          job: 'edge-worker',
          runtime: 'workers',
          push: { protocol: 'remote-write' },
          labels: { team: 'platform' },
        },
      ],
      prometheus: { targets: [`127.0.0.1:${port}`] },
      alertmanager: { targets: [`127.0.0.1:${nobody}`] },
      nodeExporter: { targets: [`127.0.0.1:${nobody}`] },
    });
    const model = buildModel(config);
    writeOutput(l.out, generate(model));
    // What the Worker attaches: the service's target labels as ghmon computes them, and its job.
    const service = model.services[0];
    labels = { ...service?.targetLabels, job: service?.job ?? '' };

    const ports = {
      prometheus: port,
      alertmanager: nobody,
      'node-exporter': nobody,
      receiver: nobody,
      dashboard: nobody,
    };
    const spec = stackComponents(model, {
      layout: l,
      ports: { ...ports, edge: nobody },
      rps: 0,
      remoteWriteReceiver: true,
    }).find((s) => s.name === 'prometheus');
    expect(spec?.args).toContain(REMOTE_WRITE_RECEIVER_FLAG);
    mkdirSync(l.data, { recursive: true });
    // The component's own command line, not the support module's flags.
    prometheus = await startPrometheusCommand({
      command: spec?.command ?? '',
      args: spec?.args ?? [],
      cwd: state,
      port,
    });
    const writeUrl = prometheus.writeUrl;

    const bundle = await bundleWorker({ pushIntervalMs: 200, labels });
    isolates = await Promise.all(
      Array.from({ length: ISOLATES }, () => startIsolate(bundle.script, { REMOTE_WRITE_URL: writeUrl })),
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(isolates.map((mf) => mf.dispose()));
    await prometheus?.stop();
    rmSync(state, { recursive: true, force: true });
  });

  it('ghmon check passes on the generated files (promtool, amtool, the contract check)', async () => {
    const result = await ghmon('check', '--out', l.out);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);

  it('the rules aggregate the isolates by service, keep no per-isolate label, and count every request', async () => {
    expect(labels).toEqual({ job: 'edge-worker', runtime: 'workers', service: 'edge', team: 'platform' });
    let sent = 0;
    // Traffic for ~8 s per isolate, 10% server errors, pushes every 200 ms from ctx.waitUntil.
    await Promise.all(
      isolates.map(async (mf, i) => {
        for (let k = 0; k < REQUESTS_PER_ISOLATE; k++) {
          const status = k % 10 === 5 ? 500 : 200;
          const r = await mf.dispatchFetch(`http://worker.test/users/${i * 1000 + k}?status=${status}`);
          await r.arrayBuffer();
          sent++;
          await new Promise((res) => setTimeout(res, 50));
        }
      }),
    );
    const total = async () => Number((await query('sum(http_requests_total{service="edge"})'))[0]?.value[1]);
    await until(async () => (await total()) === sent, `${sent} requests in Prometheus`, 30_000);
    expect(await query('count by (instance) (http_requests_total{service="edge"})')).toHaveLength(ISOLATES);

    // The recording rules see the pushed series like scraped ones, summed over isolates.
    const errorRatio = () => query(`${RECORD.errorsRate5mByService}{service="edge"}`);
    await until(async () => (await errorRatio()).length === 1, 'the error-ratio rule for edge', 30_000);
    const [ratio] = await errorRatio();
    expect(ratio?.metric).toEqual({ __name__: RECORD.errorsRate5mByService, service: 'edge' });
    expect(Number(ratio?.value[1])).toBeGreaterThan(0.05);
    expect(Number(ratio?.value[1])).toBeLessThan(0.2);
    await until(
      async () => (await query(`${RECORD.durationP95}{service="edge"}`)).length === 1,
      'p95 for edge',
      30_000,
    );
    const byService = await query(`${RECORD.requestsRate5mByService}{service="edge"}`);
    expect(byService.length).toBeGreaterThan(0);

    // No recording rule keeps the per-isolate label, and no alert about edge's metrics going absent.
    expect(await query('{__name__=~"greyhaven:.+", service="edge", instance!=""}')).toEqual([]);
    expect(await query('{__name__=~"greyhaven:.+", service="edge", job!=""}')).toEqual([]);
    expect(await query('absent(http_requests_total{service="edge"})')).toEqual([]);
    expect(await query(`ALERTS{alertname="${EXTRA_ALERT.metricsAbsent}", service="edge"}`)).toEqual([]);
    for (const mf of isolates) {
      const w = await writerState(mf);
      expect(w.stats?.accepted, prometheus?.log()).toBe(w.stats?.pushes);
    }
  }, 120_000);
});
