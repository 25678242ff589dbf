/**
 * The PromQL in a Grafana dashboard file, for the contract check: every panel target's `expr` (panels nested in
 * rows included), every Prometheus annotation's query, and every query variable's `label_values(...)` — read
 * from the JSON as written to out/, whoever wrote it. `label_values(m, l)` lists the values of `l` on `m`, which
 * is `count by (l) (m)`: checking that expression checks both the selector and that `m` carries `l`.
 */

/** One PromQL expression from a dashboard, and where it sits (for the finding that names it). */
export interface DashboardQuery {
  file: string;
  where: string;
  expr: string;
}

/** A dashboard file that cannot be read as a dashboard (the contract check reports it as `contract/parse-error`). */
export interface DashboardProblem {
  file: string;
  message: string;
}

export interface DashboardQueries {
  queries: DashboardQuery[];
  problems: DashboardProblem[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

const LABEL_VALUES = /^\s*label_values\s*\(\s*(.+)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/s;
const QUERY_RESULT = /^\s*query_result\s*\((.+)\)\s*$/s;

/** The PromQL a Grafana Prometheus variable query runs, or undefined (label_names(), metrics(), …). */
export function variableExpr(query: string): string | undefined {
  const lv = LABEL_VALUES.exec(query);
  if (lv) return `count by (${lv[2]}) (${lv[1]})`;
  const qr = QUERY_RESULT.exec(query);
  return qr ? qr[1] : undefined;
}

export function dashboardQueries(file: string, content: string): DashboardQueries {
  let d: unknown;
  try {
    d = JSON.parse(content);
  } catch (err) {
    return {
      queries: [],
      problems: [{ file, message: `dashboard is not valid JSON: ${(err as Error).message}` }],
    };
  }
  if (!isObject(d)) {
    return {
      queries: [],
      problems: [{ file, message: 'dashboard is not an object' }],
    };
  }
  const queries: DashboardQuery[] = [];
  const panels = (ps: unknown[]): void => {
    for (const p of ps.filter(isObject)) {
      const title = text(p.title) ?? `panel ${String(p.id ?? '?')}`;
      for (const t of list(p.targets).filter(isObject)) {
        const expr = text(t.expr);
        if (expr !== undefined) queries.push({ file, where: `panel "${title}" query ${String(t.refId ?? '?')}`, expr });
      }
      panels(list(p.panels));
    }
  };
  panels(list(d.panels));
  for (const a of list(isObject(d.annotations) ? d.annotations.list : undefined).filter(isObject)) {
    const where = `annotation "${text(a.name) ?? '?'}"`;
    const exprs = new Set([text(a.expr), isObject(a.target) ? text(a.target.expr) : undefined]);
    for (const expr of exprs) if (expr !== undefined) queries.push({ file, where, expr });
  }
  for (const v of list(isObject(d.templating) ? d.templating.list : undefined).filter(isObject)) {
    if (v.type !== 'query') continue;
    const q = text(v.query) ?? (isObject(v.query) ? text(v.query.query) : undefined);
    const expr = q === undefined ? undefined : variableExpr(q);
    if (expr !== undefined) queries.push({ file, where: `variable "$${String(v.name)}"`, expr });
  }
  return { queries, problems: [] };
}
