/**
 * From what promtool says fired, at which step, to the figures the report shows: firing episodes, time to
 * first page and first ticket after the onset, false pages; and the goals, PASS or MISS.
 */
import { LABEL } from '../conventions.ts';
import type { Evaluation, Incident, Kind, NotifyResult } from './notify.ts';
import type { FiredAlert } from './promtool-output.ts';
import { classify, type Notification } from './ruleset.ts';
import { formatSeconds, type Goal, type Scenario } from './scenarios.ts';

/** One alert (name and label set) firing without a break. Times are seconds from the onset. */
export interface Episode {
  alertname: string;
  severity: string;
  notification: Notification;
  labels: Record<string, string>;
  start: number;
  /** The first checked time it was no longer firing; null if it still fired at the last check. */
  end: number | null;
  /** Why this one counts as a false page or ticket, if it does. */
  false?: 'not-expected' | 'before-onset' | 'repeat';
}

/** An incident at the receiver as the report shows it (times from the onset). */
export interface IncidentReport extends Incident {
  /** Why it counts as a false page or ticket, if it does. */
  false?: 'not-expected' | 'before-onset' | 'extra';
  /** Resolve event minus the time its alerts stopped firing; null if not resolved within the watched window. */
  resolveLag: number | null;
  /** Resolve event minus the end of the incident (the scenario's); null if not resolved within the window. */
  resolveAfterIncidentEnd: number | null;
}

export interface RuleSetResult {
  /** Seconds from the onset to the first page trigger event at the receiver at or after it; null for never. */
  firstPage: number | null;
  /** The same for the first ticket trigger event. */
  firstTicket: number | null;
  /** Page incidents at the receiver (one per dedup key from trigger to resolve), before the onset included. */
  pages: number;
  /** Ticket incidents. */
  tickets: number;
  falsePages: number;
  falseTickets: number;
  /** The slowest resolve of a page incident after its alerts stopped firing; null if none resolved. */
  resolveLag: number | null;
  /** Page incidents whose alerts stopped firing but which were still open at the end, or still firing. */
  unresolvedPages: number;
  /** When the first page and ticket alert fired (promtool), before Alertmanager. */
  firstPageAlert: number | null;
  firstTicketAlert: number | null;
  incidents: IncidentReport[];
  /** Trigger and resolve events sent to receivers with integrations. */
  notifications: number;
  episodes: Episode[];
}

