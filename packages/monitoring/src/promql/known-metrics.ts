/**
 * Which metric names exist and which labels their series carry: the application metrics (from the metric
 * contract) plus a modest list of the node_exporter, Prometheus and Alertmanager metrics an SRE writes rules
 * on. The list is deliberately not exhaustive: a metric missing here is reported as unknown, and is added here
 * on purpose when a rule needs it.
 *
 * A series' labels are the labels its exporter sets plus the labels Prometheus attaches when scraping (`job`,
 * `instance`), plus the target label `service` on application targets (and on the synthetic `up`/`scrape_*`
 * series, which carry every target label). `__name__` is not listed here; label inference adds it.
 */
import {
  APPLICATION_METRICS,
  type MetricSpec,
  SCRAPE_LABELS,
  SERVICE_LABEL,
  seriesNames,
} from '@greyhaven/metric-contract';

import type { MetricSource } from '../conventions.ts';
import {
  BUILD_INFO_LABELS as BUILD_INFO,
  type MetricFamily as Family,
  NODE_EXPORTER_FAMILIES,
} from '../model/node-exporter.ts';

export interface KnownSeries {
  readonly name: string;
  readonly source: MetricSource;
  /** Every label a series of this name can carry (without `__name__`). */
  readonly labels: ReadonlySet<string>;
}

/** Standard Go process/runtime metrics, exposed by node_exporter, Prometheus and Alertmanager alike. */
const GO_PROCESS: readonly Family[] = [
  ['process_cpu_seconds_total'],
  ['process_resident_memory_bytes'],
  ['process_virtual_memory_bytes'],
  ['process_start_time_seconds'],
  ['process_open_fds'],
  ['process_max_fds'],
  ['go_goroutines'],
  ['go_memstats_alloc_bytes'],
  ['go_memstats_heap_inuse_bytes'],
];

/** Series Prometheus writes for every scrape target (they carry all target labels). */
const SCRAPE: readonly Family[] = [
  ['up'],
  ['scrape_duration_seconds'],
  ['scrape_samples_scraped'],
  ['scrape_samples_post_metric_relabeling'],
  ['scrape_series_added'],
];

/** node_exporter's families are the model's table (the rules take their node_* names from it). */
const NODE_EXPORTER: readonly Family[] = [...NODE_EXPORTER_FAMILIES, ...GO_PROCESS];

const RULE_GROUP = ['rule_group'] as const;

const PROMETHEUS: readonly Family[] = [
  ['prometheus_build_info', BUILD_INFO],
  ['prometheus_ready'],
  ['prometheus_config_last_reload_successful'],
  ['prometheus_config_last_reload_success_timestamp_seconds'],
  ['prometheus_rule_evaluations_total', RULE_GROUP],
  ['prometheus_rule_evaluation_failures_total', RULE_GROUP],
  ['prometheus_rule_group_iterations_total', RULE_GROUP],
  ['prometheus_rule_group_iterations_missed_total', RULE_GROUP],
  ['prometheus_rule_group_interval_seconds', RULE_GROUP],
  ['prometheus_rule_group_last_duration_seconds', RULE_GROUP],
  ['prometheus_rule_group_last_evaluation_timestamp_seconds', RULE_GROUP],
  ['prometheus_rule_group_rules', RULE_GROUP],
  ['prometheus_notifications_alertmanagers_discovered'],
  ['prometheus_notifications_dropped_total'],
  ['prometheus_notifications_queue_length'],
  ['prometheus_notifications_queue_capacity'],
  ['prometheus_notifications_errors_total', ['alertmanager']],
  ['prometheus_notifications_sent_total', ['alertmanager']],
  ['prometheus_notifications_latency_seconds', ['alertmanager', 'quantile']],
  ['prometheus_notifications_latency_seconds_sum', ['alertmanager']],
  ['prometheus_notifications_latency_seconds_count', ['alertmanager']],
  ['prometheus_sd_discovered_targets', ['config', 'name']],
  ['prometheus_target_scrape_pool_targets', ['scrape_job']],
  ['prometheus_target_scrapes_exceeded_sample_limit_total'],
  ['prometheus_target_scrapes_sample_out_of_order_total'],
  ['prometheus_target_interval_length_seconds', ['interval', 'quantile']],
  ['prometheus_target_interval_length_seconds_sum', ['interval']],
  ['prometheus_target_interval_length_seconds_count', ['interval']],
  ['prometheus_engine_query_duration_seconds', ['slice', 'quantile']],
  ['prometheus_tsdb_head_series'],
  ['prometheus_tsdb_head_chunks'],
  ['prometheus_tsdb_head_samples_appended_total', ['type']],
  ['prometheus_tsdb_compactions_total'],
  ['prometheus_tsdb_compactions_failed_total'],
  ['prometheus_tsdb_reloads_failures_total'],
  ['prometheus_tsdb_wal_corruptions_total'],
  ['prometheus_tsdb_wal_truncations_failed_total'],
  ['prometheus_tsdb_checkpoint_creations_failed_total'],
  ['prometheus_tsdb_storage_blocks_bytes'],
  ['prometheus_tsdb_retention_limit_bytes'],
  ['prometheus_tsdb_lowest_timestamp_seconds'],
  ['prometheus_tsdb_out_of_order_samples_total', ['type']],
  ...GO_PROCESS,
];

