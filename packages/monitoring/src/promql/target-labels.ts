/**
 * Which target labels the scrape config attaches, read from a generated prometheus.yml: the keys of each job's
 * `static_configs[].labels` and the `target_label` of its replace relabelings. Infrastructure jobs (named as in
 * conventions' JOB) label their exporter's metrics; every other job scrapes an application. All of them label
 * the synthetic `up`/`scrape_*` series. Text that does not parse gives no labels (promtool reports it).
 */
import { isMap, isScalar, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { JOB } from '../conventions.ts';
import type { MetricSource } from './known-metrics.ts';

export type TargetLabels = Partial<Record<MetricSource, readonly string[]>>;

const INFRA_JOBS: Readonly<Record<string, MetricSource>> = {
  [JOB.prometheus]: 'prometheus',
  [JOB.alertmanager]: 'alertmanager',
  [JOB.nodeExporter]: 'node_exporter',
};

/** Which metrics a scrape job yields: an infrastructure job's exporter's, else an application's. */
export function jobSource(jobName: string): MetricSource {
  return INFRA_JOBS[jobName] ?? 'application';
}

export function targetLabelsFromPrometheusConfig(prometheusYml: string): TargetLabels {
  const doc = parseDocument(prometheusYml);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return {};
  const jobs = doc.contents.get('scrape_configs', true);
  if (!isSeq(jobs)) return {};
  const out = new Map<MetricSource, Set<string>>();
  const add = (source: MetricSource, labels: readonly string[]) => {
    const set = out.get(source) ?? new Set<string>();
    for (const l of labels) set.add(l);
    out.set(source, set);
  };
  for (const job of jobs.items) {
    if (!isMap(job)) continue;
    const name = scalar(job, 'job_name') ?? '';
    const labels = [...staticLabels(job), ...relabelTargets(job)].filter((l) => !l.startsWith('__'));
    add(jobSource(name), labels);
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

function scalar(map: YAMLMap, key: string): string | undefined {
  const v = map.get(key, true);
  return isScalar(v) && v.value !== null ? String(v.value) : undefined;
}
