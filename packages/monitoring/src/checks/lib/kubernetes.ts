/**
 * What the kubernetes/* checks share: reading out/kubernetes/ (YAML with line numbers), the objects
 * kustomization.yaml applies, the release in helmfile.yaml, and the vendored chart values
 * (packages/monitoring/data/, see its README) merged the way Helm merges them.
 */
import { readFileSync } from 'node:fs';
import { isScalar, isMap as isYamlMap, LineCounter, parseDocument } from 'yaml';
import { OUT } from '../../conventions.ts';
import type { Finding } from '../../util/finding.ts';
import { getPath, helmMerge, isMap, type Values } from '../../util/helm.ts';
import type { CheckContext } from './context.ts';

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

export interface YamlFile {
  path: string;
  value: unknown;
  /** 1-based line of the key at `path` (or of its nearest existing parent). */
  line(path: readonly (string | number)[]): number | undefined;
}

/** Parses a YAML file of out/; undefined plus a finding when it is missing or does not parse. */
export function readYaml(ctx: CheckContext, check: string, path: string, findings: Finding[]): YamlFile | undefined {
  if (!ctx.exists(path)) {
    findings.push({ check, severity: 'error', file: path, message: 'file is missing' });
    return undefined;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(ctx.read(path), { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      findings.push({
        check,
        severity: 'error',
        file: path,
        line: lineCounter.linePos(e.pos[0]).line,
        message: `YAML does not parse: ${e.message.split('\n')[0]}`,
      });
    }
    return undefined;
  }
  return {
    path,
    value: doc.toJS(),
    line(keys) {
      let node: unknown = doc.contents;
      let offset: number | undefined;
      for (const key of keys) {
        if (isYamlMap(node)) {
          const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
          if (!pair) break;
          if (isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
          node = pair.value;
        } else if (node && typeof node === 'object' && 'items' in node && Array.isArray(node.items)) {
          const item = node.items[Number(key)] as { range?: [number, number] } | undefined;
          if (!item) break;
          if (item.range) offset = item.range[0];
          node = item;
        } else break;
      }
      return offset === undefined ? undefined : lineCounter.linePos(offset).line;
    },
  };
}

/** A Kubernetes object applied by kustomization.yaml, with the file it is in (relative to out/). */
export interface AppliedObject {
  file: YamlFile;
  apiVersion?: unknown;
  kind?: unknown;
  metadata: { name?: unknown; namespace?: unknown; labels?: Record<string, unknown> };
  object: Values;
}

export interface KubernetesOutput {
  kustomization?: YamlFile;
  values?: YamlFile;
  /** Release name and namespace from helmfile.yaml. */
  release?: { name: string; namespace: string };
  objects: AppliedObject[];
}

/** Reads kustomization.yaml, every resource it lists, values.yaml and helmfile.yaml, reporting what is unreadable. */
export function readKubernetesOutput(ctx: CheckContext, check: string, findings: Finding[]): KubernetesOutput {
  const out: KubernetesOutput = { objects: [] };
  const kustomization = readYaml(ctx, check, OUT.kubernetesKustomization, findings);
  if (kustomization) out.kustomization = kustomization;
  const values = readYaml(ctx, check, OUT.kubernetesValues, findings);
  if (values) out.values = values;
  const helmfile = readYaml(ctx, check, OUT.kubernetesHelmfile, findings);
  const first = getPath(helmfile?.value, ['releases', 0]);
  if (helmfile && isMap(first) && typeof first.name === 'string' && typeof first.namespace === 'string') {
    out.release = { name: first.name, namespace: first.namespace };
  } else if (helmfile) {
    findings.push({
      check,
      severity: 'error',
      file: OUT.kubernetesHelmfile,
      message: 'expected releases[0] with a name and a namespace',
    });
  }
  const resources = getPath(kustomization?.value, ['resources']);
  if (kustomization && !Array.isArray(resources)) {
    findings.push({ check, severity: 'error', file: kustomization.path, message: 'expected a list of resources' });
  }
  for (const r of Array.isArray(resources) ? resources : []) {
    if (typeof r !== 'string') continue;
    const path = `${OUT.kubernetesDir}/${r}`;
    if (r.startsWith('/') || r.split('/').includes('..')) {
      findings.push({
        check,
        severity: 'error',
        file: OUT.kubernetesKustomization,
        message: `resource ${r} is outside out/kubernetes/`,
      });
      continue;
    }
    const file = readYaml(ctx, check, path, findings);
    if (!file) continue;
    if (!isMap(file.value)) {
      findings.push({ check, severity: 'error', file: path, message: 'expected one Kubernetes object' });
      continue;
    }
    const o = file.value;
    out.objects.push({
      file,
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: isMap(o.metadata) ? (o.metadata as AppliedObject['metadata']) : {},
      object: o,
    });
  }
  return out;
}

/** Labels of an object as strings (non-string values are reported by kubernetes/schema). */
export function labelsOf(o: AppliedObject): Record<string, string> {
  return Object.fromEntries(
    Object.entries(isMap(o.metadata.labels) ? o.metadata.labels : {}).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    ),
  );
}
