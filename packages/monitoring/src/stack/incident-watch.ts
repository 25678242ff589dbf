/**
 * Follows an injected incident (incident.ts) from the injection to the receiver's resolve, through the HTTP APIs
 * of the running stack, and measures it:
 * - Prometheus (`/api/v1/alerts`): when each of the service's alerts went pending, and when its condition
 *   cleared while `keep_firing_for` held it (`keepFiringSince`);
 * - Alertmanager (`/api/v2/alerts`): when each alert fired (its `startsAt`, which Prometheus sets to the
 *   evaluation that made it fire) and when it resolved: the API lists an alert until Prometheus sends its
 *   resolve, so the resolve time is the first poll that no longer lists it (within one poll interval);
 * - the receiver (`/api/incidents`): the incidents the injection opened, each event with the time the
 *   receiver got it;
 * - the service: when it answers `/health` again after a crash.
 * Milestones are reported as they happen; the report has the figures. Pages (critical) are waited for until they
 * resolve; tickets (warnings) are reported but not waited for (a slow-burn ticket can last hours).
 */
import { LABEL, SEVERITY } from '../conventions.ts';
import { getJson, isOk } from '../util/http.ts';
import type { IncidentHandle } from './incident.ts';
import { readStackInfo } from './info.ts';
import type { Incident, StoreState } from './pagerduty/store.ts';

export interface AlertTimeline {
  alertname: string;
  severity: string;
  labels: Record<string, string>;
  /** Prometheus: the alert became active (pending, then firing after its `for`). */
  pendingAt?: string;
  /** Alertmanager's `startsAt`: the evaluation at which Prometheus fired it. */
  firedAt?: string;
  /** Prometheus: the condition cleared, `keep_firing_for` holds it firing from here. */
  keptFiringSince?: string;
  /** The first poll at which Alertmanager no longer listed it (Prometheus sent its resolve). */
  resolvedAt?: string;
}

export interface IncidentTimeline {
  id: number;
  dedupKey: string;
  severity: string;
  /** A page (critical) or a ticket. */
  page: boolean;
  class: string;
  summary: string;
  /** When the receiver got the trigger that opened it, and its resolve. */
  triggeredAt: string;
  resolvedAt?: string;
  triggerEvents: number;
  /** Milliseconds from the injection to the trigger. */
  triggerMs: number;
  /** Milliseconds from the end of the incident (injection reset, or the crashed service back) to the resolve. */
  resolveAfterEndMs?: number;
  /** Milliseconds from its alerts' resolve in Alertmanager (the last of them) to the receiver's resolve. */
  resolveAfterAlertMs?: number;
  /** When its alerts resolved in Alertmanager (the last of those that fired). */
  alertsResolvedAt?: string;
}

export interface IncidentReport {
  kind: IncidentHandle['kind'];
  service: string;
  injectedAt: string;
  /** The injection ended (reset, or a crash's restart hold released). */
  endedAt?: string;
  /** crash: the service answered /health again; errors/latency: same as endedAt. */
  backAt?: string;
  alerts: AlertTimeline[];
  incidents: IncidentTimeline[];
  /** Pages (critical incidents) and tickets the injection opened at the receiver. */
  pages: number;
  tickets: number;
  /** The first page's trigger, from the injection. */
  triggerMs?: number;
  /** The first alert that fired (Alertmanager startsAt), from the injection. */
  firedMs?: number;
  /** The last page's resolve, from the end (`backAt`), and from its alerts' resolve in Alertmanager. */
  resolveAfterEndMs?: number;
  resolveAfterAlertMs?: number;
  /** resolved: every page resolved; quiet: nothing paged; timeout; interrupted (stopped watching). */
  outcome: 'resolved' | 'quiet' | 'timeout' | 'interrupted';
}

export interface Milestone {
  at: Date;
  /** Milliseconds since the injection. */
  sinceMs: number;
  kind: 'injected' | 'pending' | 'fired' | 'kept-firing' | 'trigger' | 'ended' | 'back' | 'alert-resolved' | 'resolve';
  text: string;
}

export interface WatchOptions {
  stateDir?: string;
  /** Poll interval (default 2 s). */
  pollMs?: number;
  /** Stop watching after this long from the injection (default: 45 min). */
  timeoutMs?: number;
  /** When nothing paged: how long after the end to keep watching for a late alert (default 90 s). */
  quietMs?: number;
  onMilestone?: (m: Milestone) => void;
  /** Stops watching (the report says `interrupted`). */
  signal?: AbortSignal;
}

/** `m:ss` (or `h:mm:ss`), for durations in milliseconds. */
export function clock(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  const sign = ms < 0 ? '-' : '';
  return h ? `${sign}${h}:${String(m).padStart(2, '0')}:${ss}` : `${sign}${m}:${ss}`;
}

