/**
 * Template variables as Grafana interpolates them into Prometheus queries: `$name`, `${name}`, `${name:format}`
 * and `[[name]]`. A multi-value or All selection becomes a regex alternation `(a|b)` with regex characters
 * escaped (Grafana's Prometheus default); All uses the variable's allValue when it has one. Built-ins:
 * `$__interval`, `$__interval_ms`, `$__rate_interval`, `$__range`, `$__range_s`, `$__range_ms`.
 */

export const ALL = '$__all';

export interface VariableValue {
  /** Selected values; [ALL] for All. */
  values: string[];
  /** Every option (for All without an allValue). */
  options: string[];
  allValue?: string;
  /** Multi-value or include-All variables are regex-escaped (they sit in `=~` matchers). */
  regex?: boolean;
}

export type Scope = Record<string, VariableValue | string>;

const VARIABLE = /\$\{(\w+)(?::(\w+))?\}|\$(\w+)|\[\[(\w+)(?::(\w+))?\]\]/g;

/** Regex-escapes a value for a PromQL string literal (so `.` becomes `\\.` in the query text, as Grafana does). */
export function escapeRegex(v: string): string {
  return v.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');
}

function alternation(values: string[]): string {
  return values.length === 1 ? escapeRegex(values[0] as string) : `(${values.map(escapeRegex).join('|')})`;
}

function format(v: VariableValue, fmt: string | undefined): string {
  const all = v.values.length === 1 && v.values[0] === ALL;
  if (all && v.allValue !== undefined) return v.allValue;
  const values = all ? v.options : v.values;
  switch (fmt) {
    case undefined:
      return v.regex ? alternation(values) : values.join(',');
    case 'regex':
      return alternation(values);
    case 'pipe':
      return values.join('|');
    default:
      return values.join(',');
  }
}

export function interpolate(text: string, scope: Scope): string {
  return text.replace(VARIABLE, (whole, n1, f1, n2, n3, f3) => {
    const name = (n1 ?? n2 ?? n3) as string;
    const fmt = (f1 ?? f3) as string | undefined;
    const v = scope[name];
    if (v === undefined) return whole;
    return typeof v === 'string' ? v : format(v, fmt);
  });
}

/** The variables a text refers to (for ordering variable queries that depend on other variables). */
export function referencedVariables(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(VARIABLE)) out.add((m[1] ?? m[3] ?? m[4]) as string);
  return [...out];
}

/** Parsed Prometheus variable query. */
export type VariableQuery =
  | { kind: 'label_values'; label: string; match?: string }
  | { kind: 'label_names'; match?: string }
  | { kind: 'query_result'; expr: string }
  | { kind: 'unsupported'; query: string };

export function parseVariableQuery(query: string): VariableQuery {
  const q = query.trim();
  let m = /^label_values\s*\(\s*(?:(.+?)\s*,\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)$/s.exec(q);
  if (m)
    return m[1]
      ? { kind: 'label_values', label: m[2] as string, match: m[1] }
      : { kind: 'label_values', label: m[2] as string };
  m = /^label_names\s*\(\s*(.*?)\s*\)$/s.exec(q);
  if (m) return m[1] ? { kind: 'label_names', match: m[1] } : { kind: 'label_names' };
  m = /^query_result\s*\((.+)\)$/s.exec(q);
  if (m) return { kind: 'query_result', expr: m[1] as string };
  return { kind: 'unsupported', query: q };
}

/** Grafana's variable sort (1/2 alphabetical, 3/4 numerical, 5/6 case-insensitive, 7/8 natural). */
export function sortOptions(values: string[], sort = 0): string[] {
  const v = [...new Set(values)];
  const cmp: Record<number, (a: string, b: string) => number> = {
    1: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
    3: (a, b) => Number.parseFloat(a) - Number.parseFloat(b),
    5: (a, b) => a.toLowerCase().localeCompare(b.toLowerCase()),
    7: (a, b) => a.localeCompare(b, undefined, { numeric: true }),
  };
  if (sort === 0) return v;
  const base = cmp[sort % 2 === 1 ? sort : sort - 1];
  if (!base) return v;
  const sorted = v.sort(base);
  return sort % 2 === 0 ? sorted.reverse() : sorted;
}
