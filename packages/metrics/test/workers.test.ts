/**
 * The Workers path (`@greyhaven/metrics/workers`): remote-write encoding, the per-isolate writer, and the proof —
 * the adapter bundled with esbuild and run inside the real Workers runtime (workerd, through miniflare@3), several
 * isolates at once pushing to a real Prometheus (`--web.enable-remote-write-receiver`), whose totals must equal the
 * requests sent, with no counter reset.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Miniflare } from 'miniflare';
import { uncompress } from 'snappyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.ts';
import {
  bundleWorker,
  type RunningPrometheus,
  startIsolate,
  startPrometheus,
  writerState,
} from '../fixtures/workers/harness.ts';
import { HttpMetrics, registerDbPool } from '../src/core/registry.ts';
import {
  encodeLabels,
  encodeWriteRequest,
  REMOTE_WRITE_HEADERS,
  RemoteWriter,
  type RemoteWriteTarget,
  remoteWriteAuthorization,
  remoteWriteBody,
  validateLabels,
} from '../src/workers/index.ts';

// --- An independent protobuf reader (generic wire format → WriteRequest), to check the encoder against. ---

interface DecodedSeries {
  labels: Record<string, string>;
  labelOrder: string[];
  samples: { value: number; timestamp: number }[];
}

function* fields(buf: Uint8Array): Generator<{ field: number; wire: number; bytes?: Uint8Array; varint?: number }> {
  let at = 0;
  const varint = () => {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = buf[at++] as number;
      n += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return n;
    }
  };
  while (at < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) yield { field, wire, varint: varint() };
    else if (wire === 1) {
      yield { field, wire, bytes: buf.subarray(at, at + 8) };
      at += 8;
    } else if (wire === 2) {
      const len = varint();
      yield { field, wire, bytes: buf.subarray(at, at + len) };
      at += len;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
}

const utf8 = new TextDecoder();

function decodeWriteRequest(buf: Uint8Array): DecodedSeries[] {
  const out: DecodedSeries[] = [];
  for (const ts of fields(buf)) {
    expect(ts.field).toBe(1);
    const series: DecodedSeries = { labels: {}, labelOrder: [], samples: [] };
    for (const f of fields(ts.bytes as Uint8Array)) {
      if (f.field === 1) {
        let name = '';
        let value = '';
        for (const l of fields(f.bytes as Uint8Array)) {
          if (l.field === 1) name = utf8.decode(l.bytes);
          if (l.field === 2) value = utf8.decode(l.bytes);
        }
        series.labels[name] = value;
        series.labelOrder.push(name);
      } else if (f.field === 2) {
        let value = 0;
        let timestamp = 0;
        for (const s of fields(f.bytes as Uint8Array)) {
          if (s.field === 1) value = new DataView(s.bytes?.slice().buffer as ArrayBuffer).getFloat64(0, true);
          if (s.field === 2) timestamp = s.varint as number;
        }
        series.samples.push({ value, timestamp });
      } else throw new Error(`unexpected TimeSeries field ${f.field}`);
    }
    out.push(series);
  }
  return out;
}

/** A fake receiver: records every request, answers with the given statuses in turn (then 204). */
function fakeReceiver(statuses: (number | 'network')[] = []) {
  const requests: { headers: Record<string, string>; series: DecodedSeries[] }[] = [];
  const fetchFn = (async (_url: string | URL | Request, init?: RequestInit) => {
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body = init?.body as Uint8Array;
    requests.push({ headers, series: decodeWriteRequest(uncompress(body)) });
    const next = statuses.shift() ?? 204;
    if (next === 'network') throw new TypeError('fetch failed');
    return new Response(next === 204 ? null : 'rejected', { status: next });
  }) as typeof fetch;
  return { requests, fetch: fetchFn };
}

const LABELS = { service: 'edge', job: 'edge-worker', runtime: 'workers' };

