/**
 * No secret value in out/ or in `ghmon up`'s state: a config whose every secret path (routing keys, the dead
 * man's switch token, metrics tokens) points at a file with recognisable fake contents is built; then the local
 * stack runs briefly (real Prometheus, Alertmanager, receiver, demo services, traffic) and its generated files
 * (.ghmon/out) and logs (.ghmon/logs) are scanned for those values and for the stack's own routing key and
 * metrics token (its demo services' /metrics answer 401 without that token, and Prometheus scrapes them with it).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { until } from '../../../test/support/until.ts';
import { loadConfig, validateConfig } from '../src/config/load.ts';
import { generate } from '../src/generate.ts';
import { buildModel } from '../src/model/model.ts';
import { layout } from '../src/stack/layout.ts';
import { freeStackPorts, type RunningStack, startStack } from '../src/stack/up.ts';
import { writeOutput } from '../src/util/write.ts';
import { GREYHAVEN_CONFIG, tempDir } from './helpers.ts';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

function filesUnder(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(filesUnder(p));
    else out.push(p);
  }
  return out;
}

function scan(dir: string, secrets: string[]): string[] {
  const hits: string[] = [];
  for (const f of filesUnder(dir)) {
    const text = readFileSync(f, 'latin1');
    for (const s of secrets) if (text.includes(s)) hits.push(`${f} contains ${s.slice(0, 6)}…`);
  }
  return hits;
}

describe('no secret value in out/', () => {
  it('build with secret files holding recognisable values', () => {
    const dir = tempDir('ghmon-scan-');
    const fake = {
      page: 'FAKEPAGEKEY0123456789abcdef00001',
      ticket: 'FAKETICKETKEY0123456789abcdef002',
      dms: 'FAKE-DMS-TOKEN-7c1d',
      metrics: 'FAKE-METRICS-TOKEN-93ab',
    };
    for (const [k, v] of Object.entries(fake)) writeFileSync(join(dir, k), `${v}\n`);
    const out = join(dir, 'out');
    writeOutput(
      out,
      generate(
        buildModel(
          validateConfig({
            services: [
              {
                name: 'api',
                runtime: 'typescript',
                scrape: { targets: ['api.example.com:443'], auth: { bearerTokenFile: join(dir, 'metrics') } },
              },
            ],
            routing: {
              page: { routingKeyFile: join(dir, 'page') },
              ticket: { routingKeyFile: join(dir, 'ticket') },
              deadMansSwitch: { url: 'https://hb.example.com/ping', bearerTokenFile: join(dir, 'dms') },
            },
          }),
        ),
      ),
    );
    expect(filesUnder(out).length).toBeGreaterThan(20);
    expect(scan(out, Object.values(fake))).toEqual([]);
    // The paths are there, the values are not.
    expect(readFileSync(join(out, 'prometheus/prometheus.yml'), 'utf8')).toContain(join(dir, 'metrics'));
  });
});

describe('no secret value in the state of `ghmon up`', () => {
  let stack: RunningStack | undefined;
  afterAll(async () => {
    await stack?.stop();
  });

  it('.ghmon/out and .ghmon/logs hold neither the routing key nor the metrics token after a run with traffic', async () => {
    const state = tempDir('ghmon-scan-stack-');
    const config = await loadConfig(GREYHAVEN_CONFIG);
    const ports = await freeStackPorts(config);
    stack = await startStack({
      config,
      stateDir: state,
      ports,
      rps: 20,
      fast: true,
      graceMs: 5000,
      backoffMs: 500,
    });
    const prom = `http://127.0.0.1:${stack.info.ports.prometheus}`;
    await until(
      async () => {
        const r = (await (await fetch(`${prom}/api/v1/targets`)).json()) as {
          data: { activeTargets: { health: string }[] };
        };
        return r.data.activeTargets.length > 0 && r.data.activeTargets.every((t) => t.health === 'up');
      },
      'targets up',
      60_000,
      1000,
    );
    const l = layout(state);
    const key = readFileSync(stack.info.routingKeyFile, 'utf8').trim();
    const token = readFileSync(l.metricsTokenFile, 'utf8').trim();
    expect(key.length).toBeGreaterThanOrEqual(16);
    expect(token.length).toBeGreaterThanOrEqual(16);
    // The scraped demo services' /metrics ask for the token the local Prometheus sends (its targets are all up
    // above); `api` pushes like a Worker and serves no /metrics at all, with or without the token.
    expect(stack.info.pushServices).toEqual(['api']);
    for (const name of stack.info.services) {
      const url = `http://127.0.0.1:${stack.info.ports[name]}/metrics`;
      const pushes = name === 'api';
      expect((await fetch(url)).status, name).toBe(pushes ? 404 : 401);
      const authed = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(authed.status, name).toBe(pushes ? 404 : 200);
    }
    await stack.stop();
    stack = undefined;
    expect(scan(l.out, [key, token])).toEqual([]);
    expect(filesUnder(l.logs).length).toBeGreaterThan(0);
    expect(scan(l.logs, [key, token])).toEqual([]);
  });
});
