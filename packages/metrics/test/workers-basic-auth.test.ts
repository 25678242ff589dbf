/**
 * The Workers push into ghmon's Compose Prometheus: its remote-write receiver sits behind `--web.config.file`'s
 * bcrypt basic auth (user `ghmon`), which takes no bearer token. A real Prometheus (Debian's 2.42) started with the
 * two flags the generated Compose file gives it — the receiver and the web config, here the generated
 * `web-config.template.yml` filled with a bcryptjs hash as `ghmon web-config` fills it — on a free 127.0.0.1 port.
 * The fixture Worker runs in workerd (miniflare@3) with `remoteWrite: { basicAuth }`: its samples are queryable
 * (with the password). A wrong password, or the right one sent as a bearer token, gets a 401 that the writer reports
 * like any failed push (default onError: a `console.warn` in the Worker; `stats.last`), with nothing written and
 * the password in no output.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth } from '../../../test/support/prometheus.ts';
import { until } from '../../../test/support/until.ts';
import { validateConfig } from '../../monitoring/src/config/load.ts';
import { OUT } from '../../monitoring/src/conventions.ts';
import { generate } from '../../monitoring/src/generate.ts';
import { buildModel } from '../../monitoring/src/model/model.ts';
import { DEFAULT_WEB_USER, fillWebConfig } from '../../monitoring/src/model/web-config.ts';
import {
  bundleWorker,
  type RunningPrometheus,
  startIsolate,
  startPrometheus,
  writerState,
} from '../fixtures/workers/harness.ts';
import { HttpMetrics } from '../src/core/registry.ts';
import { RemoteWriter } from '../src/workers/index.ts';

// UTF-8 beyond Latin-1 on purpose (RFC 7617's charset="UTF-8"; bcrypt reads at most 72 bytes: this is 33).
const PASSWORD = 'wörker-push-✓-7f3a9c2e1b';
const WRONG = 'wörker-push-✓-00000000000';
/** A bearer token goes into the header as it stands: Node's fetch takes Latin-1 only (workerd sends UTF-8). */
const TOKEN = 'bearer-token-7f3a9c2e1b';
const secretsIn = (text: string) =>
  [PASSWORD, WRONG]
    .flatMap((p) => [p, Buffer.from(`${DEFAULT_WEB_USER}:${p}`).toString('base64')])
    .concat(TOKEN)
    .filter((s) => text.includes(s));

