/**
 * `longTerm` in monitoring.config.ts: Prometheus keeps `retention` (30d) locally and, with this, also sends every
 * sample it ingests to a long-term store over remote write (VictoriaMetrics, Thanos Receive, Mimir, …). Optional:
 * without it prometheus.yml has no `remote_write`.
 *
 * Defined apart from config/schema.ts (which only references it) so the long-term pieces live together; the
 * duration format is the same as everywhere in the config.
 */
import { z } from 'zod';

const duration = z
  .string()
  .regex(/^([0-9]+(ms|s|m|h|d|w|y))+$/, 'expected a Prometheus duration such as 15s, 5m or 30d');
const count = (min: number, max: number) =>
  z.number().int('expected a whole number').min(min, `expected at least ${min}`).max(max, `expected at most ${max}`);

/**
 * Prometheus' `queue_config`. Defaults are sized for one Prometheus of up to ~1M active series sending to a
 * single store: larger batches than Prometheus 2.42's own defaults (500 samples per send, capacity 2500) because
 * VictoriaMetrics and Mimir ingest big batches cheaply, fewer shards (50, not 200) so a slow store is not hit by
 * 200 parallel connections, and 429 retried (the store asking to slow down must not drop samples).
 */
export const queueSchema = z
  .strictObject({
    /** Samples buffered per shard before Prometheus stops reading the WAL for that shard. */
    capacity: count(1, 1_000_000).default(10_000),
    minShards: count(1, 1000).default(1),
    maxShards: count(1, 1000).default(50),
    maxSamplesPerSend: count(1, 100_000).default(2_000),
    /** Longest a sample waits in a shard before a partial batch is sent. */
    batchSendDeadline: duration.default('5s'),
    /** Backoff between retries of a failed batch (recoverable errors: 5xx, connection errors, 429). */
    minBackoff: duration.default('30ms'),
    maxBackoff: duration.default('5s'),
    retryOnHttp429: z.boolean().default(true),
  })
  .prefault({});

export const longTermSchema = z
  .strictObject({
    remoteWrite: z.strictObject({
      /** The store's remote-write endpoint, e.g. VictoriaMetrics single node: http://vm:8428/api/v1/write. */
      url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
      /** Name of the queue in Prometheus' own metrics (`remote_name` label). */
      name: z
        .string()
        .regex(/^[a-z][a-z0-9-]*$/, 'expected a lowercase name of letters, digits and dashes')
        .default('long-term'),
      remoteTimeout: duration.default('30s'),
      /** File holding a bearer token the store expects (never inlined). */
      bearerTokenFile: z.string().startsWith('/', 'expected an absolute path').optional(),
      queue: queueSchema,
    }),
    /**
     * Prometheus-compatible query API of the store (VictoriaMetrics single node: the same host, `/api/v1/query`
     * under it; cluster: vmselect's `/select/0/prometheus`). Default: the write URL without `/api/v1/write`.
     */
    queryUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  })
  .superRefine((lt, ctx) => {
    if (lt.remoteWrite.queue.minShards > lt.remoteWrite.queue.maxShards) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected minShards ≤ maxShards',
        path: ['remoteWrite', 'queue', 'minShards'],
      });
    }
  });

export type LongTermConfig = z.output<typeof longTermSchema>;
