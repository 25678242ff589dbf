/**
 * The long-term store as the model holds it (config defaults resolved, the query URL derived), and the
 * `remote_write` section of prometheus.yml it turns into.
 */
import type { LongTermConfig } from '../config/long-term.ts';

export interface LongTermModel {
  remoteWrite: LongTermConfig['remoteWrite'];
  /** Prometheus-compatible query API of the store (no trailing slash). */
  queryUrl: string;
}

/** The write path every Prometheus-compatible store shares, stripped to derive the query URL. */
const WRITE_PATH = /\/api\/v1\/write\/?$/;

export function longTermModel(config: LongTermConfig | undefined): LongTermModel | undefined {
  if (config === undefined) return undefined;
  const queryUrl = (config.queryUrl ?? config.remoteWrite.url.replace(WRITE_PATH, '')).replace(/\/+$/, '');
  return { remoteWrite: structuredClone(config.remoteWrite), queryUrl };
}

/** One entry of prometheus.yml's `remote_write`. */
export interface RemoteWriteConfig {
  name: string;
  url: string;
  remote_timeout: string;
  authorization?: { type: 'Bearer'; credentials_file: string };
  queue_config: {
    capacity: number;
    min_shards: number;
    max_shards: number;
    max_samples_per_send: number;
    batch_send_deadline: string;
    min_backoff: string;
    max_backoff: string;
    retry_on_http_429: boolean;
  };
}

/**
 * Prometheus sends every sample it ingests (scraped, pushed to its receiver, or recorded by a rule) from its WAL:
 * while the store is unreachable it retries the failed batch with backoff and stops reading the WAL, so nothing
 * is lost as long as the outage is shorter than the WAL keeps (about 2 h, until the head is compacted).
 */
export function remoteWriteConfigs(longTerm: LongTermModel): RemoteWriteConfig[] {
  const rw = longTerm.remoteWrite;
  const q = rw.queue;
  return [
    {
      name: rw.name,
      url: rw.url,
      remote_timeout: rw.remoteTimeout,
      ...(rw.bearerTokenFile ? { authorization: { type: 'Bearer', credentials_file: rw.bearerTokenFile } } : {}),
      queue_config: {
        capacity: q.capacity,
        min_shards: q.minShards,
        max_shards: q.maxShards,
        max_samples_per_send: q.maxSamplesPerSend,
        batch_send_deadline: q.batchSendDeadline,
        min_backoff: q.minBackoff,
        max_backoff: q.maxBackoff,
        retry_on_http_429: q.retryOnHttp429,
      },
    },
  ];
}
