/** The local stack's config and ports, without starting anything. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pushLine, sloLine } from '../src/cli/status.ts';
import { loadConfig } from '../src/config/load.ts';
import { prometheusConfig } from '../src/generators/prometheus/config/prometheus-yml.ts';
import { buildModel } from '../src/model/model.ts';
import { stackComponents } from '../src/stack/components.ts';
import { layout } from '../src/stack/layout.ts';
import { localConfig } from '../src/stack/local-config.ts';
import { assertPortsFree, freePort, parsePortOverrides } from '../src/stack/ports.ts';
import { haSized, stackPorts } from '../src/stack/up.ts';
import { GREYHAVEN_CONFIG } from './helpers.ts';

describe('ports', () => {
  it('parses NAME=PORT and rejects anything else', () => {
    expect(parsePortOverrides(['prometheus=19090', 'api=18081'])).toEqual({ prometheus: 19090, api: 18081 });
    expect(() => parsePortOverrides(['prometheus'])).toThrow(/expected NAME=PORT/);
    expect(() => parsePortOverrides(['prometheus=70000'])).toThrow(/1 to 65535/);
  });

  it('rejects an unknown component', async () => {
    expect(() => stackPorts(config, { grafana: 3001 })).toThrow(/unknown component.*known: prometheus/);
  });

  it('freePort hands out distinct free ports below the ephemeral range (where no outgoing connection takes them)', async () => {
    const ephemeralFrom = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]);
    // A listener in the way is skipped, not handed out.
    const first = await freePort();
    const blocker = createServer().listen(first + 1, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const ports = [first];
      for (let i = 0; i < 20; i++) ports.push(await freePort());
      expect(new Set(ports).size).toBe(ports.length);
      expect(ports).not.toContain(first + 1);
      for (const port of ports) {
        expect(port).toBeGreaterThanOrEqual(10_000);
        expect(port).toBeLessThan(ephemeralFrom);
      }
      await assertPortsFree(Object.fromEntries(ports.map((p) => [`p${p}`, p])));
    } finally {
      blocker.close();
    }
  });

  it('names a port that is already taken', async () => {
    const port = await freePort();
    const server = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      await expect(assertPortsFree({ alertmanager: port })).rejects.toThrow(`alertmanager on 127.0.0.1:${port}`);
    } finally {
      server.close();
    }
  });
});

const config = await loadConfig(GREYHAVEN_CONFIG);

describe('local stack config', () => {
  const l = layout('/tmp/ghmon-state');
  const ports = stackPorts(config);
  const local = localConfig(config, { ports, layout: l });

  it('keeps the services, thresholds and SLOs, with every target on 127.0.0.1', () => {
    expect(local.services.map((s) => s.name)).toEqual(config.services.map((s) => s.name));
    expect(local.thresholds).toEqual(config.thresholds);
    // A push service stays one (Grey Haven's Workers `api`): its demo pushes, as the Worker does.
    const pushed = config.services.filter((s) => s.push).map((s) => s.name);
    expect(pushed).toEqual(['api']);
    for (const s of local.services) {
      if (pushed.includes(s.name)) {
        expect(s.push).toEqual({ protocol: 'remote-write' });
        expect(s.scrape).toBeUndefined();
      } else expect(s.scrape?.targets[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    for (const t of [local.prometheus, local.alertmanager, local.nodeExporter])
      expect(t.targets[0]).toMatch(/^127\.0\.0\.1:/);
  });

  it('sends pages to the local receiver with a local routing key file', () => {
    expect(local.routing.pagerdutyUrl).toBe(`http://127.0.0.1:${ports.receiver}/v2/enqueue`);
    expect(local.routing.page.routingKeyFile).toBe(l.routingKeyFile);
    expect(local.routing.deadMansSwitch?.url).toBe(`http://127.0.0.1:${ports.receiver}/heartbeat`);
  });

  it('fast mode shortens intervals only', () => {
    const fast = localConfig(config, { ports, layout: l, fast: true });
    expect(fast.scrapeInterval).toBe('2s');
    expect(fast.thresholds.errorRatio).toEqual(config.thresholds.errorRatio);
  });

  it('binds every process to 127.0.0.1', () => {
    const specs = stackComponents(buildModel(local), { layout: l, ports, rps: 5 });
    for (const s of specs.filter((x) => x.command.includes('prometheus'))) {
      expect(s.args.join(' ')).toMatch(/listen-address=127\.0\.0\.1:/);
    }
    for (const s of specs.filter((x) => x.kind === 'service')) expect(s.env?.HOST).toBe('127.0.0.1');
  });

  it("plays a push service with a demo that pushes to every Prometheus' receiver, with the service's labels", () => {
    const receiver = { layout: l, ports, rps: 5, remoteWriteReceiver: true };
    const specs = stackComponents(buildModel(local), receiver);
    const api = specs.find((s) => s.name === 'api');
    expect(api?.env).toMatchObject({
      REMOTE_WRITE_URLS: `http://127.0.0.1:${ports.prometheus}/api/v1/write`,
      REMOTE_WRITE_INTERVAL_MS: '15000',
    });
    expect(JSON.parse(api?.env?.REMOTE_WRITE_LABELS ?? '')).toEqual({
      job: 'cloudflare-workers',
      runtime: 'workers',
      service: 'api',
      team: 'platform',
    });
    // Nothing to scrape: no /metrics token, and the injection switch is what `up` shows.
    expect(api?.env).not.toHaveProperty('GREYHAVEN_METRICS_TOKEN_FILE');
    expect(api?.url).toBe(`http://127.0.0.1:${ports.api}/admin/inject`);
    const backend = specs.find((s) => s.name === 'backend');
    expect(backend?.env).toHaveProperty('GREYHAVEN_METRICS_TOKEN_FILE', l.metricsTokenFile);
    expect(backend?.env).not.toHaveProperty('REMOTE_WRITE_URLS');
    expect(specs.find((s) => s.name === 'prometheus')?.args).toContain('--web.enable-remote-write-receiver');
    // The local prometheus.yml has no job for it, so no target can be down.
    expect(prometheusConfig(buildModel(local)).scrape_configs.map((j) => j.job_name)).not.toContain(
      'cloudflare-workers',
    );

    // HA: both replicas get every push; fast mode pushes as often as it scrapes.
    const haConfig = haSized(config, true);
    const haPorts = stackPorts(haConfig);
    const haLocal = buildModel(localConfig(haConfig, { ports: haPorts, layout: l, fast: true }));
    const haApi = stackComponents(haLocal, { ...receiver, ports: haPorts }).find((s) => s.name === 'api');
    expect(haApi?.env?.REMOTE_WRITE_URLS?.split(',')).toEqual([
      `http://127.0.0.1:${haPorts.prometheus}/api/v1/write`,
      `http://127.0.0.1:${haPorts['prometheus-1']}/api/v1/write`,
    ]);
    expect(haApi?.env?.REMOTE_WRITE_INTERVAL_MS).toBe('2000');
  });
});

describe('ghmon status: the push line', () => {
  it.each([
    [
      { instances: 1, newestSampleAgeSeconds: 2.4 },
      'api: 1 instance in the last 5m, newest sample 2s old (remote write)',
    ],
    [
      { instances: 2, newestSampleAgeSeconds: 40 },
      'api: 2 instances in the last 5m, newest sample 40s old (remote write)',
    ],
    [{ instances: 0 }, 'api: no sample pushed in the last 5m'],
  ])('%j', (figures, line) => {
    expect(pushLine({ service: 'api', ...figures })).toBe(line);
  });
});

describe('ghmon status: the SLO line', () => {
  it.each([
    [
      { budgetRemaining: 0.9612, burnRate1h: 0.84 },
      'api availability 99.9%: 96.1% of the error budget left, burning 0.8× (1h)',
    ],
    [
      { budgetRemaining: -0.25, burnRate1h: 30 },
      'api availability 99.9%: error budget overspent by 25%, burning 30.0× (1h)',
    ],
    [{}, 'api availability 99.9%: no budget figure yet, no traffic in the last hour'],
  ])('%o', (figures, line) => {
    expect(sloLine({ service: 'api', slo: 'availability', objective: 0.999, ...figures })).toBe(line);
  });

  it('keeps an objective with two decimals', () => {
    expect(sloLine({ service: 'b', slo: 'latency', objective: 0.9995 })).toMatch(/^b latency 99\.95%: /);
  });
});
