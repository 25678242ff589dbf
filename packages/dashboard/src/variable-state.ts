/**
 * The dashboard's template variables while it is open: their options (from Prometheus for `query` variables),
 * the selection, and the interpolation scope they make together with the time range.
 */
import type { Variable } from './grafana.ts';
import { instantValues, labelNames, labelValues } from './prometheus.ts';
import { formatDuration, rateInterval } from './time.ts';
import { ALL, interpolate, parseVariableQuery, type Scope, sortOptions } from './variables.ts';

export interface VariableState {
  variable: Variable;
  options: string[];
  selected: string[];
  error?: string;
}

/**
 * The scope queries are interpolated in: each variable's selection (the datasource is the Prometheus behind the
 * proxy), and Grafana's `$__interval`, `$__rate_interval` and `$__range` for this step and range.
 */
export function variableScope(
  vars: readonly VariableState[],
  start: number,
  end: number,
  step: number,
  scrapeSeconds: number,
): Scope {
  const scope: Scope = {};
  for (const v of vars) {
    if (v.variable.type === 'datasource') {
      // One datasource here: the Prometheus behind the proxy.
      scope[v.variable.name] = 'prometheus';
      continue;
    }
    scope[v.variable.name] = {
      values: v.selected,
      options: v.options,
      ...(v.variable.allValue ? { allValue: v.variable.allValue } : {}),
      regex: Boolean(v.variable.multi || v.variable.includeAll),
    };
  }
  const range = Math.max(1, Math.round(end - start));
  const rate = rateInterval(step, scrapeSeconds);
  Object.assign(scope, {
    __interval: formatDuration(step),
    __interval_ms: String(step * 1000),
    __rate_interval: formatDuration(rate),
    __range: `${range}s`,
    __range_s: String(range),
    __range_ms: String(range * 1000),
  });
  return scope;
}

/**
 * The selection kept once the options are known: the selected values still offered (or All), else All when
 * the variable has it and no options, else the first option.
 */
export function settledSelection(v: VariableState): string[] {
  const valid = v.selected.filter((s) => s === ALL || v.options.includes(s));
  return valid.length
    ? valid
    : v.variable.includeAll && !v.options.length
      ? [ALL]
      : v.options[0] !== undefined
        ? [v.options[0]]
        : [];
}

/** Resolves the variables in order (each query sees the variables before it), in place. */
export async function resolveVariables(
  vars: readonly VariableState[],
  start: number,
  end: number,
  scrapeSeconds: number,
): Promise<void> {
  for (const v of vars) {
    const { variable } = v;
    v.error = undefined;
    const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
    try {
      if (variable.type === 'query') {
        const q = parseVariableQuery(interpolate(query, variableScope(vars, start, end, 60, scrapeSeconds)));
        const raw =
          q.kind === 'label_values'
            ? await labelValues(q.label, q.match, start, end)
            : q.kind === 'label_names'
              ? await labelNames(q.match, start, end)
              : q.kind === 'query_result'
                ? await instantValues(q.expr, end)
                : [];
        if (q.kind === 'unsupported') v.error = `unsupported variable query: ${q.query}`;
        const re = variable.regex ? safeRegex(variable.regex) : undefined;
        v.options = sortOptions(re ? raw.filter((x) => re.test(x)) : raw, variable.sort ?? 0);
      } else if (variable.type === 'custom') {
        v.options = query
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
      } else if (variable.type === 'constant' || variable.type === 'textbox') {
        v.options = [query];
      } else {
        v.options = [];
      }
    } catch (err) {
      v.options = [];
      v.error = (err as Error).message;
    }
    if (variable.type === 'datasource') continue;
    v.selected = settledSelection(v);
  }
}

/** A variable's `regex` (`/re/flags` or bare), or none when it does not compile; `g` is dropped (test() is stateful). */
export function safeRegex(source: string): RegExp | undefined {
  try {
    const m = /^\/(.*)\/([gimsuy]*)$/.exec(source);
    return m ? new RegExp(m[1] as string, (m[2] as string).replace('g', '')) : new RegExp(source);
  } catch {
    return undefined;
  }
}
