/**
 * What the kubernetes/* checks share: out/kubernetes/ as outdir/kubernetes.ts reads it, its problems as the
 * check's findings, and the vendored chart values (packages/monitoring/data/, see its README) merged the way Helm
 * merges them.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { OutProblem } from '../../outdir/files.ts';
import {
  type KubernetesOutput,
  readKubernetesOutput as readOutput,
  readYaml as readOutYaml,
  type YamlFile,
} from '../../outdir/kubernetes.ts';
import type { Finding } from '../../util/finding.ts';
import { helmMerge, type Values } from '../../util/helm.ts';
import type { CheckContext } from './context.ts';

export type { AppliedObject, KubernetesOutput, YamlFile } from '../../outdir/kubernetes.ts';
export { labelsOf } from '../../outdir/kubernetes.ts';

const DATA = new URL('../../../data/', import.meta.url);

/** The vendored upstream data files, read once. */
export function dataFile(name: string): string {
  return readFileSync(new URL(name, DATA), 'utf8');
}

let chartValuesCache: { kubePrometheusStack: Values; grafana: Values } | undefined;

/** kube-prometheus-stack's values and its grafana subchart's values, as upstream ships them. */
export function chartValues(): { kubePrometheusStack: Values; grafana: Values } {
  chartValuesCache ??= {
    kubePrometheusStack: parseDocument(dataFile('kube-prometheus-stack-values.yaml')).toJS() as Values,
    grafana: parseDocument(dataFile('grafana-chart-values.yaml')).toJS() as Values,
  };
  return chartValuesCache;
}

/**
 * The chart's defaults as Helm sees them for one release: the parent chart's values, with the `grafana` subchart's
 * own defaults under `grafana` (the parent's `grafana:` values override them).
 */
export function chartDefaults(): Values {
  const { kubePrometheusStack, grafana } = chartValues();
  return { ...kubePrometheusStack, grafana: helmMerge(grafana, kubePrometheusStack.grafana) };
}

/** Our values.yaml merged over the chart's defaults: what the chart's templates will see. */
export function effectiveValues(values: Values): Values {
  return helmMerge(chartDefaults(), values) as Values;
}

/** The reader's problems as this check's error findings, in order. */
function toFindings(check: string, problems: readonly OutProblem[]): Finding[] {
  return problems.map((p) => ({
    check,
    severity: 'error',
    file: p.file,
    ...(p.line === undefined ? {} : { line: p.line }),
    message: p.message,
  }));
}

/** Parses a YAML file of out/; undefined plus a finding when it is missing or does not parse. */
export function readYaml(ctx: CheckContext, check: string, path: string, findings: Finding[]): YamlFile | undefined {
  const { file, problems } = readOutYaml(ctx, path);
  findings.push(...toFindings(check, problems));
  return file;
}

/** Reads kustomization.yaml, every resource it lists, values.yaml and helmfile.yaml, reporting what is unreadable. */
export function readKubernetesOutput(ctx: CheckContext, check: string, findings: Finding[]): KubernetesOutput {
  const { output, problems } = readOutput(ctx);
  findings.push(...toFindings(check, problems));
  return output;
}