function key(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Firing episodes of each alert (name and label set) that pages or tickets. Times from the onset.
 * @param fired what promtool reported, times from the start of the series
 * @param checkTimes the times the test checked, same origin, ascending
 * @param onset the onset, same origin
 */
export function alertEpisodes(
  scenario: Scenario,
  fired: readonly FiredAlert[],
  checkTimes: readonly number[],
  onset: number,
): Episode[] {
  // Which label sets fired at which checked time (only those that page or ticket).
  const firingAt = new Map<number, Map<string, FiredAlert>>();
  for (const f of fired) {
    if (classify(f.labels[LABEL.severity]) === undefined) continue;
    const at = firingAt.get(f.time) ?? new Map<string, FiredAlert>();
    at.set(key(f.labels), f);
    firingAt.set(f.time, at);
  }
  const open = new Map<string, Episode>();
  const episodes: Episode[] = [];
  for (const t of checkTimes) {
    const now = firingAt.get(t) ?? new Map<string, FiredAlert>();
    for (const [k, ep] of open) {
      if (!now.has(k)) {
        ep.end = t - onset;
        open.delete(k);
      }
    }
    for (const [k, f] of now) {
      if (open.has(k)) continue;
      const severity = f.labels[LABEL.severity] as string;
      const ep: Episode = {
        alertname: f.alertname,
        severity,
        notification: classify(severity) as Notification,
        labels: f.labels,
        start: t - onset,
        end: null,
      };
      open.set(k, ep);
      episodes.push(ep);
    }
  }
  const seen = new Set<string>();
  for (const ep of episodes) {
    const k = key(ep.labels);
    if (scenario.expect !== ep.notification && !(scenario.expect === 'page' && ep.notification === 'ticket')) {
      ep.false = 'not-expected';
    } else if (ep.start < 0) {
      ep.false = 'before-onset';
    } else if (seen.has(k)) {
      ep.false = 'repeat';
    }
    seen.add(k);
  }
  return episodes;
}

/** The evaluations promtool reported, as the notification model reads them (every alert, times from the onset). */
export function evaluations(fired: readonly FiredAlert[], checkTimes: readonly number[], onset: number): Evaluation[] {
  const at = new Map<number, Record<string, string>[]>();
  for (const t of checkTimes) at.set(t, []);
  for (const f of fired) at.get(f.time)?.push(f.labels);
  return checkTimes.map((t) => ({ time: t - onset, firing: at.get(t) ?? [] }));
}

/**
 * The figures of one rule set in one scenario: the alerts' firing episodes (promtool) and what reached the
 * receivers (the notification model): first page and ticket trigger events, incidents, false ones, resolve times.
 */
export function analyse(scenario: Scenario, episodes: Episode[], notified: NotifyResult): RuleSetResult {
  const incidents: IncidentReport[] = notified.incidents.map((inc) => ({
    ...inc,
    resolveLag: inc.resolvedAt === null || inc.alertsResolvedAt === null ? null : inc.resolvedAt - inc.alertsResolvedAt,
    resolveAfterIncidentEnd: inc.resolvedAt === null ? null : inc.resolvedAt - scenario.incidentEnd,
  }));
  let pagesAfterOnset = 0;
  for (const inc of incidents) {
    const allowed = inc.kind === 'page' ? scenario.expect === 'page' : scenario.expect !== 'none';
    if (!allowed) inc.false = 'not-expected';
    else if (inc.triggeredAt < 0) inc.false = 'before-onset';
    else if (inc.kind === 'page' && ++pagesAfterOnset > 1) inc.false = 'extra';
  }
  const firstTrigger = (kind: Kind) => {
    const times = notified.notifications
      .filter((n) => n.status === 'firing' && n.time >= 0 && n.firing.some((l) => classifyLabels(l) === kind))
      .map((n) => n.time);
    return times.length > 0 ? Math.min(...times) : null;
  };
  const firstAlert = (n: Notification) => {
    const starts = episodes.filter((e) => e.notification === n && e.start >= 0).map((e) => e.start);
    return starts.length > 0 ? Math.min(...starts) : null;
  };
  const pages = incidents.filter((i) => i.kind === 'page');
  const tickets = incidents.filter((i) => i.kind === 'ticket');
  const lags = pages.map((i) => i.resolveLag).filter((l): l is number => l !== null);
  return {
    firstPage: firstTrigger('page'),
    firstTicket: firstTrigger('ticket'),
    pages: pages.length,
    tickets: tickets.length,
    falsePages: pages.filter((i) => i.false !== undefined).length,
    falseTickets: tickets.filter((i) => i.false !== undefined).length,
    resolveLag: lags.length > 0 ? Math.max(...lags) : null,
    unresolvedPages: pages.filter((i) => i.resolveLag === null).length,
    firstPageAlert: firstAlert('page'),
    firstTicketAlert: firstAlert('ticket'),
    incidents,
    notifications: notified.notifications.length,
    episodes,
  };
}

/** A firing alert's worth by its `severity` label: critical pages, warning tickets. */
export function classifyLabels(labels: Readonly<Record<string, string>>): Kind | undefined {
  return classify(labels[LABEL.severity]);
}

export interface GoalResult {
  scenario: string;
  goal: Goal;
  text: string;
  ours: boolean;
  seed: boolean | null;
  /** The figures the verdict rests on. */
  detail: string;
}

/** A time after the onset as the report prints it: `m:ss`, or `never`. */
export function formatTime(t: number | null): string {
  return t === null ? 'never' : formatSeconds(t);
}
const fmt = formatTime;

/** The goal's verdict for ghmon's rules and for the seed's (null where the goal compares the two). */
export function checkGoal(
  goal: Goal,
  ours: RuleSetResult,
  seed: RuleSetResult,
): { ours: boolean; seed: boolean | null } {
  const one = (r: RuleSetResult, other: RuleSetResult): boolean => {
    switch (goal.kind) {
      case 'page-within':
        return r.firstPage !== null && r.firstPage <= goal.seconds;
      case 'page-no-later-than-seed':
        return r.firstPage !== null && (other.firstPage === null || r.firstPage <= other.firstPage);
      case 'never-pages':
        return r.pages === 0;
      case 'no-ticket':
        return r.tickets === 0;
      case 'ticket-within':
        return r.firstTicket !== null && (goal.seconds === undefined || r.firstTicket <= goal.seconds);
      case 'one-incident':
        return r.pages === 1 && r.falsePages === 0;
      case 'resolves-within':
        return r.pages > 0 && r.unresolvedPages === 0 && r.resolveLag !== null && r.resolveLag <= goal.seconds;
    }
  };
  return { ours: one(ours, seed), seed: goal.kind === 'page-no-later-than-seed' ? null : one(seed, ours) };
}

function resolveText(r: RuleSetResult): string {
  if (r.pages === 0) return 'no page';
  const lag = r.resolveLag === null ? 'none resolved' : `slowest ${fmt(r.resolveLag)} after the alert`;
  return r.unresolvedPages > 0 ? `${lag}, ${r.unresolvedPages} not resolved in the window` : lag;
}

export function goalDetail(goal: Goal, ours: RuleSetResult, seed: RuleSetResult): string {
  switch (goal.kind) {
    case 'page-within':
    case 'page-no-later-than-seed':
      return `first page: ghmon ${fmt(ours.firstPage)}, seed ${fmt(seed.firstPage)}`;
    case 'never-pages':
      return `pages: ghmon ${ours.pages}, seed ${seed.pages}`;
    case 'no-ticket':
      return `tickets: ghmon ${ours.tickets}, seed ${seed.tickets}`;
    case 'ticket-within':
      return `first ticket: ghmon ${fmt(ours.firstTicket)}, seed ${fmt(seed.firstTicket)}`;
    case 'one-incident':
      return `page incidents: ghmon ${ours.pages}, seed ${seed.pages}`;
    case 'resolves-within':
      return `resolve: ghmon ${resolveText(ours)}; seed ${resolveText(seed)}`;
  }
}
