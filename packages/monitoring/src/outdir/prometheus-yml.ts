/**
 * Reading a generated prometheus.yml: its `global` section and its scrape jobs, each with its name and the kind of
 * metrics it yields; the targets and labels of their static configs; the external labels. Shared by the contract
 * check (target-labels.ts: which labels each job attaches; sample-intervals.ts: how often each job samples),
 * workers/scraped and the replay (the targets its series imitate). Text that does not parse gives undefined
 * (promtool reports it).
 */
import { isMap, isScalar, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { JOB, type MetricSource } from '../conventions.ts';

export interface ScrapeJob {
  readonly name: string;
  /** Which metrics it yields: an infrastructure job's exporter's, else an application's. */
  readonly source: MetricSource;
  readonly job: YAMLMap;
}

export interface ScrapeConfig {
  readonly global?: YAMLMap;
  readonly jobs: readonly ScrapeJob[];
}

/** Infrastructure jobs (named as in conventions' JOB) label their exporter's metrics. */
const INFRA_JOBS: Readonly<Record<string, MetricSource>> = {
  [JOB.prometheus]: 'prometheus',
  [JOB.alertmanager]: 'alertmanager',
  [JOB.nodeExporter]: 'node_exporter',
};

export function readScrapeConfig(prometheusYml: string): ScrapeConfig | undefined {
  const doc = parseDocument(prometheusYml);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
  const global = doc.contents.get('global', true);
  const list = doc.contents.get('scrape_configs', true);
  const jobs = (isSeq(list) ? list.items : []).filter(isMap).map((job) => {
    const name = scalar(job, 'job_name') ?? '';
    return { name, source: INFRA_JOBS[name] ?? ('application' as const), job };
  });
  return { ...(isMap(global) ? { global } : {}), jobs };
}

/** A scalar value of a map as a string, or undefined. */
export function scalar(map: YAMLMap, key: string): string | undefined {
  const v = map.get(key, true);
  return isScalar(v) && v.value !== null ? String(v.value) : undefined;
}

/** One `static_configs` entry of a scrape job: its targets and the labels it attaches to them. */
export interface StaticTargets {
  /** The job's `job_name` ('' when it has none). */
  readonly job: string;
  readonly targets: readonly string[];
  /** The entry's `labels`, values as strings (`__` labels included: relabelling drops them, callers decide). */
  readonly labels: Readonly<Record<string, string>>;
}

/** Every `static_configs` entry of every scrape job, in file order. */
export function staticTargets(config: ScrapeConfig): StaticTargets[] {
  return config.jobs.flatMap(({ name, job }) => {
    const list = job.get('static_configs', true);
    return (isSeq(list) ? list.items : []).filter(isMap).map((st) => {
      const targets = st.get('targets', true);
      return { job: name, targets: isSeq(targets) ? scalars(targets.items) : [], labels: scalarMap(st, 'labels') };
    });
  });
}

/** `global.external_labels`, values as strings: Prometheus adds them to every alert it sends. */
export function externalLabels(config: ScrapeConfig): Record<string, string> {
  return config.global === undefined ? {} : scalarMap(config.global, 'external_labels');
}

/** A map's scalar entries under `key`, as strings (other entries are skipped). */
function scalarMap(map: YAMLMap, key: string): Record<string, string> {
  const v = map.get(key, true);
  if (!isMap(v)) return {};
  return Object.fromEntries(
    v.items.flatMap((p) =>
      isScalar(p.key) && isScalar(p.value) && p.value.value !== null
        ? [[String(p.key.value), String(p.value.value)]]
        : [],
    ),
  );
}

function scalars(items: readonly unknown[]): string[] {
  return items.flatMap((i) => (isScalar(i) && i.value !== null ? [String(i.value)] : []));
}
