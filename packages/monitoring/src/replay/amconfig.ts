/**
 * An Alertmanager configuration as the replay's notification model needs it: the route tree (matchers, `continue`,
 * grouping and timers inherited from the parent), the inhibit rules and, per receiver, whether it notifies anyone
 * and sends resolved notifications. Read from any alertmanager.yml (out/alertmanager/alertmanager.yml, the seed's);
 * defaults are Alertmanager 0.25's. `amtool config routes test` checks the routing (see notify.ts).
 */
import { parse } from 'yaml';
import { UserError } from '../util/errors.ts';
import { parseDuration } from './ruleset.ts';

export type Labels = Readonly<Record<string, string>>;

export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
  /** For `=~` and `!~`: the value as an anchored regular expression. */
  re?: RegExp;
}

export interface RouteNode {
  /** A key unique to this node in the tree (Alertmanager's route key plus the node's index path). */
  key: string;
  receiver: string;
  matchers: Matcher[];
  /** Label names to group by; 'all' for `group_by: ['...']`. */
  groupBy: string[] | 'all';
  /** Seconds. */
  groupWait: number;
  groupInterval: number;
  repeatInterval: number;
  continue: boolean;
  routes: RouteNode[];
}

export interface InhibitRule {
  source: Matcher[];
  target: Matcher[];
  equal: string[];
}

export interface ReceiverInfo {
  name: string;
  /** Number of integrations (pagerduty_configs, webhook_configs, …); 0 notifies no one. */
  integrations: number;
  /** Integration types, e.g. ['pagerduty']. */
  types: string[];
  /** Whether resolved notifications are sent (any integration's `send_resolved`, with each type's default). */
  sendResolved: boolean;
}

export interface AmConfig {
  route: RouteNode;
  inhibitRules: InhibitRule[];
  receivers: Map<string, ReceiverInfo>;
}

/** Alertmanager 0.25's defaults for the root route. */
export const AM_DEFAULTS = { groupWait: 30, groupInterval: 300, repeatInterval: 4 * 3600 } as const;

/** `send_resolved` defaults per integration type (Alertmanager 0.25: chat and email integrations default to false). */
const SEND_RESOLVED_DEFAULT: Record<string, boolean> = {
  email: false,
  slack: false,
  wechat: false,
  pagerduty: true,
  webhook: true,
  opsgenie: true,
  victorops: true,
  pushover: true,
  sns: true,
  telegram: true,
  webex: true,
  discord: true,
  msteams: true,
};

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    return v.slice(1, -1).replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return v;
}

function anchored(value: string): RegExp {
  // Go RE2 and JavaScript agree on the syntax alerting configs use (alternation, classes, `.+`, `.*`).
  return new RegExp(`^(?:${value})$`, 'su');
}

/** One matcher: `name="value"`, `name=~"re"`, `name!=value`, … (quotes optional, as Alertmanager accepts). */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text);
  if (!m) throw new UserError(`not a matcher: ${text}`);
  const op = m[2] as Matcher['op'];
  const value = unquote(m[3] as string);
  return { name: m[1] as string, op, value, ...(op === '=~' || op === '!~' ? { re: anchored(value) } : {}) };
}

/** Matchers in a list, each possibly `{a="1", b=~"x"}` with several. */
function parseMatcherList(list: unknown): Matcher[] {
  const out: Matcher[] = [];
  for (const item of Array.isArray(list) ? list : []) {
    const s = String(item).trim().replace(/^\{/, '').replace(/\}$/, '');
    // Split on commas outside quotes.
    let cur = '';
    let quoted = false;
    for (let i = 0; i < s.length; i++) {
      const c = s[i] as string;
      if (c === '\\' && quoted) {
        cur += c + (s[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === '"') quoted = !quoted;
      if (c === ',' && !quoted) {
        if (cur.trim()) out.push(parseMatcher(cur));
        cur = '';
      } else cur += c;
    }
    if (cur.trim()) out.push(parseMatcher(cur));
  }
  return out;
}

/** The deprecated `match` and `match_re` maps. */
function legacyMatchers(match: unknown, matchRe: unknown): Matcher[] {
  const out: Matcher[] = [];
  for (const [k, v] of Object.entries((match ?? {}) as Record<string, unknown>)) {
    out.push({ name: k, op: '=', value: String(v) });
  }
  for (const [k, v] of Object.entries((matchRe ?? {}) as Record<string, unknown>)) {
    out.push({ name: k, op: '=~', value: String(v), re: anchored(String(v)) });
  }
  return out;
}

export function matches(m: Matcher, labels: Labels): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return (m.re as RegExp).test(v);
    case '!~':
      return !(m.re as RegExp).test(v);
  }
}

export function matchesAll(ms: readonly Matcher[], labels: Labels): boolean {
  return ms.every((m) => matches(m, labels));
}

function seconds(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const s = parseDuration(String(v));
  if (s === undefined) throw new UserError(`alertmanager config: ${field} is not a duration: ${String(v)}`);
  return s;
}