interface PromAlert {
  labels: Record<string, string>;
  state: string;
  activeAt?: string;
  keepFiringSince?: string;
}
interface AmAlert {
  labels: Record<string, string>;
  startsAt: string;
  status?: { state?: string };
}

/** Labels that name an alert the same in Prometheus and Alertmanager (external labels left out). */
const KEY_LABELS = ['alertname', LABEL.service, LABEL.severity, 'slo', 'job', 'instance'];
const alertKey = (labels: Record<string, string>) => KEY_LABELS.map((k) => labels[k] ?? '').join('\u0000');
const alertName = (a: AlertTimeline) => `${a.alertname}${a.labels.slo ? `{slo=${a.labels.slo}}` : ''}`;

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : Number.NaN);

function what(handle: IncidentHandle): string {
  if (handle.kind === 'errors')
    return `${Math.round((handle.errorRate ?? 0.5) * 100)}% of ${handle.service}'s requests fail`;
  if (handle.kind === 'latency') return `${handle.service}'s requests take ${handle.latencyMs ?? 1500} ms longer`;
  return `${handle.service} killed (SIGKILL), its restart held`;
}

/**
 * When Alertmanager resolved the alerts behind an incident's resolve: the last resolve, up to the receiver's
 * resolve (plus a poll interval, since a resolve is seen at the next poll), among the service's alerts of the
 * incident's severity — the group's alerts, whether Alertmanager groups by service or by alertname and service
 * (then the incident's class, its alertname, must be among them). Undefined while none of them is seen resolved.
 */
function alertsResolvedAt(incident: Incident, alerts: AlertTimeline[], slackMs: number): number | undefined {
  const severity = incident.severity === 'critical' ? SEVERITY.critical : SEVERITY.warning;
  const resolvedBy = Date.parse(incident.resolvedAt ?? '') + slackMs;
  const fired = alerts.filter((a) => a.firedAt && a.severity === severity);
  if (incident.class && !fired.some((a) => a.alertname === incident.class && a.resolvedAt)) return undefined;
  const times = fired.map((a) => ms(a.resolvedAt)).filter((t) => t <= resolvedBy);
  return times.length ? Math.max(...times) : undefined;
}

