/**
 * `ghmon incident <errors|latency|crash>`: injects an incident into a demo service of the running stack.
 * errors/latency use the demo services' `/admin/inject` switch; crash SIGKILLs the process and holds its
 * restart for the duration (the supervisor restarts it afterwards). The incident ends after `durationMs`, or
 * earlier with `end()` (a crash's hold is removed: the supervisor restarts the process within a second).
 * `watchIncident` (incident-watch.ts) follows it to the receiver's pages.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../util/errors.ts';
import { getJson } from '../util/http.ts';
import { readStackInfo } from './info.ts';
import { layout } from './layout.ts';
import type { StoreState } from './pagerduty/store.ts';
import { livePids, signal } from './pids.ts';

export const INCIDENT_KINDS = ['errors', 'latency', 'crash'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export interface IncidentOptions {
  kind: IncidentKind;
  service?: string;
  durationMs: number;
  /** Share of requests that fail (errors), default 0.5. */
  errorRate?: number;
  /** Added latency (latency), default 1500 ms: p99 above the 1s threshold. */
  latencyMs?: number;
  stateDir?: string;
}

export interface IncidentHandle {
  service: string;
  kind: IncidentKind;
  startedAt: Date;
  /** errors: the share of requests failing; latency: the added milliseconds. */
  errorRate?: number;
  latencyMs?: number;
  /** The service's own port (its `/health`), and the receiver's incident ids before the injection. */
  port: number;
  incidentsBefore: number[];
  /** When the incident ended (set before `done` resolves). */
  endedAt?: Date;
  /** Resolves when the incident has ended (injection reset, or the crashed process released). */
  done: Promise<void>;
  /** Ends the incident early. */
  end(): Promise<void>;
}

async function inject(baseUrl: string, body: { errorRate?: number; latencyMs?: number }): Promise<void> {
  const r = await fetch(`${baseUrl}/admin/inject`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  if (!r.ok) throw new UserError(`${baseUrl}/admin/inject answered ${r.status}`);
  await r.arrayBuffer();
}

export async function startIncident(opts: IncidentOptions): Promise<IncidentHandle> {
  const info = readStackInfo(opts.stateDir);
  if (!info) throw new UserError('no stack is running here: start it with `ghmon up`');
  const service = opts.service ?? info.services[0];
  if (!service || !info.services.includes(service)) {
    throw new UserError(`--service ${opts.service}: unknown service (running: ${info.services.join(', ')})`);
  }
  const baseUrl = `http://127.0.0.1:${info.ports[service]}`;
  const l = layout(opts.stateDir);
  const before = await getJson<StoreState>(`http://127.0.0.1:${info.ports.receiver}/api/incidents`);
  const incidentsBefore = (before?.incidents ?? []).map((i) => i.id);
  const startedAt = new Date();
  let timer: NodeJS.Timeout | undefined;
  const errorRate = opts.kind === 'errors' ? (opts.errorRate ?? 0.5) : undefined;
  const latencyMs = opts.kind === 'latency' ? (opts.latencyMs ?? 1500) : undefined;
  let finish: () => Promise<void>;
  if (opts.kind === 'crash') {
    const pid = livePids(l.pids).get(service);
    if (pid === undefined) throw new UserError(`${service} is not running`);
    const hold = join(l.holds, service);
    writeFileSync(hold, String(Date.now() + opts.durationMs));
    signal(pid, 'SIGKILL');
    finish = async () => rmSync(hold, { force: true });
  } else {
    await inject(baseUrl, errorRate !== undefined ? { errorRate } : { latencyMs: latencyMs ?? 1500 });
    finish = () => inject(baseUrl, { errorRate: 0, latencyMs: 0 });
  }
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  let ended = false;
  const end = async () => {
    if (ended) return done;
    ended = true;
    if (timer) clearTimeout(timer);
    await finish().catch(() => {});
    handle.endedAt = new Date();
    resolveDone();
  };
  const handle: IncidentHandle = {
    service,
    kind: opts.kind,
    startedAt,
    ...(errorRate !== undefined ? { errorRate } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    port: info.ports[service] as number,
    incidentsBefore,
    done,
    end,
  };
  timer = setTimeout(() => void end(), opts.durationMs);
  return handle;
}
