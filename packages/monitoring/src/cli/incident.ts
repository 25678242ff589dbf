/**
 * `ghmon incident <errors|latency|crash> [--service S] [--duration D] [--error-rate R] [--json]`: inject an
 * incident and watch it page and resolve, one line per milestone (stack/incident-watch.ts); `--json` prints the
 * figures as one JSON document instead. Ctrl-C ends the incident early and keeps watching for the resolve;
 * a second Ctrl-C stops watching (the injection is already undone).
 */

import { INCIDENT_KINDS, type IncidentKind, startIncident } from '../stack/incident.ts';
import { milestoneLine, summaryLine, watchIncident } from '../stack/incident-watch.ts';
import { parseDuration } from '../util/duration.ts';
import { UserError } from '../util/errors.ts';
import type { Io } from './io.ts';

export async function incident(
  opts: {
    kind: string | undefined;
    service?: string;
    duration: string;
    state: string;
    errorRate?: string;
    json?: boolean;
  },
  io: Io,
): Promise<number> {
  if (!opts.kind || !(INCIDENT_KINDS as readonly string[]).includes(opts.kind)) {
    throw new UserError(`expected an incident kind: ${INCIDENT_KINDS.join(', ')}`);
  }
  const durationMs = parseDuration(opts.duration);
  if (durationMs === undefined || durationMs <= 0) {
    throw new UserError(`--duration ${opts.duration}: expected a duration such as 90s or 5m`);
  }
  let errorRate: number | undefined;
  if (opts.errorRate !== undefined) {
    errorRate = Number(opts.errorRate);
    if (opts.kind !== 'errors' || !Number.isFinite(errorRate) || errorRate <= 0 || errorRate > 1) {
      throw new UserError(`--error-rate ${opts.errorRate}: expected a share above 0 and up to 1, with errors`);
    }
  }
  const handle = await startIncident({
    kind: opts.kind as IncidentKind,
    ...(opts.service ? { service: opts.service } : {}),
    ...(errorRate !== undefined ? { errorRate } : {}),
    durationMs,
    stateDir: opts.state,
  });
  const say = (line: string) => (opts.json ? io.err(line) : io.out(line));
  say(
    `ghmon incident: ${handle.kind} on ${handle.service} for ${opts.duration}, watching until its pages resolve (Ctrl-C ends it early)`,
  );
  const stop = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1 && !handle.endedAt) {
      say('  Ctrl-C: ending the incident now; still watching for the resolve (Ctrl-C again stops watching)');
      void handle.end();
    } else {
      stop.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const report = await watchIncident(handle, {
      stateDir: opts.state,
      signal: stop.signal,
      timeoutMs: durationMs + 45 * 60_000,
      onMilestone: (m) => say(milestoneLine(m)),
    });
    // Whatever stopped the watch, the injection is undone before we exit.
    await handle.end();
    if (opts.json) io.out(JSON.stringify(report, null, 2));
    else io.out(`ghmon incident: ${summaryLine(report)}`);
    return report.outcome === 'interrupted' ? 130 : report.outcome === 'timeout' ? 1 : 0;
  } finally {
    await handle.end();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