export async function watchIncident(handle: IncidentHandle, opts: WatchOptions = {}): Promise<IncidentReport> {
  const info = readStackInfo(opts.stateDir);
  if (!info) throw new Error('no stack is running here');
  const prom = `http://127.0.0.1:${info.ports.prometheus}`;
  const am = `http://127.0.0.1:${info.ports.alertmanager}`;
  const rx = `http://127.0.0.1:${info.ports.receiver}`;
  const health = `http://127.0.0.1:${handle.port}/health`;
  const pollMs = opts.pollMs ?? 2000;
  const timeoutMs = opts.timeoutMs ?? 45 * 60_000;
  const quietMs = opts.quietMs ?? 90_000;
  const t0 = handle.startedAt.getTime();
  const service = handle.service;
  const before = new Set(handle.incidentsBefore);

  const milestone = (kind: Milestone['kind'], text: string, at = new Date()) =>
    opts.onMilestone?.({ at, sinceMs: at.getTime() - t0, kind, text });

  const alerts = new Map<string, AlertTimeline>();
  /** Alerts already active at the first poll and firing since before the injection: not this incident's. */
  const preexisting = new Set<string>();
  const incidents = new Map<number, IncidentTimeline>();
  let ended = false;
  let backAt: Date | undefined;
  let first = true;
  let outcome: IncidentReport['outcome'] | undefined;

  milestone('injected', `injected: ${what(handle)}`, handle.startedAt);
  void handle.done.then(() => {
    ended = true;
    const at = handle.endedAt ?? new Date();
    milestone(
      'ended',
      handle.kind === 'crash'
        ? `incident ended: restart hold released, the supervisor starts ${service} again`
        : `incident ended: ${service}'s injection reset (${handle.kind === 'errors' ? 'no more injected errors' : 'no added latency'})`,
      at,
    );
    if (handle.kind !== 'crash') {
      backAt = at;
    }
  });

  const timeline = (labels: Record<string, string>): AlertTimeline | undefined => {
    const key = alertKey(labels);
    if (preexisting.has(key)) return undefined;
    let a = alerts.get(key);
    if (!a) {
      a = {
        alertname: labels.alertname ?? '',
        severity: labels[LABEL.severity] ?? '',
        labels: Object.fromEntries(KEY_LABELS.filter((k) => labels[k] !== undefined).map((k) => [k, labels[k]])),
      } as AlertTimeline;
      alerts.set(key, a);
    }
    return a;
  };

  const tick = async () => {
    const [promAlerts, amAlerts, state, up] = await Promise.all([
      getJson<{ data: { alerts: PromAlert[] } }>(`${prom}/api/v1/alerts`),
      getJson<AmAlert[]>(`${am}/api/v2/alerts`),
      getJson<StoreState>(`${rx}/api/incidents`),
      ended && !backAt ? isOk(health) : Promise.resolve(false),
    ]);
    const mine = (l: Record<string, string>) => l[LABEL.service] === service && l.alertname !== 'Watchdog';
    if (first && amAlerts) {
      first = false;
      for (const a of amAlerts) if (mine(a.labels) && Date.parse(a.startsAt) < t0) preexisting.add(alertKey(a.labels));
    }
    const now = new Date();
    if (up && !backAt) {
      backAt = now;
      milestone('back', `${service} is back: it answers /health again`, now);
    }
    for (const p of promAlerts?.data.alerts ?? []) {
      if (!mine(p.labels)) continue;
      const a = timeline(p.labels);
      if (!a) continue;
      // Pending since before the injection (e.g. a service not yet scraped at start-up): not this incident's.
      if (!a.pendingAt && p.activeAt && !a.resolvedAt && ms(p.activeAt) >= t0) {
        a.pendingAt = p.activeAt;
        milestone(
          'pending',
          `Prometheus: ${alertName(a)} (${a.severity}) ${p.state === 'firing' ? 'firing' : 'pending'}, active since ${clock(ms(p.activeAt) - t0)}`,
          now,
        );
      }
      if (p.keepFiringSince && !a.keptFiringSince && !a.resolvedAt) {
        a.keptFiringSince = p.keepFiringSince;
        milestone(
          'kept-firing',
          `Prometheus: ${alertName(a)}'s condition cleared at ${clock(ms(p.keepFiringSince) - t0)}; keep_firing_for holds it firing`,
          now,
        );
      }
    }
    if (amAlerts) {
      const listed = new Set<string>();
      for (const x of amAlerts) {
        if (!mine(x.labels)) continue;
        const a = timeline(x.labels);
        if (!a) continue;
        listed.add(alertKey(x.labels));
        if (!a.firedAt || a.resolvedAt) {
          // A new alert, or one that fired again after resolving (a second episode: kept as its own firing).
          if (a.resolvedAt) {
            delete a.resolvedAt;
            delete a.keptFiringSince;
          }
          a.firedAt = x.startsAt;
          milestone(
            'fired',
            `Alertmanager: ${alertName(a)} (${a.severity}) firing since ${clock(ms(x.startsAt) - t0)} after the injection`,
            now,
          );
        }
      }
      for (const [key, a] of alerts) {
        if (a.firedAt && !a.resolvedAt && !listed.has(key)) {
          a.resolvedAt = now.toISOString();
          const end = backAt ? `, ${clock(now.getTime() - backAt.getTime())} after the end` : '';
          milestone('alert-resolved', `Alertmanager: ${alertName(a)} resolved${end}`, now);
        }
      }
    }
    for (const i of state?.incidents ?? []) {
      if (before.has(i.id) || i.component !== service) continue;
      const page = i.severity === 'critical';
      const kindOf = page ? 'page' : 'ticket';
      let t = incidents.get(i.id);
      if (!t) {
        t = {
          id: i.id,
          dedupKey: i.dedupKey,
          severity: i.severity,
          page,
          class: i.class ?? '',
          summary: i.summary,
          triggeredAt: i.triggeredAt,
          triggerEvents: 0,
          triggerMs: Date.parse(i.triggeredAt) - t0,
        };
        incidents.set(i.id, t);
        milestone(
          'trigger',
          `receiver: trigger, ${kindOf} #${i.id} opened "${i.summary}": ${clock(t.triggerMs)} after the injection`,
          new Date(i.triggeredAt),
        );
      }
      t.triggerEvents = i.events.filter((e) => e.action === 'trigger').length;
      if (i.status === 'resolved' && i.resolvedAt && !t.resolvedAt) {
        t.resolvedAt = i.resolvedAt;
        const at = Date.parse(i.resolvedAt);
        const parts: string[] = [];
        if (backAt) {
          t.resolveAfterEndMs = at - backAt.getTime();
          parts.push(`${clock(t.resolveAfterEndMs)} after the end`);
        }
        const last = alertsResolvedAt(i, [...alerts.values()], pollMs + 1000);
        if (last !== undefined) {
          t.alertsResolvedAt = new Date(last).toISOString();
          t.resolveAfterAlertMs = at - last;
          parts.push(`${clock(t.resolveAfterAlertMs)} after Alertmanager resolved the alert`);
        }
        milestone(
          'resolve',
          `receiver: resolve, ${kindOf} #${i.id}${parts.length ? `: ${parts.join(', ')}` : ''}`,
          new Date(at),
        );
      }
    }
  };

  const deadline = t0 + timeoutMs;
  while (!outcome) {
    if (opts.signal?.aborted) {
      outcome = 'interrupted';
      break;
    }
    await tick().catch(() => {});
    const pages = [...incidents.values()].filter((i) => i.page);
    const activePages = [...alerts.values()].filter(
      (a) => a.severity === SEVERITY.critical && a.firedAt && !a.resolvedAt,
    );
    const back = ended ? backAt : undefined;
    const over = back !== undefined && activePages.length === 0;
    if (over && pages.length > 0 && pages.every((p) => p.resolvedAt)) outcome = 'resolved';
    else if (over && pages.length === 0 && Date.now() - back.getTime() >= quietMs) outcome = 'quiet';
    else if (Date.now() >= deadline) outcome = 'timeout';
    else await sleep(pollMs, opts.signal);
  }
  return report(handle, backAt, [...alerts.values()], [...incidents.values()], outcome);
}

