/**
 * A rule set as the replay needs it: the rule files (run by promtool as they are), the alerts in them with
 * their severities, an evaluation order for the groups, and the longest range any expression reads.
 * Nothing here evaluates PromQL: promtool does that.
 */
import { readFileSync } from 'node:fs';
import { LABEL, SEVERITY } from '../conventions.ts';
import { readRuleFile } from '../outdir/rule-files.ts';
import { UserError } from '../util/errors.ts';

export interface RuleSetGroup {
  file: string;
  name: string;
  records: string[];
  exprs: string[];
  /** The expression of each recording rule in the group, by name (several rules may record one name). */
  recordExprs?: [string, string][];
  /** The expression of each alert in the group. */
  alertExprs?: string[];
  /** The `severity` label of each alert in the group, as alertExprs (undefined if unset). */
  alertSeverities?: (string | undefined)[];
}

export interface RuleSetAlert {
  name: string;
  /** The `severity` label of each rule with this name, as written (may be a template); undefined if unset. */
  severities: (string | undefined)[];
}

export interface RuleSet {
  /** Short id used in file names and report keys: `ours`, `seed`. */
  id: string;
  /** What the report calls it. */
  label: string;
  /** Absolute paths of the rule files. */
  files: string[];
  groups: RuleSetGroup[];
  alerts: RuleSetAlert[];
  /** Group names, each once, in an order where a group comes after the groups whose recordings it reads. */
  groupOrder: string[];
  /**
   * The longest history an alert reads, in seconds: its own longest `[range]` (plus `offset`) added to that of
   * the recording rules it reads, through chains of recordings. A recording rule no alert reads (an error
   * budget over 30d, say) does not count: the replay need not fill its range for the alerts to be right.
   */
  longestRange: number;
  /** The same for the alerts that can page (severity critical, or templated): the history a page depends on. */
  pageRange: number;
  /** The longest range in any expression, alerting or not. */
  longestAnyRange: number;
  /** Every literal `service` label value a rule sets (a push service has rules of its own, but no scrape target). */
  services: string[];
}

/** How a firing alert counts: `critical` pages, `warning` opens a ticket, anything else (`none`, `info`) neither. */
export type Notification = 'page' | 'ticket';

export function classify(severity: string | undefined): Notification | undefined {
  if (severity === SEVERITY.critical) return 'page';
  if (severity === SEVERITY.warning) return 'ticket';
  return undefined;
}

/** True if an alert with these severities can ever page or ticket (templated severities might). */
export function mayNotify(alert: RuleSetAlert): boolean {
  return alert.severities.some((s) => s !== undefined && (classify(s) !== undefined || s.includes('{{')));
}

