/** `ghmon incident <errors|latency|crash> [--service S] [--duration D]`: inject an incident and watch it page. */

import { parseDuration } from '../config/duration.ts';
import { UserError } from '../config/errors.ts';
import { INCIDENT_KINDS, type IncidentKind, startIncident } from '../stack/incident.ts';
import { stackStatus } from '../stack/status.ts';
import type { Io } from './io.ts';

export async function incident(
  opts: { kind: string | undefined; service?: string; duration: string; state: string },
  io: Io,
): Promise<number> {
  if (!opts.kind || !(INCIDENT_KINDS as readonly string[]).includes(opts.kind)) {
    throw new UserError(`expected an incident kind: ${INCIDENT_KINDS.join(', ')}`);
  }
  const durationMs = parseDuration(opts.duration);
  if (durationMs === undefined || durationMs <= 0) {
    throw new UserError(`--duration ${opts.duration}: expected a duration such as 90s or 5m`);
  }
  const handle = await startIncident({
    kind: opts.kind as IncidentKind,
    ...(opts.service ? { service: opts.service } : {}),
    durationMs,
    stateDir: opts.state,
  });
  io.out(`ghmon incident: ${handle.kind} on ${handle.service} for ${opts.duration} (Ctrl-C ends it early)`);
  const onSignal = () => void handle.end();
  process.once('SIGINT', onSignal);
  const seen = new Map<number, string>();
  const watch = setInterval(async () => {
    const s = await stackStatus(opts.state);
    if (!s) return;
    const elapsed = Math.round((Date.now() - handle.startedAt.getTime()) / 1000);
    const firing = [...new Set(s.prometheus.firing)].filter((a) => a !== 'Watchdog');
    io.out(`  +${elapsed}s firing: ${firing.join(', ') || 'none'}; pages open: ${s.receiver.open}`);
    if (s.receiver.last && seen.get(s.receiver.last.id) !== s.receiver.last.status) {
      seen.set(s.receiver.last.id, s.receiver.last.status);
      io.out(`  page #${s.receiver.last.id} ${s.receiver.last.status}: ${s.receiver.last.summary}`);
    }
  }, 10_000);
  await handle.done;
  clearInterval(watch);
  process.off('SIGINT', onSignal);
  io.out('ghmon incident: over. Alerts resolve within a few minutes; `ghmon status` shows the pages.');
  return 0;
}
