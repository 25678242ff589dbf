/**
 * From what promtool says fired, at which step, to the figures the report shows: firing episodes, time to
 * first page and first ticket after the onset, false pages; and the goals, PASS or MISS.
 */
import { LABEL } from '../conventions.ts';
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

export interface RuleSetResult {
  /** Seconds from the onset to the first page that started at or after it; null for never. */
  firstPage: number | null;
  firstTicket: number | null;
  pages: number;
  tickets: number;
  falsePages: number;
  episodes: Episode[];
}

function key(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * @param fired what promtool reported, times from the start of the series
 * @param checkTimes the times the test checked, same origin, ascending
 * @param onset the onset, same origin
 */
export function analyse(
  scenario: Scenario,
  fired: readonly FiredAlert[],
  checkTimes: readonly number[],
  onset: number,
): RuleSetResult {
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
  const first = (n: Notification) => {
    const starts = episodes.filter((e) => e.notification === n && e.start >= 0).map((e) => e.start);
    return starts.length > 0 ? Math.min(...starts) : null;
  };
  const pages = episodes.filter((e) => e.notification === 'page');
  return {
    firstPage: first('page'),
    firstTicket: first('ticket'),
    pages: pages.length,
    tickets: episodes.length - pages.length,
    falsePages: pages.filter((e) => e.false !== undefined).length,
    episodes,
  };
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
      case 'ticket-within':
        return r.firstTicket !== null && (goal.seconds === undefined || r.firstTicket <= goal.seconds);
    }
  };
  return { ours: one(ours, seed), seed: goal.kind === 'page-no-later-than-seed' ? null : one(seed, ours) };
}

export function goalDetail(goal: Goal, ours: RuleSetResult, seed: RuleSetResult): string {
  switch (goal.kind) {
    case 'page-within':
    case 'page-no-later-than-seed':
      return `first page: ghmon ${fmt(ours.firstPage)}, seed ${fmt(seed.firstPage)}`;
    case 'never-pages':
      return `pages: ghmon ${ours.pages}, seed ${seed.pages}`;
    case 'ticket-within':
      return `first ticket: ghmon ${fmt(ours.firstTicket)}, seed ${fmt(seed.firstTicket)}`;
  }
}
