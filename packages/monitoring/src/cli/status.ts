/** `ghmon status`: health of each part of the running stack. Exit 1 when something is unhealthy. */
import { type PushStatus, type SloStatus, stackStatus } from '../stack/status.ts';
import type { Io } from './io.ts';

const mark = (ok: boolean) => (ok ? 'ok  ' : 'FAIL');

const percent = (ratio: number) => `${(Math.round(ratio * 1000) / 10).toString()}%`;

/** `api availability 99.9%: 96.1% of the error budget left, burning 0.8× (1h)` */
export function sloLine(slo: SloStatus): string {
  const budget =
    slo.budgetRemaining === undefined
      ? 'no budget figure yet'
      : slo.budgetRemaining < 0
        ? `error budget overspent by ${percent(-slo.budgetRemaining)}`
        : `${percent(slo.budgetRemaining)} of the error budget left`;
  const burn =
    slo.burnRate1h === undefined ? 'no traffic in the last hour' : `burning ${slo.burnRate1h.toFixed(1)}× (1h)`;
  return `${slo.service} ${slo.slo} ${Number((slo.objective * 100).toFixed(4)).toString()}%: ${budget}, ${burn}`;
}

/** `api: 1 instance pushing, newest sample 2s old` — a push service has no target, so no up/down. */
export function pushLine(p: PushStatus): string {
  if (p.newestSampleAgeSeconds === undefined) return `${p.service}: no sample pushed in the last 5m`;
  const n = `${p.instances} instance${p.instances === 1 ? '' : 's'}`;
  return `${p.service}: ${n} in the last 5m, newest sample ${p.newestSampleAgeSeconds.toFixed(0)}s old (remote write)`;
}

export async function status(opts: { state: string }, io: Io): Promise<number> {
  const s = await stackStatus(opts.state);
  if (!s) {
    io.out('ghmon status: no stack is running (start one with `ghmon up`).');
    return 3;
  }
  const p = s.prometheus;
  const missing = s.processes.filter((x) => x.pid === undefined).map((x) => x.name);
  io.out(`ghmon status (supervisor pid ${s.info.pid}, up since ${s.info.startedAt})`);
  io.out(
    `  ${mark(missing.length === 0)} processes     ${s.processes.length - missing.length}/${s.processes.length} running${missing.length ? ` (not running: ${missing.join(', ')})` : ''}`,
  );
  io.out(
    `  ${mark(p.ready)} prometheus    ${p.ready ? 'ready' : 'not ready'}; targets ${p.targetsUp} up, ${p.targetsDown.length} down${p.targetsDown.length ? `: ${p.targetsDown.join('; ')}` : ''}`,
  );
  io.out(`  ${mark(p.ruleErrors === 0 && p.rules > 0)} rules         ${p.rules} loaded, ${p.ruleErrors} failing`);
  io.out(
    `  ${mark(s.alertmanager.ready)} alertmanager  ${s.alertmanager.ready ? 'ready' : 'not ready'}; ${s.alertmanager.activeAlerts} active alerts${s.alertmanager.clusterPeers !== undefined ? `; cluster peers ${s.alertmanager.clusterPeers}` : ''}`,
  );
  io.out(`       firing        ${p.firing.length ? [...new Set(p.firing)].join(', ') : 'none'}`);
  for (const slo of s.slos) io.out(`       slo           ${sloLine(slo)}`);
  for (const push of s.pushed) io.out(`       pushed        ${pushLine(push)}`);
  if (s.ha) {
    io.out(
      `  ${mark(s.ha.replicas.every((x) => x.ready))} replicas      ${s.ha.replicas.map((x) => `${x.name} ${x.ready ? 'ready' : 'DOWN'}`).join(', ')}; answering: ${s.ha.answering ?? 'none'}`,
    );
    const n = s.ha.peers.length;
    io.out(
      `  ${mark(s.ha.peers.every((x) => x.clusterPeers === n))} cluster       ${s.ha.peers.map((x) => `${x.name} ${x.ready ? `sees ${x.clusterPeers}/${n}` : 'DOWN'}`).join(', ')}`,
    );
  }
  if (s.longTerm) {
    const lt = s.longTerm;
    const age =
      lt.newestSampleAgeSeconds === undefined
        ? 'no sample yet'
        : `newest sample ${lt.newestSampleAgeSeconds.toFixed(0)}s old`;
    const pending = lt.pendingSamples === undefined ? '' : `; ${lt.pendingSamples} samples pending in Prometheus`;
    io.out(
      `  ${mark(lt.ready)} long-term     ${lt.ready ? 'ready' : 'not ready'}; ${age}${pending}; query ${lt.queryUrl}/api/v1/query`,
    );
  }
  const r = s.receiver;
  const last = r.last
    ? `last: #${r.last.id} ${r.last.status} "${r.last.summary}" (${r.last.resolvedAt ?? r.last.triggeredAt})`
    : 'no page yet';
  io.out(`  ${mark(r.ready)} pagerduty     ${r.incidents} incidents, ${r.open} open; ${last}`);
  io.out(`       watchdog      ${r.lastHeartbeat ? `last heartbeat ${r.lastHeartbeat}` : 'no heartbeat yet'}`);
  const healthy = missing.length === 0 && p.ready && p.ruleErrors === 0 && s.alertmanager.ready && r.ready;
  if (s.longTerm?.ready === false) return 1;
  return healthy ? 0 : 1;
}