function sleep(msDelay: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, msDelay);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function report(
  handle: IncidentHandle,
  backAt: Date | undefined,
  alerts: AlertTimeline[],
  incidents: IncidentTimeline[],
  outcome: IncidentReport['outcome'],
): IncidentReport {
  const t0 = handle.startedAt.getTime();
  const pages = incidents.filter((i) => i.page);
  const fired = alerts.filter((a) => a.firedAt).map((a) => ms(a.firedAt) - t0);
  const resolved = pages.filter((p) => p.resolvedAt);
  const lastResolved = resolved.sort((a, b) => ms(b.resolvedAt) - ms(a.resolvedAt))[0];
  return {
    kind: handle.kind,
    service: handle.service,
    injectedAt: handle.startedAt.toISOString(),
    ...(handle.endedAt ? { endedAt: handle.endedAt.toISOString() } : {}),
    ...(backAt ? { backAt: backAt.toISOString() } : {}),
    alerts,
    incidents,
    pages: pages.length,
    tickets: incidents.length - pages.length,
    ...(pages.length ? { triggerMs: Math.min(...pages.map((p) => p.triggerMs)) } : {}),
    ...(fired.length ? { firedMs: Math.min(...fired) } : {}),
    ...(lastResolved?.resolveAfterEndMs !== undefined ? { resolveAfterEndMs: lastResolved.resolveAfterEndMs } : {}),
    ...(lastResolved?.resolveAfterAlertMs !== undefined
      ? { resolveAfterAlertMs: lastResolved.resolveAfterAlertMs }
      : {}),
    outcome,
  };
}

/** One line with the figures, for the end of `ghmon incident` and for test logs. */
export function summaryLine(r: IncidentReport): string {
  const parts = [`${r.service} ${r.kind}`];
  if (r.firedMs !== undefined) parts.push(`alert fired ${clock(r.firedMs)} after the injection`);
  parts.push(r.triggerMs !== undefined ? `page trigger ${clock(r.triggerMs)} after the injection` : 'no page');
  if (r.resolveAfterEndMs !== undefined || r.resolveAfterAlertMs !== undefined) {
    const resolve = [
      r.resolveAfterEndMs !== undefined
        ? `${clock(r.resolveAfterEndMs)} after the ${r.kind === 'crash' ? 'service was back' : 'injection ended'}`
        : '',
      r.resolveAfterAlertMs !== undefined
        ? `${clock(r.resolveAfterAlertMs)} after Alertmanager resolved the alert`
        : '',
    ].filter(Boolean);
    parts.push(`resolve ${resolve.join(', ')}`);
  }
  parts.push(
    `${r.pages} page incident${r.pages === 1 ? '' : 's'}${r.tickets ? ` and ${r.tickets} ticket${r.tickets === 1 ? '' : 's'}` : ''}`,
  );
  const open = r.alerts
    .filter((a) => a.severity === SEVERITY.critical && a.firedAt && !a.resolvedAt)
    .map((a) => `${alertName(a)}${a.keptFiringSince ? ' (held by keep_firing_for)' : ''}`);
  const still = open.length ? `; still firing: ${open.join(', ')}` : '';
  const outcome = {
    resolved: '',
    quiet: '',
    timeout: ` (stopped watching: time limit${still})`,
    interrupted: ` (stopped watching${still})`,
  };
  return `${parts.join('; ')}${outcome[r.outcome]}`;
}

/** A milestone as `ghmon incident` prints it: wall clock, time since the injection, what happened. */
export function milestoneLine(m: Milestone): string {
  const wall = m.at.toTimeString().slice(0, 8);
  return `  ${wall}  +${clock(m.sinceMs).padEnd(6)} ${m.text}`;
}