describe('Workers push with basicAuth into a Prometheus behind the Compose web config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ghmon-workers-basic-auth-'));
  const auth = basicAuth(DEFAULT_WEB_USER, PASSWORD);
  let prometheus: RunningPrometheus;
  const isolates: Miniflare[] = [];
  /** Everything the isolates wrote to stdout/stderr. */
  let output = '';

  const isolate = async (service: string, bindings: Record<string, string>) => {
    const bundle = await bundleWorker({
      pushIntervalMs: 100,
      labels: { service, job: 'edge-worker', runtime: 'workers' },
    });
    const mf = await startIsolate(
      bundle.script,
      { REMOTE_WRITE_URL: prometheus.writeUrl, ...bindings },
      { output: (chunk) => (output += chunk) },
    );
    isolates.push(mf);
    return mf;
  };
  const send = async (mf: Miniflare, n: number) => {
    for (let i = 0; i < n; i++) {
      const response = await mf.dispatchFetch(`http://worker.test/users/${i}`);
      await response.arrayBuffer();
      expect(response.status).toBe(200);
    }
  };
  const requestsOf = async (service: string) =>
    (await prometheus.query(`sum(http_requests_total{service="${service}"})`)).map((v) => Number(v.value[1]));

  beforeAll(async () => {
    // The generated Compose output for a config with a push service: both flags, and the web-config template.
    const files = generate(
      buildModel(
        validateConfig({ services: [{ name: 'edge', runtime: 'workers', push: { protocol: 'remote-write' } }] }),
      ),
    );
    const compose = files.get(OUT.composeFile) ?? '';
    expect(compose).toContain('--web.enable-remote-write-receiver');
    expect(compose).toMatch(/--web\.config\.file=/);
    const webConfig = join(dir, 'web-config.yml');
    writeFileSync(
      webConfig,
      fillWebConfig(files.get(OUT.composeWebConfigTemplate) ?? '', await bcrypt.hash(PASSWORD, 10)),
      { mode: 0o600 },
    );
    prometheus = await startPrometheus({ dir, args: [`--web.config.file=${webConfig}`], headers: auth });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(isolates.map((mf) => mf.dispose()));
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the web config is in force: no query and no push without the password', async () => {
    expect((await fetch(`${prometheus.url}/api/v1/query?query=up`)).status).toBe(401);
    expect((await fetch(prometheus.writeUrl, { method: 'POST', body: new Uint8Array(1) })).status).toBe(401);
    expect((await fetch(`${prometheus.url}/api/v1/query?query=up`, { headers: auth })).status).toBe(200);
  });

  it('in workerd: the Worker with basicAuth pushes, and its samples are queryable with the password', async () => {
    const mf = await isolate('edge-basic', {
      REMOTE_WRITE_USERNAME: DEFAULT_WEB_USER,
      REMOTE_WRITE_PASSWORD: PASSWORD,
    });
    await send(mf, 25);
    await until(async () => (await requestsOf('edge-basic'))[0] === 25, 'Prometheus to report 25 requests', 30_000);
    const state = await writerState(mf);
    expect(state.stats?.pushes).toBeGreaterThanOrEqual(1);
    expect(state.stats?.accepted).toBe(state.stats?.pushes);
    expect(state.stats?.last?.status).toBe(204);
    const series = await prometheus.query('http_requests_total{service="edge-basic"}');
    expect(series[0]?.metric).toMatchObject({ instance: state.instance, route: '/users/:id', status: '200' });
  }, 60_000);

  it.each([
    ['a wrong password', 'edge-wrong', { REMOTE_WRITE_USERNAME: DEFAULT_WEB_USER, REMOTE_WRITE_PASSWORD: WRONG }],
    ['the right password as a bearer token', 'edge-bearer', { REMOTE_WRITE_TOKEN: PASSWORD }],
  ])(
    'in workerd: with %s the push gets 401, reported as a failed push, nothing written, no password in output',
    async (_, service, bindings) => {
      const mf = await isolate(service, bindings);
      const before = output.length;
      await send(mf, 5);
      await until(async () => (await writerState(mf)).stats?.last?.status === 401, 'a 401 in the writer stats', 30_000);
      const state = await writerState(mf);
      expect(state.stats).toMatchObject({ accepted: 0, last: { status: 401 } });
      expect(state.stats?.pushes).toBeGreaterThanOrEqual(1);
      // The default onError: one console.warn per kind, in the Worker's own output.
      await until(async () => output.slice(before).includes('remote write (401) failed'), 'the 401 warning', 10_000);
      expect(output.slice(before)).toMatch(/remote write to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write failed: 401/);
      expect(await requestsOf(service)).toEqual([]);
      expect(secretsIn(output)).toEqual([]);
      expect(secretsIn(JSON.stringify(state))).toEqual([]);
    },
    60_000,
  );

  it('called directly: a wrong password or a bearer token → 401 to onError, not retried; basicAuth → 204', async () => {
    const run = async (target: ConstructorParameters<typeof RemoteWriter>[0]['target']) => {
      const metrics = new HttpMetrics({ onError: () => undefined });
      const errors: string[] = [];
      let requests = 0;
      const writer = new RemoteWriter({
        metrics,
        labels: { service: 'edge-direct', job: 'edge-worker' },
        target,
        fetch: (input, init) => {
          requests++;
          return fetch(input, init);
        },
        onError: (error, where) => errors.push(`${where}: ${String(error)}`),
      });
      metrics.observe(0, '/health', 200, 0.001);
      await writer.flush();
      return { errors, requests, stats: writer.stats };
    };
    const url = prometheus.writeUrl;
    for (const target of [
      { url, basicAuth: { username: DEFAULT_WEB_USER, password: WRONG } },
      { url, bearerToken: TOKEN },
    ]) {
      const { errors, requests, stats } = await run(target);
      expect(stats).toMatchObject({ pushes: 1, accepted: 0, last: { status: 401, error: 'Unauthorized' } });
      expect(requests).toBe(1); // a 401 is not retryable
      expect(errors).toEqual([`remote write (401): Error: remote write to ${url} failed: 401 Unauthorized`]);
      expect(secretsIn(errors.join('\n') + JSON.stringify(stats))).toEqual([]);
    }
    const ok = await run({ url, basicAuth: { username: DEFAULT_WEB_USER, password: PASSWORD } });
    expect(ok).toMatchObject({ errors: [], requests: 1, stats: { pushes: 1, accepted: 1, last: { status: 204 } } });
    expect(await requestsOf('edge-direct')).toEqual([1]);
  }, 30_000);
});
