/**
 * The notification model: from the alerts promtool says were firing at each evaluation, what Alertmanager sends.
 *
 * Prometheus sends every firing alert at each evaluation and a resolved alert at the evaluation where it stops
 * firing. Alertmanager (0.25) routes each alert through the route tree (amconfig.ts) into aggregation groups, one
 * per (route, values of the route's group_by): a group's first notification goes out group_wait after its first
 * alert, then at every group_interval tick when the group changed (a new firing alert; newly resolved alerts if the
 * receiver sends resolved ones; all alerts resolved) or repeat_interval passed. At each notification, alerts muted by
 * an inhibit rule (a matching source alert firing now) are left out; a notification left empty is not sent. Empty
 * groups are dropped at the dispatcher's maintenance, every 30 s. The notification log (what was last sent per
 * group and receiver) outlives the group, as in Alertmanager.
 *
 * At PagerDuty (or any receiver), one incident is one dedup key — one (receiver, group) — from its first trigger
 * until a resolve event: the notification whose alerts are all resolved. A trigger after that opens a new incident.
 * Receivers without integrations (the Watchdog's dead man's switch without a URL) notify no one and count nothing.
 *
 * Ties: when a group's timer and an evaluation fall on the same instant, the notification goes out first (the
 * alerts an evaluation produces reach Alertmanager a little after the evaluation's timestamp).
 */
import {
  type AmConfig,
  groupLabels,
  inhibited,
  type Labels,
  labelKey,
  type RouteNode,
  routeAlert,
} from './amconfig.ts';

/** Alertmanager's dispatcher removes empty aggregation groups every 30 seconds. */
export const MAINTENANCE_INTERVAL = 30;

export type Kind = 'page' | 'ticket';

/** One evaluation: its time and the label sets firing then (every alert, whatever its severity). */
export interface Evaluation {
  time: number;
  firing: readonly Labels[];
}

/** One notification sent to a receiver with integrations. */
export interface SentNotification {
  time: number;
  receiver: string;
  group: string;
  /** `firing` is a trigger (or an update of an open incident), `resolved` the resolve event. */
  status: 'firing' | 'resolved';
  /** Page if a firing alert in it is a page, else ticket; undefined if it carries neither. */
  kind: Kind | undefined;
  firing: Labels[];
  resolved: Labels[];
}

/** One incident at the receiver: one (receiver, group) from its first trigger to its resolve event. */
export interface Incident {
  receiver: string;
  /** Alertmanager's group: the route and the values of its group_by. */
  group: string;
  groupLabels: Record<string, string>;
  kind: Kind;
  /** The first trigger event. */
  triggeredAt: number;
  /** The first trigger that carried a page alert (for a page incident). */
  pagedAt: number | null;
  /** The resolve event; null if the incident was still open at the end. */
  resolvedAt: number | null;
  /** When the last of its alerts stopped firing (the evaluation Prometheus sent it resolved); null if one still fired. */
  alertsResolvedAt: number | null;
  /** Names of the alerts its notifications carried. */
  alertnames: string[];
  /** Trigger events sent (the first and its updates and repeats). */
  triggers: number;
}

export interface NotifyResult {
  notifications: SentNotification[];
  incidents: Incident[];
}

export interface NotifyOptions {
  /** What a firing alert is worth: a page, a ticket or nothing (undefined). */
  classify: (labels: Labels) => Kind | undefined;
  /** Checked for every distinct label set routed (amtool, in the replay). */
  onRoute?: (labels: Labels, receivers: string[]) => void;
  /** Run notifications up to this time (default: the last evaluation). */
  until?: number;
}

interface AmAlert {
  labels: Labels;
  key: string;
  /** Firing now (false: resolved at `resolvedAt`). */
  firing: boolean;
  resolvedAt: number;
}

interface Group {
  id: string;
  route: RouteNode;
  labels: Record<string, string>;
  alerts: Map<string, AmAlert>;
  nextFlush: number;
}

