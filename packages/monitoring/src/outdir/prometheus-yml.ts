/**
 * Reading a generated prometheus.yml for the contract check: its `global` section and its scrape jobs, each with
 * its name and the kind of metrics it yields. Shared by target-labels.ts (which labels each job attaches) and
 * sample-intervals.ts (how often each job samples). Text that does not parse gives undefined (promtool reports it).
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