function byName(series: DecodedSeries[], name: string, labels: Record<string, string> = {}): DecodedSeries[] {
  return series.filter(
    (s) => s.labels.__name__ === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

describe('remote-write encoding', () => {
  it('encodes a WriteRequest an independent protobuf reader reads back, through snappy', () => {
    const labels = encodeLabels([
      ['__name__', 'http_requests_total'],
      ['instance', 'abc'],
      ['route', '/ünïcode/:id'],
    ]);
    const ts = 1_795_000_000_123; // > 2^32: varints beyond 32 bits
    const body = remoteWriteBody([
      {
        labels,
        samples: [
          { value: 0, timestamp: ts - 1 },
          { value: 42.5, timestamp: ts },
        ],
      },
      { labels: encodeLabels([['__name__', 'up']]), samples: [{ value: Number.POSITIVE_INFINITY, timestamp: 0 }] },
    ]);
    const decoded = decodeWriteRequest(uncompress(body));
    expect(decoded).toEqual([
      {
        labels: { __name__: 'http_requests_total', instance: 'abc', route: '/ünïcode/:id' },
        labelOrder: ['__name__', 'instance', 'route'],
        samples: [
          { value: 0, timestamp: ts - 1 },
          { value: 42.5, timestamp: ts },
        ],
      },
      {
        labels: { __name__: 'up' },
        labelOrder: ['__name__'],
        samples: [{ value: Number.POSITIVE_INFINITY, timestamp: 0 }],
      },
    ]);
    expect(encodeWriteRequest([])).toHaveLength(0);
  });

  it('refuses unsorted, duplicate or empty labels and non-millisecond timestamps', () => {
    expect(() =>
      encodeLabels([
        ['b', '1'],
        ['a', '1'],
      ]),
    ).toThrow(/sorted/);
    expect(() =>
      encodeLabels([
        ['a', '1'],
        ['a', '2'],
      ]),
    ).toThrow(/sorted/);
    expect(() => encodeLabels([['a', '']])).toThrow(/empty/);
    const labels = encodeLabels([['__name__', 'x']]);
    expect(() => encodeWriteRequest([{ labels, samples: [{ value: 1, timestamp: 1.5 }] }])).toThrow(/milliseconds/);
    expect(() => encodeWriteRequest([{ labels, samples: [{ value: 1, timestamp: -1 }] }])).toThrow(/milliseconds/);
  });

  it('checks the static labels: service and job required, own labels reserved', () => {
    expect(() => validateLabels({ job: 'x' }, 'instance')).toThrow(/"service" is required/);
    expect(() => validateLabels({ service: 'x' }, 'instance')).toThrow(/"job" is required/);
    expect(() => validateLabels({ ...LABELS, route: 'x' }, 'instance')).toThrow(/set by the remote writer/);
    expect(() => validateLabels({ ...LABELS, instance: 'x' }, 'instance')).toThrow(/set by the remote writer/);
    expect(() => validateLabels({ ...LABELS, 'bad-name': 'x' }, 'instance')).toThrow(/not a label name/);
    expect(() => validateLabels({ ...LABELS, team: '' }, 'instance')).toThrow(/non-empty/);
    expect(() => validateLabels(LABELS, 'le')).toThrow(/instanceLabel/);
    expect(() => validateLabels(LABELS, 'isolate')).not.toThrow();
  });
});

describe('RemoteWriter (fake receiver)', () => {
  it('pushes the DB pool gauges registered on its metrics (a Hyperdrive pool), and none without a pool', async () => {
    const metrics = new HttpMetrics();
    const rx = fakeReceiver();
    const writer = new RemoteWriter({
      metrics,
      labels: LABELS,
      target: { url: 'http://receiver.test/api/v1/write' },
      instance: 'isolate-1',
      intervalMs: 0,
      fetch: rx.fetch,
    });
    metrics.observe(0, '/users/:id', 200, 0.01);
    await writer.schedule();
    expect(byName(rx.requests[0]?.series ?? [], 'db_pool_connections_max')).toEqual([]);
    const stop = registerDbPool({ active: async () => 3, max: () => 10 }, metrics);
    metrics.observe(0, '/users/:id', 200, 0.01);
    await writer.schedule();
    const second = rx.requests[1]?.series ?? [];
    expect(byName(second, 'db_pool_connections_active')[0]?.samples.at(-1)?.value).toBe(3);
    expect(byName(second, 'db_pool_connections_max')[0]?.samples.at(-1)?.value).toBe(10);
    expect(byName(second, 'db_pool_connections_max')[0]?.labels).toMatchObject({
      service: LABELS.service,
      instance: 'isolate-1',
    });
    stop();
  });

  it('pushes sorted, cumulative series with the spec headers, a bearer token and a 0 before each new label set', async () => {
    const metrics = new HttpMetrics();
    const rx = fakeReceiver();
    let clock = 1_000_000;
    const writer = new RemoteWriter({
      metrics,
      labels: { ...LABELS, team: 'platform' },
      target: { url: 'http://receiver.test/api/v1/write', bearerToken: 's3cret' },
      instance: 'isolate-1',
      intervalMs: 0,
      fetch: rx.fetch,
      now: () => clock, // frozen, as Workers freeze Date.now() between I/O events
    });
    metrics.observe(0, '/users/:id', 200, 0.003);
    metrics.observe(0, '/users/:id', 200, 0.07);
    metrics.observe(0, '/users/:id', 200, 7);
    await writer.schedule();
    expect(rx.requests).toHaveLength(1);
    const first = rx.requests[0];
    expect(first?.headers).toMatchObject({ ...REMOTE_WRITE_HEADERS, authorization: 'Bearer s3cret' });
    for (const s of first?.series ?? []) expect(s.labelOrder).toEqual([...s.labelOrder].sort());
    const counter = byName(first?.series ?? [], 'http_requests_total', { status: '200' });
    expect(counter).toHaveLength(1);
    expect(counter[0]?.labels).toEqual({
      __name__: 'http_requests_total',
      instance: 'isolate-1',
      job: 'edge-worker',
      method: 'GET',
      route: '/users/:id',
      runtime: 'workers',
      service: 'edge',
      status: '200',
      team: 'platform',
    });
    // New label set: a 0 just before, then the value.
    expect(counter[0]?.samples).toEqual([
      { value: 0, timestamp: clock - 1 },
      { value: 3, timestamp: clock },
    ]);
    // The pre-initialised 500 goes out too, at 0.
    expect(byName(first?.series ?? [], 'http_requests_total', { status: '500' })[0]?.samples.at(-1)?.value).toBe(0);
    const buckets = byName(first?.series ?? [], 'http_request_duration_seconds_bucket', { status: '200' });
    const le = Object.fromEntries(buckets.map((b) => [b.labels.le, b.samples.at(-1)?.value]));
    expect(le).toEqual({ '0.01': 1, '0.05': 1, '0.1': 2, '0.2': 2, '0.5': 2, '1': 2, '2': 2, '5': 2, '+Inf': 3 });
    expect(
      byName(first?.series ?? [], 'http_request_duration_seconds_sum', { status: '200' })[0]?.samples.at(-1)?.value,
    ).toBeCloseTo(7.073);
    expect(byName(first?.series ?? [], 'http_active_connections')[0]?.samples).toEqual([
      { value: 0, timestamp: clock },
    ]);
    expect(byName(first?.series ?? [], 'greyhaven_metrics_overflow_total').map((s) => s.labels.metric)).toEqual([
      'http_requests_total',
      'http_request_duration_seconds',
    ]);

    // Second push with the clock still frozen: timestamps still increase; known series get one sample, a new
    // label set gets its 0 after the previous push.
    metrics.observe(0, '/users/:id', 200, 0.2);
    metrics.observe(4, '/orders/:id', 201, 0.02);
    await writer.schedule();
    const second = rx.requests[1]?.series ?? [];
    const again = byName(second, 'http_requests_total', { route: '/users/:id', status: '200' })[0];
    expect(again?.samples).toEqual([{ value: 4, timestamp: clock + 2 }]);
    const fresh = byName(second, 'http_requests_total', { route: '/orders/:id', status: '201' })[0];
    expect(fresh?.samples).toEqual([
      { value: 0, timestamp: clock + 1 },
      { value: 1, timestamp: clock + 2 },
    ]);
    clock += 60_000;
    await writer.schedule();
    const third = byName(rx.requests[2]?.series ?? [], 'http_requests_total', { route: '/orders/:id', status: '201' });
    expect(third[0]?.samples).toEqual([{ value: 1, timestamp: clock }]);
    expect(writer.stats).toMatchObject({ pushes: 3, accepted: 3, last: { status: 204 } });
  });

  it('coalesces: requests finishing while a push waits share it; pushes are at least intervalMs apart', async () => {
    const metrics = new HttpMetrics();
    const rx = fakeReceiver();
    const writer = new RemoteWriter({
      metrics,
      labels: LABELS,
      target: { url: 'http://rx.test/' },
      intervalMs: 150,
      fetch: rx.fetch,
    });
    const started = Date.now();
    const promises: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) {
      metrics.observe(0, '/health', 200, 0.001);
      promises.push(writer.schedule());
    }
    await Promise.all(promises);
    expect(rx.requests).toHaveLength(1);
    for (let i = 0; i < 50; i++) {
      metrics.observe(0, '/health', 200, 0.001);
      promises.push(writer.schedule());
    }
    await Promise.all(promises);
    expect(rx.requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const values = rx.requests.map(
      (r) => byName(r.series, 'http_requests_total', { status: '200' })[0]?.samples.at(-1)?.value,
    );
    expect(values).toEqual([100, 150]);
  });

  it('retries a 503 and a network error, not a 400; after a 400 the 0 sample is sent again, after no answer not', async () => {
    const metrics = new HttpMetrics({ preInitServerErrors: false });
    const errors: string[] = [];
    const rx = fakeReceiver([503, 204, 400, 'network', 'network', 204]);
    const writer = new RemoteWriter({
      metrics,
      labels: LABELS,
      target: { url: 'http://rx.test/' },
      intervalMs: 0,
      fetch: rx.fetch,
      onError: (_e, where) => errors.push(where),
    });
    metrics.observe(0, '/a', 200, 0.001);
    await writer.schedule(); // 503, then 204
    expect(rx.requests).toHaveLength(2);
    expect(writer.stats.accepted).toBe(1);
    metrics.observe(0, '/b', 200, 0.001);
    await writer.schedule(); // 400: not retried, nothing was written
    expect(rx.requests).toHaveLength(3);
    await writer.schedule(); // no answer, retried once, still no answer: it may have been written
    expect(rx.requests).toHaveLength(5);
    const samplesOfB = (i: number) =>
      byName(rx.requests[i]?.series ?? [], 'http_requests_total', { route: '/b' })[0]?.samples;
    expect(samplesOfB(2)).toHaveLength(2);
    expect(samplesOfB(3)).toHaveLength(2); // resent with its 0: the 400 wrote nothing
    await writer.schedule();
    expect(samplesOfB(5)).toHaveLength(1); // never a second 0 after a push that may have landed
    expect(errors).toEqual(['remote write (400)', 'remote write (no answer)']);
    expect(writer.stats).toMatchObject({ pushes: 4, accepted: 2 });
  });

  it('sends basicAuth as RFC 7617 Basic credentials (UTF-8, base64), in place of a bearer token', async () => {
    const metrics = new HttpMetrics();
    const rx = fakeReceiver();
    const password = 'pässwörd-✓-€'; // beyond Latin-1: btoa alone would throw
    const writer = new RemoteWriter({
      metrics,
      labels: LABELS,
      target: { url: 'http://rx.test/', basicAuth: { username: 'ghmon', password } },
      intervalMs: 0,
      fetch: rx.fetch,
    });
    metrics.observe(0, '/a', 200, 0.001);
    await writer.schedule();
    // Computed independently: Node's Buffer, UTF-8.
    const expected = `Basic ${Buffer.from(`ghmon:${password}`, 'utf8').toString('base64')}`;
    expect(rx.requests[0]?.headers.authorization).toBe(expected);
    expect(Buffer.from(expected.slice(6), 'base64').toString('utf8')).toBe(`ghmon:${password}`);
    expect(rx.requests[0]?.headers).toMatchObject(REMOTE_WRITE_HEADERS);
    expect(remoteWriteAuthorization({ url: 'x', basicAuth: { username: 'Aladdin', password: 'open sesame' } })).toBe(
      'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', // RFC 7617's own example
    );
    expect(remoteWriteAuthorization({ url: 'x', bearerToken: 't' })).toBe('Bearer t');
    expect(remoteWriteAuthorization({ url: 'x' })).toBeUndefined();
  });

  it('refuses bearerToken with basicAuth, or a malformed basicAuth, naming the field and never the password', async () => {
    const password = 'hunter2-hunter2';
    const both = { url: 'http://rx.test/', bearerToken: 'tok', basicAuth: { username: 'ghmon', password } };
    const refusals: [unknown, RegExp][] = [
      [both, /remoteWrite: give either bearerToken or basicAuth, not both/],
      [{ url: 'x', basicAuth: { username: '', password } }, /basicAuth\.username: expected a non-empty string/],
      [{ url: 'x', basicAuth: { username: 'a:b', password } }, /basicAuth\.username: may not contain ":"/],
      [
        { url: 'x', basicAuth: { username: 'ghmon', password: undefined } },
        /basicAuth\.password: expected a non-empty/,
      ],
      [{ url: 'x', basicAuth: { username: 'ghmon', password: '' } }, /basicAuth\.password: expected a non-empty/],
      [
        { url: 'x', basicAuth: { username: 'ghmon', password: `${password}\n` } },
        /basicAuth\.password: contains control/,
      ],
    ];
    for (const [target, message] of refusals) {
      const fromWriter = (() => {
        try {
          new RemoteWriter({ labels: LABELS, target: target as RemoteWriteTarget });
        } catch (error) {
          return error;
        }
      })();
      expect(fromWriter).toBeInstanceOf(TypeError);
      expect((fromWriter as Error).message).toMatch(message);
      expect((fromWriter as Error).message).not.toContain('hunter2');
    }
    // A target from a function (the Workers bindings, read at every push): to onError, nothing sent, no push counted.
    const rx = fakeReceiver();
    const errors: [unknown, string][] = [];
    const metrics = new HttpMetrics();
    const writer = new RemoteWriter({
      metrics,
      labels: LABELS,
      target: () => both,
      fetch: rx.fetch,
      onError: (error, where) => errors.push([error, where]),
    });
    metrics.observe(0, '/a', 200, 0.001);
    await writer.schedule();
    expect(rx.requests).toHaveLength(0);
    expect(writer.stats.pushes).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.[1]).toBe('remote write');
    expect(String(errors[0]?.[0])).toMatch(/TypeError: remoteWrite: give either bearerToken or basicAuth, not both/);
    expect(String(errors[0]?.[0])).not.toContain('hunter2');
  });

  it('a 401 is reported like any failed push, and a receiver echoing the credentials has them redacted', async () => {
    const password = 'correct-horse-battery';
    const echoed = Buffer.from(`ghmon:${password}`).toString('base64');
    const metrics = new HttpMetrics();
    const errors: [unknown, string][] = [];
    const echo = (async (_url: string | URL | Request, init?: RequestInit) => {
      const authorization = new Headers(init?.headers).get('authorization');
      return new Response(`bad credentials: ${authorization} (${password})`, { status: 401 });
    }) as typeof fetch;
    const writer = new RemoteWriter({
      metrics,
      labels: LABELS,
      target: { url: 'http://rx.test/api/v1/write', basicAuth: { username: 'ghmon', password } },
      intervalMs: 0,
      fetch: echo,
      onError: (error, where) => errors.push([error, where]),
    });
    metrics.observe(0, '/a', 200, 0.001);
    await writer.schedule();
    expect(writer.stats).toMatchObject({ pushes: 1, accepted: 0, last: { status: 401 } });
    expect(writer.stats.last?.error).toBe('bad credentials: Basic [redacted] ([redacted])');
    expect(errors.map(([, where]) => where)).toEqual(['remote write (401)']);
    const reported = String(errors[0]?.[0]);
    expect(reported).toMatch(/remote write to http:\/\/rx\.test\/api\/v1\/write failed: 401/);
    for (const output of [reported, JSON.stringify(writer.stats)]) {
      expect(output).not.toContain(password);
      expect(output).not.toContain(echoed);
    }
  });

  it('skips a push when the target is undefined, and never throws into the caller', async () => {
    const metrics = new HttpMetrics();
    const rx = fakeReceiver();
    const writer = new RemoteWriter({ metrics, labels: LABELS, target: () => undefined, fetch: rx.fetch });
    metrics.observe(0, '/x', 200, 0.001);
    await writer.schedule();
    expect(rx.requests).toHaveLength(0);
    const failing = new RemoteWriter({
      metrics,
      labels: LABELS,
      target: () => {
        throw new Error('no binding');
      },
      onError: () => undefined,
    });
    await expect(failing.schedule()).resolves.toBeUndefined();
  });
});

describe('in workerd (miniflare@3): several isolates push concurrently to a real Prometheus', () => {
  const ISOLATES = 4;
  const REQUESTS_PER_ISOLATE = 240;
  const CONCURRENCY = 6;
  const dir = join(tmpdir(), `ghmon-workers-${process.pid}-${Date.now()}`);
  let prometheus: RunningPrometheus;
  let isolates: Miniflare[] = [];
  const expected = new Map<string, number>();
  let bundle: Awaited<ReturnType<typeof bundleWorker>>;

  beforeAll(async () => {
    bundle = await bundleWorker({ pushIntervalMs: 100, labels: LABELS });
    prometheus = await startPrometheus({ dir });
    isolates = await Promise.all(
      Array.from({ length: ISOLATES }, () => startIsolate(bundle.script, { REMOTE_WRITE_URL: prometheus.writeUrl })),
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(isolates.map((mf) => mf.dispose()));
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the Worker bundle pulls in no Node built-in', () => {
    expect(bundle.externalImports).toEqual([]);
    expect(
      bundle.inputs.filter((i) => i.startsWith('node:') || /(^|\/)node_modules\/(@types\/)?node\//.test(i)),
    ).toEqual([]);
    expect(bundle.inputs.some((i) => i.includes('snappyjs'))).toBe(true);
    expect(bundle.script).not.toMatch(/from\s*["']node:|require\(["'](node:)?(fs|http|net|buffer|crypto)["']\)/);
  });

  it('Prometheus reports totals equal to the requests sent, per label set, with no counter reset', async () => {
    const routes = [
      { path: '/users/1', route: '/users/:id' },
      { path: '/users/22', route: '/users/:id' },
      { path: '/orders/7', route: '/orders/:id' },
      { path: '/health', route: '/health' },
    ];
    let sent = 0;
    // Each isolate serves REQUESTS_PER_ISOLATE requests from CONCURRENCY concurrent clients, while it pushes
    // every 100 ms from ctx.waitUntil: many pushes per isolate, overlapping requests and pushes.
    await Promise.all(
      isolates.flatMap((mf, i) =>
        Array.from({ length: CONCURRENCY }, async (_, c) => {
          for (let k = c; k < REQUESTS_PER_ISOLATE; k += CONCURRENCY) {
            const r = routes[(k + i) % routes.length] as (typeof routes)[number];
            const status = k % 10 === 3 ? 500 : k % 10 === 7 ? 404 : 200;
            const method = k % 5 === 0 ? 'POST' : 'GET';
            const response = await mf.dispatchFetch(`http://worker.test${r.path}?status=${status}`, { method });
            await response.arrayBuffer();
            expect(response.status).toBe(status);
            const key = `${method} ${r.route} ${status}`;
            expected.set(key, (expected.get(key) ?? 0) + 1);
            sent++;
          }
        }),
      ),
    );
    expect(sent).toBe(ISOLATES * REQUESTS_PER_ISOLATE);

    // dispatchFetch resolves before waitUntil work is done: poll Prometheus (never dispose before).
    const total = async () => Number((await prometheus.query('sum(http_requests_total{service="edge"})'))[0]?.value[1]);
    await until(async () => (await total()) === sent, `Prometheus to report ${sent} requests`, 30_000);

    const perLabelSet = await prometheus.query('sum by (method, route, status) (http_requests_total{service="edge"})');
    const got = new Map(
      perLabelSet
        .map((v) => [`${v.metric.method} ${v.metric.route} ${v.metric.status}`, Number(v.value[1])] as const)
        .filter(([, n]) => n > 0),
    );
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(expected));

    const histogramCount = await prometheus.query('sum(http_request_duration_seconds_count{service="edge"})');
    expect(Number(histogramCount[0]?.value[1])).toBe(sent);
    const inf = await prometheus.query('sum(http_request_duration_seconds_bucket{service="edge",le="+Inf"})');
    expect(Number(inf[0]?.value[1])).toBe(sent);

    // One series set per isolate, each monotonic: no reset anywhere over the whole run.
    const instances = await prometheus.query('count by (instance) (http_requests_total{service="edge"})');
    expect(instances).toHaveLength(ISOLATES);
    const resets = await prometheus.query('sum(resets(http_requests_total{service="edge"}[1h]))');
    expect(Number(resets[0]?.value[1])).toBe(0);
    const bucketResets = await prometheus.query(
      'sum(resets(http_request_duration_seconds_bucket{service="edge"}[1h]))',
    );
    expect(Number(bucketResets[0]?.value[1])).toBe(0);
    // Every push was accepted (a 400 would mean out-of-order or duplicate samples), several per isolate.
    for (const mf of isolates) {
      const state = await writerState(mf);
      expect(state.stats?.pushes).toBe(state.stats?.accepted);
      expect(state.stats?.pushes).toBeGreaterThan(1);
    }
    // The 0 sample before each new label set lets rate()/increase() see every request, including the first.
    const increase = Number(
      (await prometheus.query('sum(increase(http_requests_total{service="edge"}[1h]))'))[0]?.value[1],
    );
    expect(increase).toBeGreaterThanOrEqual(sent);
    expect(increase).toBeLessThan(sent * 1.5);
    expect(prometheus.log()).not.toMatch(/Out of order sample|duplicate sample/i);
  }, 120_000);

  it('control: isolates pushing cumulative counters under one label set (no per-isolate label) reset or are rejected', async () => {
    const t = Date.now() - 10_000;
    const push = async (count: number, at: number) => {
      const metrics = new HttpMetrics({ preInitServerErrors: false });
      for (let i = 0; i < count; i++) metrics.observe(0, '/naive', 200, 0.001);
      const writer = new RemoteWriter({
        metrics,
        labels: { service: 'naive', job: 'naive' },
        instance: 'shared',
        target: { url: prometheus.writeUrl },
        now: () => at,
        onError: () => undefined,
      });
      await writer.flush();
      return writer.stats.last?.status;
    };
    // Isolate A has served 5 requests, isolate B (younger) 2, A then 6: what one shared series would see.
    const statuses = [await push(5, t), await push(2, t + 1000), await push(6, t + 2000)];
    const resets = await prometheus.query('resets(http_requests_total{service="naive"}[1h])');
    // Prometheus takes each push (timestamps increase) and sees the count drop 5 → 2 (0 → 2 with the 0 sample).
    expect(statuses).toEqual([204, 204, 204]);
    expect(Number(resets[0]?.value[1])).toBeGreaterThan(0);
  }, 30_000);
});
