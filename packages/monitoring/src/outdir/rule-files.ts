/**
 * Reading the PromQL out of a Prometheus rule file (`groups: [{name, rules: [{record|alert, expr, labels}]}]`):
 * one entry per rule with its group, name, expression, static label names and the 1-based line of its `expr`.
 * Text that is not YAML, or not shaped like a rule file, gives problems, never an exception.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type YAMLMap } from 'yaml';

export interface RuleEntry {
  readonly file: string;
  readonly group: string;
  /** The group's own evaluation `interval`, when it sets one. */
  readonly groupInterval?: string;
  readonly kind: 'record' | 'alert';
  /** The recorded metric name or the alert name. */
  readonly name: string;
  readonly expr: string;
  /** Names of the rule's static `labels`. */
  readonly staticLabels: readonly string[];
  /** The rule's static `labels` with a scalar value, values as strings (may be templates, `{{ … }}`). */
  readonly labels?: Readonly<Record<string, string>>;
  /** 1-based line of the `expr` value. */
  readonly line?: number;
  /** An alerting rule's templated values: its `annotations` and `labels` (none for a recording rule). */
  readonly templates: readonly TemplateField[];
}

/** One annotation or label value of an alerting rule, which Prometheus expands as a Go template. */
export interface TemplateField {
  /** `annotations.<name>` or `labels.<name>`. */
  readonly field: string;
  readonly text: string;
  /** 1-based line of the value. */
  readonly line?: number;
}

export interface RuleFileProblem {
  readonly file: string;
  readonly group?: string;
  readonly rule?: string;
  readonly line?: number;
  readonly message: string;
}

/** A rule group as the file declares it, rules or not. */
export interface RuleGroupEntry {
  readonly file: string;
  readonly name: string;
  /** The group's own evaluation `interval`, when it sets one. */
  readonly interval?: string;
  /** 1-based line of the group. */
  readonly line?: number;
}

export interface RuleFile {
  readonly rules: RuleEntry[];
  readonly problems: RuleFileProblem[];
  /** Every group that is a mapping, in file order (also those with no rules). */
  readonly groups?: RuleGroupEntry[];
}

export function readRuleFile(file: string, content: string): RuleFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(content, { lineCounter });
  const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  const first = doc.errors[0];
  if (first !== undefined) {
    // The message's first line, without the " at line L, column C:" the finding carries as `line`.
    const reason = (first.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    const message = `not valid YAML: ${reason}`;
    return { rules: [], problems: [{ file, line: first.linePos?.[0].line, message }] };
  }
  if (doc.contents === null) return { rules: [], problems: [], groups: [] };
  // Aliases (`labels: *common`) are resolved to the node they name.
  const node = (n: unknown): unknown => (isAlias(n) ? n.resolve(doc as Document) : n);
  const get = (map: YAMLMap, key: string): unknown => node(map.get(key, true));

  /** The string values of a rule's `annotations` or `labels` map, each with its line. */
  const templateFields = (map: string, value: unknown): TemplateField[] => {
    if (!isMap(value)) return [];
    return value.items.flatMap((pair) => {
      const v = node(pair.value);
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      return isScalar(v) && typeof v.value === 'string'
        ? [{ field: `${map}.${key}`, text: v.value, line: lineOf(v.range?.[0]) }]
        : [];
    });
  };
  const groups = isMap(doc.contents) ? get(doc.contents, 'groups') : undefined;
  if (!isSeq(groups)) {
    return {
      rules: [],
      problems: [{ file, line: lineOf(doc.contents.range?.[0]), message: 'not a rule file: expected a `groups` list' }],
    };
  }
  const rules: RuleEntry[] = [];
  const problems: RuleFileProblem[] = [];
  const groupEntries: RuleGroupEntry[] = [];
  for (const item of groups.items) {
    const g = node(item);
    if (!isMap(g)) {
      problems.push({ file, line: lineOf(rangeStart(g)), message: 'rule group is not a mapping' });
      continue;
    }
    const group = scalarString(get(g, 'name')) ?? '';
    const groupInterval = scalarString(get(g, 'interval'));
    groupEntries.push({
      file,
      name: group,
      ...(groupInterval === undefined ? {} : { interval: groupInterval }),
      line: lineOf(rangeStart(g)),
    });
    const list = get(g, 'rules');
    if (list === undefined) continue;
    if (!isSeq(list)) {
      problems.push({ file, group, line: lineOf(rangeStart(list)), message: '`rules` is not a list' });
      continue;
    }
    for (const item of list.items) {
      const r = node(item);
      const line = lineOf(rangeStart(r));
      if (!isMap(r)) {
        problems.push({ file, group, line, message: 'rule is not a mapping' });
        continue;
      }
      const record = scalarString(get(r, 'record'));
      const alert = scalarString(get(r, 'alert'));
      const name = record ?? alert ?? '';
      const exprNode = get(r, 'expr');
      if (!isScalar(exprNode) || exprNode.value === null) {
        problems.push({ file, group, rule: name, line, message: 'rule has no `expr`' });
        continue;
      }
      const labels = get(r, 'labels');
      const kind = record !== undefined ? 'record' : 'alert';
      rules.push({
        file,
        group,
        ...(groupInterval === undefined ? {} : { groupInterval }),
        kind,
        name,
        expr: String(exprNode.value),
        staticLabels: isMap(labels) ? labels.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key)) : [],
        labels: isMap(labels)
          ? Object.fromEntries(
              labels.items.flatMap((p) => {
                const v = scalarString(node(p.value));
                return v === undefined ? [] : [[String(isScalar(p.key) ? p.key.value : p.key), v]];
              }),
            )
          : {},
        line: lineOf(exprNode.range?.[0]),
        templates:
          kind === 'alert'
            ? [...templateFields('annotations', get(r, 'annotations')), ...templateFields('labels', labels)]
            : [],
      });
    }
  }
  return { rules, problems, groups: groupEntries };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0];
}

function scalarString(v: unknown): string | undefined {
  return isScalar(v) && v.value !== null ? String(v.value) : undefined;
}
