/**
 * Incidents by dedup_key, with PagerDuty's semantics: a trigger opens an incident or adds to the open one with
 * the same dedup_key and routing key; acknowledge and resolve apply to the open incident (and are dropped when
 * there is none); after a resolve, a trigger with the same dedup_key opens a new incident. Routing keys are
 * kept only as a short fingerprint, never in full (they are secrets).
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AlertEvent } from './events.ts';

export interface IncidentEvent {
  action: AlertEvent['event_action'];
  at: string;
  summary?: string;
  severity?: string;
}

export interface Incident {
  id: number;
  dedupKey: string;
  routingKeyFingerprint: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  summary: string;
  severity: string;
  source: string;
  component?: string;
  class?: string;
  group?: string;
  triggeredAt: string;
  resolvedAt?: string;
  events: IncidentEvent[];
}

export interface StoreState {
  incidents: Incident[];
  lastHeartbeat?: string;
  heartbeats: number;
  /** Requests answered with an error on purpose (fault injection), and events accepted. */
  rejected: number;
  accepted: number;
}

export function fingerprint(routingKey: string): string {
  return createHash('sha256').update(routingKey).digest('hex').slice(0, 8);
}

export class IncidentStore {
  state: StoreState = { incidents: [], heartbeats: 0, rejected: 0, accepted: 0 };

  constructor(
    private readonly file?: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (file && existsSync(file)) {
      try {
        this.state = { ...this.state, ...(JSON.parse(readFileSync(file, 'utf8')) as StoreState) };
      } catch {
        // A corrupt state file starts empty rather than taking the receiver down.
      }
    }
  }

  /** Applies an event; returns the dedup_key PagerDuty would return. */
  apply(event: AlertEvent): string {
    const at = this.now().toISOString();
    const dedupKey = event.dedup_key || randomUUID();
    const fp = fingerprint(event.routing_key);
    const open = this.state.incidents.find(
      (i) => i.dedupKey === dedupKey && i.routingKeyFingerprint === fp && i.status !== 'resolved',
    );
    this.state.accepted++;
    if (event.event_action === 'trigger') {
      const p = event.payload;
      const entry: IncidentEvent = { action: 'trigger', at, summary: p?.summary, severity: p?.severity };
      if (open) {
        open.events.push(entry);
        if (p) Object.assign(open, { summary: p.summary, severity: p.severity });
      } else {
        this.state.incidents.push({
          id: this.state.incidents.length + 1,
          dedupKey,
          routingKeyFingerprint: fp,
          status: 'triggered',
          summary: p?.summary ?? '',
          severity: p?.severity ?? 'error',
          source: p?.source ?? '',
          ...(p?.component ? { component: p.component } : {}),
          ...(p?.class ? { class: p.class } : {}),
          ...(p?.group ? { group: p.group } : {}),
          triggeredAt: at,
          events: [entry],
        });
      }
    } else if (open) {
      open.events.push({ action: event.event_action, at });
      if (event.event_action === 'resolve') {
        open.status = 'resolved';
        open.resolvedAt = at;
      } else {
        open.status = 'acknowledged';
      }
    }
    this.save();
    return dedupKey;
  }

  heartbeat(): void {
    this.state.heartbeats++;
    this.state.lastHeartbeat = this.now().toISOString();
    this.save();
  }

  rejected(): void {
    this.state.rejected++;
    this.save();
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 2));
    renameSync(tmp, this.file);
  }
}
