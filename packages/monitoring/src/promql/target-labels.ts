/**
 * Which target labels the scrape config attaches, read from a generated prometheus.yml: the keys of each job's
 * `static_configs[].labels` and the `target_label` of its replace relabelings. Infrastructure jobs (named as in
 * conventions' JOB) label their exporter's metrics; every other job scrapes an application. All of them label
 * the synthetic `up`/`scrape_*` series. Text that does not parse gives no labels (promtool reports it).
 */
import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import type { MetricSource } from '../conventions.ts';
import { readScrapeConfig, scalar } from '../outdir/prometheus-yml.ts';

export type TargetLabels = Partial<Record<MetricSource, readonly string[]>>;

export function targetLabelsFromPrometheusConfig(prometheusYml: string): TargetLabels {
  const config = readScrapeConfig(prometheusYml);
  if (config === undefined) return {};
  const out = new Map<MetricSource, Set<string>>();
  const add = (source: MetricSource, labels: readonly string[]) => {
    const set = out.get(source) ?? new Set<string>();
    for (const l of labels) set.add(l);
    out.set(source, set);
  };
  for (const { source, job } of config.jobs) {
    const labels = [...staticLabels(job), ...relabelTargets(job)].filter((l) => !l.startsWith('__'));
    add(source, labels);
    add('scrape', labels);
  }
  return Object.fromEntries([...out].map(([source, labels]) => [source, [...labels].sort()]));
}

function staticLabels(job: YAMLMap): string[] {
  const configs = job.get('static_configs', true);
  if (!isSeq(configs)) return [];
  return configs.items.flatMap((c) => {
    const labels = isMap(c) ? c.get('labels', true) : undefined;
    return isMap(labels) ? labels.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key)) : [];
  });
}

function relabelTargets(job: YAMLMap): string[] {
  const relabels = job.get('relabel_configs', true);
  if (!isSeq(relabels)) return [];
  return relabels.items.flatMap((r) => {
    if (!isMap(r)) return [];
    const action = scalar(r, 'action') ?? 'replace';
    const target = scalar(r, 'target_label');
    return action === 'replace' && target !== undefined ? [target] : [];
  });
}