interface LogEntry {
  firing: Set<string>;
  resolved: Set<string>;
  time: number;
}

function groupId(route: RouteNode, labels: Record<string, string>): string {
  return `${route.key}:${JSON.stringify(labels)}`;
}

const subset = (a: Set<string>, b: Set<string>) => [...a].every((x) => b.has(x));

/** Simulates Alertmanager over a timeline of evaluations; see the comment at the top. */
export function simulateNotifications(config: AmConfig, evaluations: readonly Evaluation[], opts: NotifyOptions) {
  const alerts = new Map<string, AmAlert>();
  const routesOf = new Map<string, RouteNode[]>();
  const groups = new Map<string, Group>();
  const log = new Map<string, LogEntry>();
  const notifications: SentNotification[] = [];
  const incidents: Incident[] = [];
  const open = new Map<string, Incident>();
  /** Per group, when its alerts (all of them) last went from some firing to none. */
  const clearedAt = new Map<string, number | null>();

  const evals = [...evaluations].sort((a, b) => a.time - b.time);
  if (evals.length === 0) return { notifications, incidents };
  const start = (evals[0] as Evaluation).time;
  const until = opts.until ?? (evals[evals.length - 1] as Evaluation).time;
  let nextMaintenance = start + MAINTENANCE_INTERVAL;

  const routes = (a: AmAlert): RouteNode[] => {
    let r = routesOf.get(a.key);
    if (!r) {
      r = routeAlert(config.route, a.labels);
      routesOf.set(a.key, r);
      opts.onRoute?.(
        a.labels,
        r.map((n) => n.receiver),
      );
    }
    return r;
  };

  const firingNow = () => [...alerts.values()].filter((a) => a.firing).map((a) => a.labels);

  const updateCleared = (g: Group, time: number) => {
    const anyFiring = [...g.alerts.values()].some((a) => a.firing);
    if (anyFiring) clearedAt.set(g.id, null);
    else if (clearedAt.get(g.id) === null || !clearedAt.has(g.id)) clearedAt.set(g.id, time);
  };

  const flush = (g: Group, time: number) => {
    g.nextFlush = time + g.route.groupInterval;
    const receiver = config.receivers.get(g.route.receiver);
    const sources = firingNow();
    const shown = [...g.alerts.values()].filter((a) => !inhibited(config.inhibitRules, a.labels, sources));
    const resolvedAll = [...g.alerts.values()].filter((a) => !a.firing);
    // The notification pipeline runs (and resolved alerts are then dropped from the group) even when muting
    // leaves nothing to send.
    const done = () => {
      for (const a of resolvedAll) g.alerts.delete(a.key);
    };
    if (shown.length === 0 || !receiver || receiver.integrations === 0) return done();
    const firing = new Set(shown.filter((a) => a.firing).map((a) => a.key));
    const resolved = new Set(shown.filter((a) => !a.firing).map((a) => a.key));
    const entry = log.get(g.id);
    let needs: boolean;
    if (!entry) needs = firing.size > 0;
    else if (!subset(firing, entry.firing)) needs = true;
    else if (firing.size === 0) needs = entry.firing.size > 0;
    else if (receiver.sendResolved && !subset(resolved, entry.resolved)) needs = true;
    else needs = entry.time <= time - g.route.repeatInterval;
    if (!needs) return done();
    log.set(g.id, { firing, resolved, time });
    const firingLabels = shown.filter((a) => a.firing).map((a) => a.labels);
    const resolvedLabels = shown.filter((a) => !a.firing).map((a) => a.labels);
    // A receiver that does not send resolved notifications sends nothing when every alert is resolved.
    if (firingLabels.length === 0 && !receiver.sendResolved) return done();
    const kinds = firingLabels.map(opts.classify);
    const kind: Kind | undefined = kinds.includes('page') ? 'page' : kinds.includes('ticket') ? 'ticket' : undefined;
    const status = firingLabels.length === 0 ? 'resolved' : 'firing';
    const n: SentNotification = {
      time,
      receiver: g.route.receiver,
      group: g.id,
      status,
      kind,
      firing: firingLabels,
      resolved: resolvedLabels,
    };
    notifications.push(n);
    const incidentKey = `${g.route.receiver}\u0000${g.id}`;
    const inc = open.get(incidentKey);
    if (status === 'firing') {
      const names = firingLabels.map((l) => l.alertname ?? '');
      if (inc) {
        inc.triggers++;
        for (const a of names) if (!inc.alertnames.includes(a)) inc.alertnames.push(a);
        if (kind === 'page' && inc.kind !== 'page') inc.kind = 'page';
        if (kind === 'page' && inc.pagedAt === null) inc.pagedAt = time;
      } else if (kind !== undefined) {
        const created: Incident = {
          receiver: g.route.receiver,
          group: g.id,
          groupLabels: g.labels,
          kind,
          triggeredAt: time,
          pagedAt: kind === 'page' ? time : null,
          resolvedAt: null,
          alertsResolvedAt: null,
          alertnames: [...new Set(names)],
          triggers: 1,
        };
        incidents.push(created);
        open.set(incidentKey, created);
      }
    } else if (inc) {
      inc.resolvedAt = time;
      inc.alertsResolvedAt = clearedAt.get(g.id) ?? time;
      open.delete(incidentKey);
    }
    done();
  };

  const evaluate = (e: Evaluation) => {
    const now = new Map<string, Labels>();
    for (const l of e.firing) now.set(labelKey(l), l);
    const touched = new Set<Group>();
    for (const [key, labels] of now) {
      let a = alerts.get(key);
      if (a?.firing) continue;
      if (!a) {
        a = { labels, key, firing: true, resolvedAt: 0 };
        alerts.set(key, a);
      }
      a.firing = true;
      for (const route of routes(a)) {
        const gl = groupLabels(route, labels);
        const id = groupId(route, gl);
        let g = groups.get(id);
        if (!g) {
          g = { id, route, labels: gl, alerts: new Map(), nextFlush: e.time + route.groupWait };
          groups.set(id, g);
        }
        g.alerts.set(key, a);
        touched.add(g);
      }
    }
    for (const a of alerts.values()) {
      if (!a.firing || now.has(a.key)) continue;
      a.firing = false;
      a.resolvedAt = e.time;
      for (const route of routes(a)) {
        const g = groups.get(groupId(route, groupLabels(route, a.labels)));
        if (g) {
          // A resolved alert is (re)inserted into its group as Prometheus sends it.
          g.alerts.set(a.key, a);
          touched.add(g);
        }
      }
    }
    for (const g of touched) updateCleared(g, e.time);
  };

  let i = 0;
  for (;;) {
    const nextEval = i < evals.length ? (evals[i] as Evaluation).time : Number.POSITIVE_INFINITY;
    let nextGroup: Group | undefined;
    for (const g of groups.values()) if (!nextGroup || g.nextFlush < nextGroup.nextFlush) nextGroup = g;
    const nextFlush = nextGroup?.nextFlush ?? Number.POSITIVE_INFINITY;
    const t = Math.min(nextEval, nextFlush, nextMaintenance);
    if (t > until) break;
    if (nextGroup && nextFlush === t) {
      flush(nextGroup, t);
    } else if (nextMaintenance === t) {
      for (const [id, g] of groups) if (g.alerts.size === 0) groups.delete(id);
      nextMaintenance += MAINTENANCE_INTERVAL;
    } else {
      evaluate(evals[i] as Evaluation);
      i++;
    }
  }
  // Incidents still open: when their alerts stopped firing, if they did.
  for (const inc of open.values()) inc.alertsResolvedAt = clearedAt.get(inc.group) ?? null;
  return { notifications, incidents };
}
