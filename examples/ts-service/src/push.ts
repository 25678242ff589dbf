/**
 * Pushing the way a Cloudflare Worker does, for `ghmon up`'s demo of a push service (config `push: { protocol:
 * 'remote-write' }`, Grey Haven's `api`): the same `RemoteWriter` from @greyhaven/metrics/workers that
 * `withRemoteWrite` runs in each isolate, with the same per-isolate metrics (`maxLabelSets: 250`), one random
 * `instance` per process (a process plays one isolate: a restart is a new isolate with new series, as an evicted
 * one's replacement), and a push scheduled after every response — `ctx.waitUntil(writer.schedule())` in a Worker.
 * Nothing pushes without requests, as in a Worker.
 *
 * Why not workerd (miniflare) itself: its host process and workerd measured 104 + 55 MB RSS, against 59 MB for
 * this service pushing (58 MB scraped), on a stack already over its memory goal; the writer and the wire protocol are what matter for
 * the counters the rules read, and they are the same code (README, "What `ghmon up` runs").
 *
 * Environment: REMOTE_WRITE_URLS (comma-separated receivers: with HA, every Prometheus replica gets every push),
 * REMOTE_WRITE_LABELS (JSON: the service's target labels and `job`), REMOTE_WRITE_INTERVAL_MS (least time between
 * two pushes; default 10 000, withRemoteWrite's).
 */
import { request, type Server } from 'node:http';
import { HttpMetrics } from '@greyhaven/metrics';
import { RemoteWriter } from '@greyhaven/metrics/workers';

export interface PushConfig {
  urls: string[];
  labels: Record<string, string>;
  intervalMs: number;
}

/** The push settings from the environment, or undefined when REMOTE_WRITE_URLS is not set (the service is scraped). */
export function pushConfigFromEnv(env: NodeJS.ProcessEnv): PushConfig | undefined {
  const urls = (env.REMOTE_WRITE_URLS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (urls.length === 0) return undefined;
  const labels = JSON.parse(env.REMOTE_WRITE_LABELS ?? '{}') as Record<string, string>;
  const intervalMs = Number(env.REMOTE_WRITE_INTERVAL_MS ?? 10_000);
  return { urls, labels, intervalMs: Number.isFinite(intervalMs) && intervalMs >= 0 ? intervalMs : 10_000 };
}

/** A Worker isolate's metrics: every isolate's label sets are series of their own, so they are capped. */
export function isolateMetrics(): HttpMetrics {
  return new HttpMetrics({ maxLabelSets: 250 });
}

/** 16 random hex digits, as RemoteWriter draws an isolate's id; shared by the writers of one process. */
function randomInstance(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The part of `fetch` RemoteWriter uses (POST a body, read the status and, on failure, the text), over node:http.
 * Node's global fetch loads undici on first use: it measured 14 MB more RSS for this process (72 vs 58 MB), on a
 * stack over its memory budget. A Worker has a native fetch; what goes over the wire is the same.
 */
export const nodeHttpFetch = ((input: string | URL, init: RequestInit = {}) =>
  new Promise((resolve, reject) => {
    const req = request(
      input,
      {
        method: init.method ?? 'GET',
        headers: init.headers as Record<string, string>,
        signal: init.signal ?? undefined,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve({
            ok: status >= 200 && status < 300,
            status,
            statusText: res.statusMessage ?? '',
            body: { cancel: async () => {} },
            text: async () => Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body as Uint8Array | undefined);
  })) as unknown as typeof fetch;

/**
 * Starts pushing `metrics` after every response `server` sends. One writer per receiver URL, all under the same
 * `instance`. Labels are validated here (a TypeError names a bad one), as withRemoteWrite does at module load.
 */
export function pushLikeAWorker(server: Server, metrics: HttpMetrics, config: PushConfig): RemoteWriter[] {
  const instance = randomInstance();
  const writers = config.urls.map(
    (url) =>
      new RemoteWriter({
        metrics,
        labels: config.labels,
        target: { url },
        intervalMs: config.intervalMs,
        instance,
        fetch: nodeHttpFetch,
      }),
  );
  server.on('request', (_req, res) => {
    // After the response, as ctx.waitUntil runs after a Worker's: the request is recorded by then.
    res.once('close', () => {
      for (const writer of writers) void writer.schedule();
    });
  });
  return writers;
}
