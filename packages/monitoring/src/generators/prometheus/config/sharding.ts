/**
 * Horizontal sharding past one Prometheus: N Prometheus servers, each scraping the targets whose `service`
 * hashes to its number (`hashmod`), each with a `shard` external label, all remote-writing to one long-term store
 * that answers global queries.
 *
 * Sharding by `service` (not by `__address__`) keeps every target of a service on one shard, so each shard's
 * per-service recording rules and alerts (`sum by (service)`, the SLO rules) see the whole service and stay
 * right. Rules without `service` in their output (`greyhaven:http_rps`, `greyhaven:http_requests:rate5m`,
 * `greyhaven:http_errors:rate5m`) are partial on each shard: in the store, sum them `without (shard)`, or evaluate
 * them once over the store (vmalert, Thanos Ruler). Infrastructure jobs (Prometheus, Alertmanager, node_exporter)
 * are kept by every shard: each shard watches its own node and its Alertmanager path.
 *
 * A library step, not a config option yet (docs/scaling.md): `shardConfig(prometheusConfig(model), i, n)`.
 */
import { JOB, LABEL } from '../../../conventions.ts';
import type { PrometheusConfig, ScrapeConfig } from './prometheus-yml.ts';

export const SHARD_LABEL = 'shard';
/** A temporary label (dropped after relabelling, like every `__` label). */
const HASH_LABEL = '__tmp_shard_hash';
const INFRA_JOBS = new Set<string>(Object.values(JOB));

export interface ShardedScrapeConfig extends ScrapeConfig {
  relabel_configs?: (
    | { source_labels: string[]; modulus: number; target_label: string; action: 'hashmod' }
    | { source_labels: string[]; regex: string; action: 'keep' }
  )[];
}

export type ShardedPrometheusConfig = Omit<PrometheusConfig, 'scrape_configs'> & {
  scrape_configs: ShardedScrapeConfig[];
};

export function shardConfig(base: PrometheusConfig, shard: number, shards: number): ShardedPrometheusConfig {
  if (!Number.isInteger(shards) || shards < 1 || !Number.isInteger(shard) || shard < 0 || shard >= shards) {
    throw new RangeError(`shard ${shard} of ${shards}: expected 0 ≤ shard < shards`);
  }
  return {
    ...base,
    global: { ...base.global, external_labels: { ...base.global.external_labels, [SHARD_LABEL]: String(shard) } },
    scrape_configs: base.scrape_configs.map((job) =>
      INFRA_JOBS.has(job.job_name)
        ? job
        : {
            ...job,
            relabel_configs: [
              { source_labels: [LABEL.service], modulus: shards, target_label: HASH_LABEL, action: 'hashmod' },
              { source_labels: [HASH_LABEL], regex: String(shard), action: 'keep' },
            ],
          },
    ),
  };
}
