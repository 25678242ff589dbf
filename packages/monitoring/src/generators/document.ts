/**
 * What a generator returns: documents, each with its path in out/, not text. generate.ts serialises every document
 * once (serialise below), and the deploy targets (kubernetes/, compose/) read the rule groups and dashboards they
 * wrap as these documents instead of parsing the YAML and JSON text back.
 */
import { toYaml } from '../util/yaml.ts';

/** A file of out/: its path (relative to out/, with `/`) and its value, written as YAML, JSON or text. */
export type OutDocument =
  | {
      path: string;
      kind: 'yaml';
      value: unknown;
      /** The comment lines above the YAML; util/yaml.ts' GENERATED_HEADER when absent. */
      header?: string;
    }
  | { path: string; kind: 'json'; value: unknown }
  | { path: string; kind: 'text'; value: string };

export function yamlDocument(path: string, value: unknown, header?: string): OutDocument {
  return header === undefined ? { path, kind: 'yaml', value } : { path, kind: 'yaml', value, header };
}

export function jsonDocument(path: string, value: unknown): OutDocument {
  return { path, kind: 'json', value };
}

export function textDocument(path: string, value: string): OutDocument {
  return { path, kind: 'text', value };
}

/** The file's content: YAML through util/yaml.ts, JSON indented by two spaces with a final newline, text as is. */
export function serialise(doc: OutDocument): string {
  switch (doc.kind) {
    case 'yaml':
      return toYaml(doc.value, doc.header);
    case 'json':
      return `${JSON.stringify(doc.value, null, 2)}\n`;
    case 'text':
      return doc.value;
  }
}

/** Path → content, in the documents' order (a later document with the same path replaces an earlier one). */
export function serialiseAll(docs: readonly OutDocument[]): Map<string, string> {
  return new Map(docs.map((d) => [d.path, serialise(d)]));
}

/**
 * The documents directly under `dir` (not in a subfolder) whose name ends with `ext`, sorted by file name, with
 * that file name: how the deploy targets find the rule files and dashboards generated before them.
 */
export function documentsIn(
  docs: readonly OutDocument[],
  dir: string,
  ext: string,
): { file: string; doc: OutDocument }[] {
  return docs
    .filter((d) => d.path.startsWith(`${dir}/`) && d.path.endsWith(ext) && !d.path.slice(dir.length + 1).includes('/'))
    .map((doc) => ({ file: doc.path.slice(dir.length + 1), doc }))
    .sort((a, b) => a.file.localeCompare(b.file));
}
