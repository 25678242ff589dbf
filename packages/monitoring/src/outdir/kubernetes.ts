/**
 * Reading out/kubernetes/: YAML files with the line of any key, the objects kustomization.yaml applies, the release
 * in helmfile.yaml and the Secret templates in secrets/. Shared by the kubernetes/* checks and `ghmon deploy
 * kubernetes`; what is unreadable comes back as problems, never as an exception.
 */
import { isScalar, isMap as isYamlMap, LineCounter, parseDocument } from 'yaml';
import { OUT } from '../conventions.ts';
import { getPath, isMap, type Values } from '../util/helm.ts';
import type { OutFiles, OutProblem } from './files.ts';

export interface YamlFile {
  path: string;
  value: unknown;
  /** 1-based line of the key at `path` (or of its nearest existing parent). */
  line(path: readonly (string | number)[]): number | undefined;
}

/** Why a text is not YAML: each parse error's line and the first line of its message. */
export interface YamlError {
  line: number;
  reason: string;
}

/** Parses YAML text (duplicate keys are errors), keeping positions for `line`. */
export function parseYaml(path: string, text: string): { file: YamlFile } | { errors: YamlError[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((e) => ({
        line: lineCounter.linePos(e.pos[0]).line,
        reason: e.message.split('\n')[0] ?? '',
      })),
    };
  }
  return {
    file: {
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
    },
  };
}

/** A YAML file of out/; undefined plus problems when it is missing or does not parse. */
export function readYaml(files: OutFiles, path: string): { file?: YamlFile; problems: OutProblem[] } {
  if (!files.exists(path)) return { problems: [{ file: path, message: 'file is missing' }] };
  const parsed = parseYaml(path, files.read(path));
  if ('errors' in parsed) {
    return {
      problems: parsed.errors.map((e) => ({ file: path, line: e.line, message: `YAML does not parse: ${e.reason}` })),
    };
  }
  return { file: parsed.file, problems: [] };
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

/** Reads kustomization.yaml, every resource it lists, values.yaml and helmfile.yaml, with what is unreadable. */
export function readKubernetesOutput(files: OutFiles): { output: KubernetesOutput; problems: OutProblem[] } {
  const problems: OutProblem[] = [];
  const yaml = (path: string) => {
    const r = readYaml(files, path);
    problems.push(...r.problems);
    return r.file;
  };
  const out: KubernetesOutput = { objects: [] };
  const kustomization = yaml(OUT.kubernetesKustomization);
  if (kustomization) out.kustomization = kustomization;
  const values = yaml(OUT.kubernetesValues);
  if (values) out.values = values;
  const helmfile = yaml(OUT.kubernetesHelmfile);
  const first = getPath(helmfile?.value, ['releases', 0]);
  if (helmfile && isMap(first) && typeof first.name === 'string' && typeof first.namespace === 'string') {
    out.release = { name: first.name, namespace: first.namespace };
  } else if (helmfile) {
    problems.push({ file: OUT.kubernetesHelmfile, message: 'expected releases[0] with a name and a namespace' });
  }
  const resources = getPath(kustomization?.value, ['resources']);
  if (kustomization && !Array.isArray(resources)) {
    problems.push({ file: kustomization.path, message: 'expected a list of resources' });
  }
  for (const r of Array.isArray(resources) ? resources : []) {
    if (typeof r !== 'string') continue;
    const path = `${OUT.kubernetesDir}/${r}`;
    if (r.startsWith('/') || r.split('/').includes('..')) {
      problems.push({ file: OUT.kubernetesKustomization, message: `resource ${r} is outside out/kubernetes/` });
      continue;
    }
    const file = yaml(path);
    if (!file) continue;
    if (!isMap(file.value)) {
      problems.push({ file: path, message: 'expected one Kubernetes object' });
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
  return { output: out, problems };
}

/** Labels of an object as strings (non-string values are reported by kubernetes/schema). */
export function labelsOf(o: AppliedObject): Record<string, string> {
  return Object.fromEntries(
    Object.entries(isMap(o.metadata.labels) ? o.metadata.labels : {}).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    ),
  );
}

/** helmfile.yaml's first repository and release, each field as written (undefined when absent). */
export function helmfileRelease(helmfile: unknown): {
  release: Record<'name' | 'namespace' | 'chart' | 'version', unknown>;
  repo: Record<'name' | 'url', unknown>;
} {
  const repo = getPath(helmfile, ['repositories', 0]);
  const release = getPath(helmfile, ['releases', 0]);
  return {
    release: {
      name: getPath(release, ['name']),
      namespace: getPath(release, ['namespace']),
      chart: getPath(release, ['chart']),
      version: getPath(release, ['version']),
    },
    repo: { name: getPath(repo, ['name']), url: getPath(repo, ['url']) },
  };
}

/** A Secret template of secrets/: its name and the keys of its `stringData` (as written). */
export function secretTemplate(secret: unknown): { name: unknown; keys: string[] } {
  const data = getPath(secret, ['stringData']);
  return { name: getPath(secret, ['metadata', 'name']), keys: Object.keys(isMap(data) ? data : {}) };
}
