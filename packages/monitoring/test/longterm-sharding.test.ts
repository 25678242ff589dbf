/**
 * Past one Prometheus: two shards split the services by `hashmod` on `service` (`shardConfig`), each runs the
 * generated rules, both remote-write to one VictoriaMetrics, which answers for everything. Twelve small targets
 * (6 services × 2 instances) on 127.0.0.1; real Prometheus 2.42 and VictoriaMetrics 1.79; 1 s intervals (test only).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningPrometheus, startPrometheus } from '../../../test/support/prometheus.ts';
import { until } from '../../../test/support/until.ts';
import { validateConfig } from '../src/config/load.ts';
import { OUT, RECORD } from '../src/conventions.ts';
import { generate } from '../src/generate.ts';
import { prometheusConfig } from '../src/generators/prometheus/config/prometheus-yml.ts';
import { SHARD_LABEL, shardConfig } from '../src/generators/prometheus/config/sharding.ts';
import { buildModel } from '../src/model/model.ts';
import { layout } from '../src/stack/layout.ts';
import { victoriaMetricsSpec, victoriaMetricsUrls } from '../src/stack/victoria-metrics.ts';
import { writeOutput } from '../src/util/write.ts';
import { toYaml } from '../src/util/yaml.ts';
import { tempDir } from './helpers.ts';

const SERVICES = ['checkout', 'search', 'auth', 'billing', 'catalog', 'media'];
const SHARDS = 2;

interface Vector {
  metric: Record<string, string>;
  value: [number, string];
}

describe('two hashmod shards remote-writing to one VictoriaMetrics', () => {
  const state = tempDir('ghmon-shards-');
  const l = layout(state);
  const servers: Server[] = [];
  let vmProcess: ChildProcess | undefined;
  const shards: RunningPrometheus[] = [];
  const shardUrls: string[] = [];
  let vm = victoriaMetricsUrls('http://127.0.0.1:0');

  const query = async (base: string, expr: string): Promise<Vector[]> => {
    const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return ((await res.json()) as { data: { result: Vector[] } }).data.result;
  };
  const vmQuery = async (expr: string) => {
    await fetch(vm.forceFlush);
    return query(vm.query, expr);
  };

  beforeAll(async () => {
    // Twelve targets exposing a growing request counter.
    const targets: Record<string, string[]> = {};
    for (const service of SERVICES) {
      targets[service] = [];
      for (let i = 0; i < 2; i++) {
        let n = 0;
        const server = createServer((_req, res) => {
          n += 10;
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
          res.end(
            `# TYPE http_requests_total counter\nhttp_requests_total{method="GET",route="/",status="200"} ${n}\n`,
          );
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        servers.push(server);
        targets[service]?.push(`127.0.0.1:${(server.address() as { port: number }).port}`);
      }
    }
    const promPorts = [await freePort(), await freePort()];
    const vmPort = await freePort();
    const nobody = await freePort();
    vm = victoriaMetricsUrls(`http://127.0.0.1:${vmPort}`);
    const model = buildModel(
      validateConfig({
        environment: 'shards-test',
        scrapeInterval: '1s',
        evaluationInterval: '1s',
        services: SERVICES.map((name) => ({ name, runtime: 'typescript', scrape: { targets: targets[name] } })),
        prometheus: { targets: promPorts.map((p) => `127.0.0.1:${p}`) },
        alertmanager: { targets: [`127.0.0.1:${nobody}`] },
        nodeExporter: { targets: [`127.0.0.1:${nobody}`] },
        longTerm: { remoteWrite: { url: vm.write, queue: { batchSendDeadline: '1s' } } },
      }),
    );
    writeOutput(l.out, generate(model));
    const vmSpec = victoriaMetricsSpec({ layout: l, port: vmPort });
    vmProcess = spawn(vmSpec.command, vmSpec.args, { cwd: state, stdio: 'ignore' });
    for (let shard = 0; shard < SHARDS; shard++) {
      // Beside prometheus.yml, so `rule_files: [rules/*.yml]` resolves for every shard.
      const file = join(l.out, 'prometheus', `shard-${shard}.yml`);
      writeFileSync(file, toYaml(shardConfig(prometheusConfig(model), shard, SHARDS)));
      execFileSync('/usr/bin/promtool', ['check', 'config', file], { stdio: 'pipe' });
      const prometheus = await startPrometheus({
        configFile: file,
        dir: join(l.data, `shard-${shard}`),
        port: promPorts[shard] as number,
      });
      shards.push(prometheus);
      shardUrls.push(prometheus.url);
    }
    expect(OUT.prometheusConfig).toBe('prometheus/prometheus.yml');
    await until(async () => (await fetch(vm.health)).ok, 'VictoriaMetrics ready', 60_000, 500);
  }, 60_000);

  afterAll(async () => {
    // Prometheus first: on shutdown it tries to flush its remote-write queue, which waits for a live store.
    const stop = (c: ChildProcess) =>
      new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve();
        const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
        c.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        c.kill('SIGTERM');
      });
    await Promise.all(shards.map((s) => s.stop()));
    if (vmProcess) await stop(vmProcess);
    for (const s of servers) s.close();
    rmSync(state, { recursive: true, force: true });
  });

  it('each service is scraped by exactly one shard, and the store sees every target once', async () => {
    const byShard = new Map<string, number>();
    await until(
      async () => {
        byShard.clear();
        for (const [i, url] of shardUrls.entries()) {
          for (const v of await query(url, 'up{service!=""} == 1')) {
            expect(byShard.has(v.metric.instance ?? ''), `${v.metric.instance} on two shards`).toBe(false);
            byShard.set(v.metric.instance ?? '', i);
          }
        }
        return byShard.size === SERVICES.length * 2;
      },
      'every application target up on its shard',
      60_000,
      500,
    );
    // All of a service's targets on one shard, and both shards in use.
    const shardOfService = new Map<string, Set<number>>();
    for (const url of shardUrls) {
      for (const v of await query(url, 'up{service!=""}')) {
        const set = shardOfService.get(v.metric.service ?? '') ?? new Set();
        set.add(shardUrls.indexOf(url));
        shardOfService.set(v.metric.service ?? '', set);
      }
    }
    for (const [service, set] of shardOfService) expect(set.size, service).toBe(1);
    expect(new Set(byShard.values()).size).toBe(SHARDS);

    await until(
      async () => {
        const r = await vmQuery('count(up{service!=""})');
        return r[0]?.value[1] === String(SERVICES.length * 2);
      },
      'the store to see all 12 application targets',
      60_000,
      500,
    );
    const perService = await vmQuery(`count by (service) (count by (service, ${SHARD_LABEL}) (up{service!=""}))`);
    expect(perService).toHaveLength(SERVICES.length);
    for (const v of perService) expect(v.value[1], v.metric.service).toBe('1');
  }, 90_000);

  it('per-service rules are complete on their shard; service-less rules are partial per shard in the store', async () => {
    await until(
      async () => {
        const r = await vmQuery(`count by (service) (${RECORD.requestsRate5mByService})`);
        return r.length === SERVICES.length;
      },
      'by-service request rates for every service in the store',
      60_000,
      500,
    );
    // Each service's rule series comes from one shard only: nothing to add up across shards.
    const shardsPerService = await vmQuery(
      `count by (service) (count by (service, ${SHARD_LABEL}) (${RECORD.requestsRate5mByService}))`,
    );
    for (const v of shardsPerService) expect(v.value[1], v.metric.service).toBe('1');
    // greyhaven:http_rps has no service label: one partial sum per shard; the global figure is their sum.
    await until(async () => (await vmQuery(RECORD.rps)).length === SHARDS, 'http_rps from both shards', 60_000, 500);
    const total = Number((await vmQuery(`sum without (${SHARD_LABEL}) (${RECORD.rps})`))[0]?.value[1]);
    expect(total).toBeGreaterThan(0);
  }, 90_000);
});