export function loadRuleSet(id: string, label: string, files: string[]): RuleSet {
  const groups: RuleSetGroup[] = [];
  const alerts = new Map<string, RuleSetAlert>();
  const services = new Set<string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read rule file ${file}: ${(err as Error).message}`);
    }
    const parsed = readRuleFile(file, text);
    const problem = parsed.problems[0];
    if (problem !== undefined) {
      // promtool would refuse the file too; this names the place.
      throw new UserError(`cannot read rule file ${file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}`);
    }
    const fileGroups: RuleSetGroup[] = (parsed.groups ?? []).map((g) => ({
      file,
      name: g.name,
      records: [],
      exprs: [],
      recordExprs: [],
      alertExprs: [],
      alertSeverities: [],
    }));
    // Rules come in group order: each belongs to the next group of its name from the current one.
    let gi = 0;
    for (const r of parsed.rules) {
      while (gi < fileGroups.length && fileGroups[gi]?.name !== r.group) gi++;
      const group = fileGroups[gi];
      if (group === undefined) break;
      group.exprs.push(r.expr);
      const service = r.labels?.[LABEL.service];
      if (service !== undefined && service !== '' && !service.includes('{{')) services.add(service);
      if (r.kind === 'record') {
        group.records.push(r.name);
        group.recordExprs?.push([r.name, r.expr]);
      } else {
        group.alertExprs?.push(r.expr);
        const sev = r.labels?.[LABEL.severity];
        group.alertSeverities?.push(sev);
        const entry = alerts.get(r.name) ?? { name: r.name, severities: [] };
        entry.severities.push(sev);
        alerts.set(r.name, entry);
      }
    }
    groups.push(...fileGroups);
  }
  return {
    id,
    label,
    files,
    groups,
    alerts: [...alerts.values()],
    groupOrder: evaluationOrder(groups),
    longestRange: alertingRange(groups),
    pageRange: alertingRange(groups, (sev) => sev !== undefined && (sev === SEVERITY.critical || sev.includes('{{'))),
    longestAnyRange: Math.max(0, ...groups.flatMap((g) => g.exprs.map(longestRangeIn))),
    services: [...services].sort(),
  };
}

/** See RuleSet.longestRange. */
export function alertingRange(
  groups: readonly RuleSetGroup[],
  which: (severity: string | undefined) => boolean = () => true,
): number {
  const recordExprs = new Map<string, string[]>();
  for (const g of groups) {
    for (const [name, expr] of g.recordExprs ?? []) recordExprs.set(name, [...(recordExprs.get(name) ?? []), expr]);
  }
  const memo = new Map<string, number>();
  const history = (expr: string, seen: ReadonlySet<string>): number => {
    let upstream = 0;
    for (const [name, exprs] of recordExprs) {
      if (seen.has(name) || !mentions(expr, name)) continue;
      let h = memo.get(name);
      if (h === undefined) {
        const next = new Set(seen).add(name);
        h = Math.max(0, ...exprs.map((e) => history(e, next)));
        memo.set(name, h);
      }
      upstream = Math.max(upstream, h);
    }
    return longestRangeIn(expr) + upstream;
  };
  return Math.max(
    0,
    ...groups.flatMap((g) =>
      (g.alertExprs ?? []).filter((_, i) => which(g.alertSeverities?.[i])).map((e) => history(e, new Set())),
    ),
  );
}

/** Whether `expr` mentions the metric name `name` as a whole name (recording-rule names contain colons). */
export function mentions(expr: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_:])${escaped}($|[^A-Za-z0-9_:])`).test(expr);
}

/**
 * Groups ordered so that a group is evaluated after the groups whose recording rules it reads (Kahn's algorithm,
 * stable in file order; a cycle keeps file order). promtool evaluates groups in an unspecified order at each
 * step otherwise, and an alert could then lag its recording rule by one step at random.
 */
export function evaluationOrder(groups: readonly RuleSetGroup[]): string[] {
  const names = [...new Set(groups.map((g) => g.name))];
  const recordsOf = new Map<string, string[]>();
  const exprsOf = new Map<string, string[]>();
  for (const g of groups) {
    recordsOf.set(g.name, [...(recordsOf.get(g.name) ?? []), ...g.records]);
    exprsOf.set(g.name, [...(exprsOf.get(g.name) ?? []), ...g.exprs]);
  }
  const deps = new Map<string, Set<string>>();
  for (const a of names) {
    const exprs = exprsOf.get(a) ?? [];
    const d = new Set<string>();
    for (const b of names) {
      if (a !== b && (recordsOf.get(b) ?? []).some((rec) => exprs.some((e) => mentions(e, rec)))) d.add(b);
    }
    deps.set(a, d);
  }
  const order: string[] = [];
  const remaining = [...names];
  while (remaining.length > 0) {
    const i = remaining.findIndex((n) => [...(deps.get(n) ?? [])].every((d) => order.includes(d)));
    const next = remaining.splice(i === -1 ? 0 : i, 1)[0] as string;
    order.push(next);
  }
  return order;
}

const UNIT_SECONDS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 7 * 86400,
  y: 365 * 86400,
};

/** A Prometheus duration (`90s`, `1h30m`, `3d`) in seconds; undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!/^(\d+(ms|[smhdwy]))+$/.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(/(\d+)(ms|[smhdwy])/g)) total += Number(m[1]) * (UNIT_SECONDS[m[2] as string] ?? 0);
  return total;
}

/** The longest `[range]` or `[range:step]` in an expression plus its longest `offset`, in seconds. */
export function longestRangeIn(expr: string): number {
  let range = 0;
  for (const m of expr.matchAll(/\[\s*([0-9]+[0-9smhdwy]*)\s*(?::[^\]]*)?\]/g)) {
    range = Math.max(range, parseDuration(m[1] as string) ?? 0);
  }
  let offset = 0;
  for (const m of expr.matchAll(/\boffset\s+-?([0-9]+[0-9smhdwy]*)/g)) {
    offset = Math.max(offset, parseDuration(m[1] as string) ?? 0);
  }
  return range + offset;
}
