/**
 * Making a Grafana query parseable as PromQL: Grafana variables outside string literals (`$__rate_interval`,
 * `${__range}`, `[[var]]`, a custom `$threshold`) are replaced by a value of the right shape, padded with spaces
 * to the variable's length so that offsets in the result are offsets in the original query. Variables inside
 * quotes (`{service="$service"}`) are left alone: there they are just part of a string.
 */

/** Grafana's built-in interval variables, and the values the check assumes for them. */
export const GRAFANA_BUILTINS: Readonly<Record<string, string>> = {
  __rate_interval: '5m',
  __interval: '1m',
  __range: '1h',
  __interval_ms: '60000',
  __range_ms: '3600000',
  __range_s: '3600',
};

/** A custom variable outside a string is most often a number (a threshold, a `topk` count). */
const CUSTOM_VALUE = '1';

const VARIABLE = /^(?:\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\])/;

export function substituteGrafanaVariables(query: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < query.length; ) {
    const c = query[i] as string;
    if (quote !== undefined) {
      out += c;
      if (c === '\\' && quote !== '`' && i + 1 < query.length) {
        out += query[i + 1];
        i += 2;
        continue;
      }
      if (c === quote) quote = undefined;
      i += 1;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quote = c;
      out += c;
      i += 1;
      continue;
    }
    const m = c === '$' || c === '[' ? VARIABLE.exec(query.slice(i)) : null;
    if (m === null) {
      out += c;
      i += 1;
      continue;
    }
    const name = m[1] ?? m[2] ?? m[3] ?? '';
    const value = GRAFANA_BUILTINS[name] ?? CUSTOM_VALUE;
    out += value.padEnd(m[0].length, ' ');
    i += m[0].length;
  }
  return out;
}

/** The Grafana variable written at `offset` in a query (`$var`, `${var:fmt}`, `[[var]]`), if any. */
export function grafanaVariableAt(query: string, offset: number): string | undefined {
  return VARIABLE.exec(query.slice(offset))?.[0];
}