const INTEGRATION = ['integration'] as const;

const ALERTMANAGER: readonly Family[] = [
  ['alertmanager_build_info', BUILD_INFO],
  ['alertmanager_config_last_reload_successful'],
  ['alertmanager_config_last_reload_success_timestamp_seconds'],
  ['alertmanager_config_hash'],
  ['alertmanager_alerts', ['state']],
  ['alertmanager_alerts_received_total', ['status', 'version']],
  ['alertmanager_alerts_invalid_total', ['version']],
  ['alertmanager_notifications_total', INTEGRATION],
  // Alertmanager 0.27 added `reason` to the failure counter.
  ['alertmanager_notifications_failed_total', ['integration', 'reason']],
  ['alertmanager_notification_requests_total', INTEGRATION],
  ['alertmanager_notification_requests_failed_total', INTEGRATION],
  ['alertmanager_notification_latency_seconds_bucket', ['integration', 'le']],
  ['alertmanager_notification_latency_seconds_sum', INTEGRATION],
  ['alertmanager_notification_latency_seconds_count', INTEGRATION],
  ['alertmanager_dispatcher_aggregation_groups'],
  ['alertmanager_silences', ['state']],
  ['alertmanager_cluster_enabled'],
  ['alertmanager_cluster_members'],
  ['alertmanager_cluster_failed_peers'],
  ['alertmanager_cluster_health_score'],
  ['alertmanager_cluster_messages_received_total', ['msg_type']],
  ['alertmanager_cluster_messages_sent_total', ['msg_type']],
  ...GO_PROCESS,
];

/**
 * Series Prometheus's rule engine writes. Their labels also include every label of every alert that can fire
 * (the alert expression's output labels plus its static `labels`), which only the rule files can tell; the
 * contract check adds those.
 */
export const RULE_ENGINE_SERIES = {
  ALERTS: ['alertname', 'alertstate'],
  ALERTS_FOR_STATE: ['alertname'],
} as const satisfies Record<string, readonly string[]>;

/** The labels a series of an application metric carries: its own, `le` on buckets, the scrape and target labels. */
function applicationSeries(metric: MetricSpec, targetLabels: readonly string[]): KnownSeries[] {
  return seriesNames(metric).map((name) => ({
    name,
    source: 'application' as const,
    labels: new Set([
      ...metric.labels,
      ...(name.endsWith('_bucket') ? ['le'] : []),
      ...SCRAPE_LABELS,
      SERVICE_LABEL,
      ...targetLabels,
    ]),
  }));
}

function external(source: MetricSource, families: readonly Family[], extra: readonly string[] = []): KnownSeries[] {
  return families.map(([name, labels = []]) => ({
    name,
    source,
    labels: new Set([...labels, ...SCRAPE_LABELS, ...extra]),
  }));
}

/**
 * Every metric name known without reading the rule files, keyed by name. Built fresh on each call.
 * `targetLabels` are the labels the scrape config attaches to each kind of target, beyond `job`/`instance`
 * (and `service` on applications, which the contract guarantees).
 */
export function knownSeries(
  metrics: readonly MetricSpec[] = APPLICATION_METRICS,
  targetLabels: Partial<Record<MetricSource, readonly string[]>> = {},
): Map<string, KnownSeries> {
  const all = [
    ...metrics.flatMap((m) => applicationSeries(m, targetLabels.application ?? [])),
    ...external('scrape', SCRAPE, [SERVICE_LABEL, ...(targetLabels.scrape ?? [])]),
    ...external('node_exporter', NODE_EXPORTER, targetLabels.node_exporter),
    ...external('prometheus', PROMETHEUS, targetLabels.prometheus),
    ...external('alertmanager', ALERTMANAGER, targetLabels.alertmanager),
  ];
  const byName = new Map<string, KnownSeries>();
  for (const s of all) {
    const seen = byName.get(s.name);
    // Go process metrics appear under several exporters; a series may carry the labels of any of them.
    byName.set(s.name, seen === undefined ? s : { ...seen, labels: new Set([...seen.labels, ...s.labels]) });
  }
  return byName;
}