interface RawRoute {
  receiver?: unknown;
  group_by?: unknown;
  group_wait?: unknown;
  group_interval?: unknown;
  repeat_interval?: unknown;
  matchers?: unknown;
  match?: unknown;
  match_re?: unknown;
  continue?: unknown;
  routes?: RawRoute[];
}

function buildRoute(raw: RawRoute, parent: RouteNode | undefined, key: string): RouteNode {
  const groupBy = Array.isArray(raw.group_by) ? raw.group_by.map(String) : undefined;
  const node: RouteNode = {
    key,
    receiver: raw.receiver === undefined ? (parent?.receiver ?? '') : String(raw.receiver),
    matchers: parent ? [...parseMatcherList(raw.matchers), ...legacyMatchers(raw.match, raw.match_re)] : [],
    groupBy: groupBy === undefined ? (parent?.groupBy ?? []) : groupBy.includes('...') ? 'all' : groupBy,
    groupWait: seconds(raw.group_wait, 'group_wait') ?? parent?.groupWait ?? AM_DEFAULTS.groupWait,
    groupInterval: seconds(raw.group_interval, 'group_interval') ?? parent?.groupInterval ?? AM_DEFAULTS.groupInterval,
    repeatInterval:
      seconds(raw.repeat_interval, 'repeat_interval') ?? parent?.repeatInterval ?? AM_DEFAULTS.repeatInterval,
    continue: raw.continue === true,
    routes: [],
  };
  node.routes = (raw.routes ?? []).map((r, i) => buildRoute(r, node, `${key}/${i}`));
  return node;
}

export function parseAlertmanagerConfig(text: string): AmConfig {
  const doc = parse(text) as {
    route?: RawRoute;
    inhibit_rules?: Record<string, unknown>[];
    receivers?: Record<string, unknown>[];
  } | null;
  if (!doc?.route) throw new UserError('alertmanager config has no route');
  const route = buildRoute(doc.route, undefined, '0');
  if (!route.receiver) throw new UserError('alertmanager config: the root route has no receiver');
  const inhibitRules = (doc.inhibit_rules ?? []).map((r) => ({
    source: [...parseMatcherList(r.source_matchers), ...legacyMatchers(r.source_match, r.source_match_re)],
    target: [...parseMatcherList(r.target_matchers), ...legacyMatchers(r.target_match, r.target_match_re)],
    equal: Array.isArray(r.equal) ? r.equal.map(String) : [],
  }));
  const receivers = new Map<string, ReceiverInfo>();
  for (const r of doc.receivers ?? []) {
    const name = String(r.name);
    const types: string[] = [];
    let sendResolved = false;
    for (const [k, v] of Object.entries(r)) {
      const m = /^(.*)_configs$/.exec(k);
      if (!m || !Array.isArray(v)) continue;
      const type = m[1] as string;
      for (const c of v as Record<string, unknown>[]) {
        types.push(type);
        const sr = c?.send_resolved;
        if (typeof sr === 'boolean' ? sr : (SEND_RESOLVED_DEFAULT[type] ?? true)) sendResolved = true;
      }
    }
    receivers.set(name, { name, integrations: types.length, types, sendResolved });
  }
  const check = (n: RouteNode) => {
    if (!receivers.has(n.receiver))
      throw new UserError(`alertmanager config: route to unknown receiver "${n.receiver}"`);
    n.routes.forEach(check);
  };
  check(route);
  return { route, inhibitRules, receivers };
}

/** The routes an alert is delivered to (Alertmanager's `Route.Match`: depth first, `continue` goes on). */
export function routeAlert(route: RouteNode, labels: Labels, root = true): RouteNode[] {
  if (!root && !matchesAll(route.matchers, labels)) return [];
  const all: RouteNode[] = [];
  for (const child of route.routes) {
    const m = routeAlert(child, labels, false);
    all.push(...m);
    if (m.length > 0 && !child.continue) break;
  }
  return all.length > 0 ? all : [route];
}

/** The labels an alert is grouped by on a route. */
export function groupLabels(route: RouteNode, labels: Labels): Record<string, string> {
  const names = route.groupBy === 'all' ? Object.keys(labels) : route.groupBy;
  const out: Record<string, string> = {};
  for (const n of [...names].sort()) {
    const v = labels[n];
    if (v !== undefined && v !== '') out[n] = v;
  }
  return out;
}

/** Whether an alert is muted by an inhibit rule, given the alerts firing now (Alertmanager 0.25's Inhibitor.Mutes). */
export function inhibited(rules: readonly InhibitRule[], target: Labels, firing: Iterable<Labels>): boolean {
  const sources = [...firing];
  const tfp = labelKey(target);
  for (const r of rules) {
    if (!matchesAll(r.target, target)) continue;
    // An alert matching both sides of a rule is not inhibited by another that does too.
    const excludeTwoSided = matchesAll(r.source, target);
    for (const s of sources) {
      if (labelKey(s) === tfp || !matchesAll(r.source, s)) continue;
      if (excludeTwoSided && matchesAll(r.target, s)) continue;
      if (r.equal.every((l) => (s[l] ?? '') === (target[l] ?? ''))) return true;
    }
  }
  return false;
}

/** A label set's identity (its fingerprint in Alertmanager): the sorted pairs. */
export function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
