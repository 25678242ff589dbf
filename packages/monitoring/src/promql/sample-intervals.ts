/**
 * How often a series gets a sample, read from a generated prometheus.yml: for each kind of metric (application,
 * node_exporter, … as in known-metrics) the longest `scrape_interval` of the jobs that yield it (a job's own, else
 * the global one; Prometheus' default is 1m), and the global `evaluation_interval` at which recording rules
 * write their series. The contract check compares rate windows with them. Text that does not parse gives
 * nothing (promtool reports it).
 */
import { isMap, isScalar, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { parseDuration } from '../config/duration.ts';
import type { MetricSource } from './known-metrics.ts';
import { jobSource } from './target-labels.ts';

/** Prometheus' defaults for `global.scrape_interval` and `global.evaluation_interval`. */
const PROMETHEUS_DEFAULT_MS = 60_000;

export interface Interval {
  readonly ms: number;
  /** Where it is set, for messages: `job "api"` or `global evaluation_interval`. */
  readonly from: string;
}

export interface SampleIntervals {
  /** The longest scrape interval of the jobs yielding each kind of metric (`scrape`: of every job). */
  readonly scrape: Partial<Record<MetricSource, Interval>>;
  /** The global evaluation interval (a rule group's `interval` overrides it). */
  readonly evaluation: Interval;
}

export function sampleIntervalsFromPrometheusConfig(prometheusYml: string): SampleIntervals | undefined {
  const doc = parseDocument(prometheusYml);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
  const global = doc.contents.get('global', true);
  const globalMs = (key: string) => (isMap(global) ? durationMs(global, key) : undefined) ?? PROMETHEUS_DEFAULT_MS;
  const scrapeDefault = globalMs('scrape_interval');
  const scrape: Partial<Record<MetricSource, Interval>> = {};
  const longest = (source: MetricSource, interval: Interval) => {
    if ((scrape[source]?.ms ?? -1) < interval.ms) scrape[source] = interval;
  };
  const jobs = doc.contents.get('scrape_configs', true);
  for (const job of isSeq(jobs) ? jobs.items : []) {
    if (!isMap(job)) continue;
    const name = scalar(job, 'job_name') ?? '';
    const interval = { ms: durationMs(job, 'scrape_interval') ?? scrapeDefault, from: `job "${name}"` };
    longest(jobSource(name), interval);
    longest('scrape', interval);
  }
  return { scrape, evaluation: { ms: globalMs('evaluation_interval'), from: 'global evaluation_interval' } };
}

function durationMs(map: YAMLMap, key: string): number | undefined {
  const text = scalar(map, key);
  return text === undefined ? undefined : parseDuration(text);
}

function scalar(map: YAMLMap, key: string): string | undefined {
  const v = map.get(key, true);
  return isScalar(v) && v.value !== null ? String(v.value) : undefined;
}
