/**
 * How often a series gets a sample, read from a generated prometheus.yml: for each kind of metric (application,
 * node_exporter, … as in known-metrics) the longest `scrape_interval` of the jobs that yield it (a job's own, else
 * the global one; Prometheus' default is 1m), and the global `evaluation_interval` at which recording rules
 * write their series. The contract check compares rate windows with them. Text that does not parse gives
 * nothing (promtool reports it).
 */
import type { YAMLMap } from 'yaml';
import type { MetricSource } from '../conventions.ts';
import { readScrapeConfig, scalar } from '../outdir/prometheus-yml.ts';
import { parseDuration } from '../util/duration.ts';

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
  const config = readScrapeConfig(prometheusYml);
  if (config === undefined) return undefined;
  const globalMs = (key: string) =>
    (config.global === undefined ? undefined : durationMs(config.global, key)) ?? PROMETHEUS_DEFAULT_MS;
  const scrapeDefault = globalMs('scrape_interval');
  const scrape: Partial<Record<MetricSource, Interval>> = {};
  const longest = (source: MetricSource, interval: Interval) => {
    if ((scrape[source]?.ms ?? -1) < interval.ms) scrape[source] = interval;
  };
  for (const { name, source, job } of config.jobs) {
    const interval = { ms: durationMs(job, 'scrape_interval') ?? scrapeDefault, from: `job "${name}"` };
    longest(source, interval);
    longest('scrape', interval);
  }
  return { scrape, evaluation: { ms: globalMs('evaluation_interval'), from: 'global evaluation_interval' } };
}

function durationMs(map: YAMLMap, key: string): number | undefined {
  const text = scalar(map, key);
  return text === undefined ? undefined : parseDuration(text);
}
