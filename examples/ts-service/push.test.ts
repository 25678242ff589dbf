/**
 * The example service pushing the way a Worker does (push.ts, what `ghmon up` runs for a push service): after a
 * request, one remote-write push per receiver, under one random instance, with the service's labels; no /metrics.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { uncompress } from 'snappyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolateMetrics, pushConfigFromEnv, pushLikeAWorker } from './src/push.ts';
import { createService, type Service } from './src/service.ts';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

async function receiver(): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.from(uncompress(new Uint8Array(Buffer.concat(chunks)))).toString('latin1');
    got.push({ path: req.url ?? '', headers: req.headers, body });
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`, got, server };
}

const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
};

describe('example ts-service pushing like a Worker', () => {
  let service: Service;
  let base: string;
  const receivers: Awaited<ReturnType<typeof receiver>>[] = [];
  const labels = { job: 'cloudflare-workers', runtime: 'workers', service: 'api', team: 'platform' };

  beforeAll(async () => {
    receivers.push(await receiver(), await receiver());
    const config = pushConfigFromEnv({
      REMOTE_WRITE_URLS: receivers.map((r) => r.url).join(','),
      REMOTE_WRITE_LABELS: JSON.stringify(labels),
      REMOTE_WRITE_INTERVAL_MS: '100',
    });
    if (!config) throw new Error('no push config');
    const metrics = isolateMetrics();
    service = createService({ metrics, metricsEndpoint: false });
    pushLikeAWorker(service.server, metrics, config);
    base = await service.listen();
  });
  afterAll(async () => {
    await service.close();
    for (const r of receivers) r.server.close();
  });

  it('reads its settings from the environment, and nothing without REMOTE_WRITE_URLS', () => {
    expect(pushConfigFromEnv({})).toBeUndefined();
    expect(pushConfigFromEnv({ REMOTE_WRITE_URLS: 'http://a/api/v1/write, http://b/api/v1/write' })).toEqual({
      urls: ['http://a/api/v1/write', 'http://b/api/v1/write'],
      labels: {},
      intervalMs: 10_000,
    });
  });

  it('pushes to every receiver after a request, under one instance, with the labels; serves no /metrics', async () => {
    expect(receivers.every((r) => r.got.length === 0)).toBe(true); // no request yet, no push
    expect((await fetch(`${base}/users/7`)).status).toBe(200);
    await until('a push to each receiver', () => receivers.every((r) => r.got.length > 0));
    const instances = receivers.map((r) => {
      const push = r.got[0] as Received;
      expect(push.path).toBe('/api/v1/write');
      expect(push.headers['content-encoding']).toBe('snappy');
      expect(push.headers['x-prometheus-remote-write-version']).toBe('0.1.0');
      for (const v of ['http_requests_total', '/users/:id', ...Object.values(labels)]) expect(push.body).toContain(v);
      // The label pair on the wire: name, then a 16-byte value (two bytes of protobuf framing between them).
      return /instance..([0-9a-f]{16})/s.exec(push.body)?.[1];
    });
    expect(instances[0]).toMatch(/^[0-9a-f]{16}$/);
    expect(instances[1]).toBe(instances[0]);
    // A pushing Worker exposes no /metrics: an unknown route.
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    const pushes = receivers.map((r) => r.got.length);
    await until('its push too', () => receivers.every((r, i) => r.got.length > (pushes[i] as number)));
  });
});
