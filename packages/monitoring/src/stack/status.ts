/** `ghmon status`: the health of each part of a running stack, from the HTTP APIs of its processes. */

import { httpRequestsTotal } from '@greyhaven/metric-contract';
import { LABEL, SLO_RECORD } from '../conventions.ts';
import { getJson as json, isOk as ok, promQuery } from '../util/http.ts';
import { readStackInfo, type StackInfo } from './info.ts';
import { layout } from './layout.ts';
import { type LongTermStatus, longTermStatus } from './long-term-status.ts';
import type { StoreState } from './pagerduty/store.ts';
import { livePids } from './pids.ts';

export interface StackStatus {
  info: StackInfo;
  processes: { name: string; pid?: number }[];
  prometheus: {
    ready: boolean;
    targetsUp: number;
    targetsDown: string[];
    rules: number;
    ruleErrors: number;
    firing: string[];
  };
  alertmanager: { ready: boolean; activeAlerts: number; clusterPeers?: number };
  /** Each SLO the rules record, as Prometheus has it now (empty before the first evaluation). */
  slos: SloStatus[];
  /**
   * Each push service (no scrape target, so never among the targets down): how many instances pushed in the last
   * 5 minutes and how old its newest sample is (undefined: none in the last 5 minutes).
   */
  pushed: PushStatus[];
  /** With `ghmon up --long-term`: VictoriaMetrics. */
  longTerm?: LongTermStatus;
  /** With HA: every replica and peer, and which replica answers queries (the first ready one). */
  ha?: {
    replicas: { name: string; ready: boolean }[];
    answering?: string;
    peers: { name: string; ready: boolean; clusterPeers: number; clusterStatus?: string }[];
  };
  receiver: {
    ready: boolean;
    incidents: number;
    open: number;
    last?: StoreState['incidents'][number];
    lastHeartbeat?: string;
  };
}

export interface PushStatus {
  service: string;
  instances: number;
  newestSampleAgeSeconds?: number;
}

export interface SloStatus {
  service: string;
  slo: string;
  /** The objective as a ratio (0.999). */
  objective: number;
  /** Share of the error budget left over the SLO window: 1 untouched, 0 spent, below 0 overspent. */
  budgetRemaining?: number;
  /** How fast the budget burns over the last hour: 1 spends it exactly over the SLO window. */
  burnRate1h?: number;
}

interface Target {
  health: string;
  labels: Record<string, string>;
  lastError: string;
}
interface RuleGroup {
  rules: { name: string; health: string; type: string; state?: string }[];
}

export async function stackStatus(stateDir?: string): Promise<StackStatus | undefined> {
  const info = readStackInfo(stateDir);
  if (!info) return undefined;
  const pids = livePids(layout(stateDir).pids);
  const prom = `http://127.0.0.1:${info.ports.prometheus}`;
  const am = `http://127.0.0.1:${info.ports.alertmanager}`;
  const rx = `http://127.0.0.1:${info.ports.receiver}`;
  const [pReady, targets, rules, aReady, alerts, amStatus, rReady, incidents, ha, longTerm, slos, pushed] =
    await Promise.all([
      ok(`${prom}/-/ready`),
      json<{ data: { activeTargets: Target[] } }>(`${prom}/api/v1/targets?state=active`),
      json<{ data: { groups: RuleGroup[] } }>(`${prom}/api/v1/rules`),
      ok(`${am}/-/ready`),
      json<unknown[]>(`${am}/api/v2/alerts?active=true&silenced=false&inhibited=false`),
      json<{ cluster?: { peers?: unknown[] } }>(`${am}/api/v2/status`),
      ok(`${rx}/health`),
      json<StoreState>(`${rx}/api/incidents`),
      haStatus(info),
      longTermStatus(info),
      sloStatus(prom),
      pushStatus(prom, info.pushServices ?? []),
    ]);
  const active = targets?.data.activeTargets ?? [];
  const allRules = (rules?.data.groups ?? []).flatMap((g) => g.rules);
  return {
    info,
    processes: info.components.map((c) => ({ name: c.name, ...(pids.has(c.name) ? { pid: pids.get(c.name) } : {}) })),
    prometheus: {
      ready: pReady,
      targetsUp: active.filter((t) => t.health === 'up').length,
      targetsDown: active
        .filter((t) => t.health !== 'up')
        .map((t) => `${t.labels.job}/${t.labels.instance}${t.lastError ? ` (${t.lastError})` : ''}`),
      rules: allRules.length,
      ruleErrors: allRules.filter((r) => r.health === 'err').length,
      firing: allRules.filter((r) => r.type === 'alerting' && r.state === 'firing').map((r) => r.name),
    },
    alertmanager: {
      ready: aReady,
      activeAlerts: alerts?.length ?? 0,
      ...(amStatus?.cluster?.peers ? { clusterPeers: amStatus.cluster.peers.length } : {}),
    },
    slos,
    pushed,
    ...(ha ? { ha } : {}),
    ...(longTerm ? { longTerm } : {}),
    receiver: {
      ready: rReady,
      incidents: incidents?.incidents.length ?? 0,
      open: incidents?.incidents.filter((i) => i.status !== 'resolved').length ?? 0,
      ...(incidents?.incidents.length ? { last: incidents.incidents[incidents.incidents.length - 1] } : {}),
      ...(incidents?.lastHeartbeat ? { lastHeartbeat: incidents.lastHeartbeat } : {}),
    },
  };
}

type Vector = { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };

/** The SLOs from their recording rules: objective, budget left and the 1h burn rate, per service and SLO. */
async function sloStatus(prom: string): Promise<SloStatus[]> {
  const query = (q: string) => promQuery<Vector>(prom, q);
  const key = (m: Record<string, string>) => `${m[LABEL.service]}\u0000${m.slo}`;
  const byKey = (v: Vector | undefined) =>
    new Map((v?.data.result ?? []).map((r) => [key(r.metric), Number(r.value[1])] as const));
  const [objectives, budgets, burns] = await Promise.all([
    query(SLO_RECORD.objective),
    query(SLO_RECORD.budgetRemaining).then(byKey),
    query(`${SLO_RECORD.errorRatio('1h')} / on (${LABEL.service}, slo) (1 - ${SLO_RECORD.objective})`).then(byKey),
  ]);
  const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : undefined);
  return (objectives?.data.result ?? [])
    .map((r) => {
      const budgetRemaining = finite(budgets.get(key(r.metric)));
      const burnRate1h = finite(burns.get(key(r.metric)));
      return {
        service: r.metric[LABEL.service] ?? '',
        slo: r.metric.slo ?? '',
        objective: Number(r.value[1]),
        ...(budgetRemaining === undefined ? {} : { budgetRemaining }),
        ...(burnRate1h === undefined ? {} : { burnRate1h }),
      };
    })
    .sort((a, b) => `${a.service} ${a.slo}`.localeCompare(`${b.service} ${b.slo}`));
}

/**
 * Push services from their samples: instances with a request counter in the last 5 minutes (the lookback; a pushed
 * series gets no staleness marker, so a stopped instance counts until then) and the age of the newest sample.
 */
async function pushStatus(prom: string, services: readonly string[]): Promise<PushStatus[]> {
  if (services.length === 0) return [];
  const query = (q: string) => promQuery<Vector>(prom, q);
  const selector = `${httpRequestsTotal.name}{${LABEL.service}=~"${services.join('|')}"}`;
  const byService = (v: Vector | undefined) =>
    new Map((v?.data.result ?? []).map((r) => [r.metric[LABEL.service] ?? '', Number(r.value[1])] as const));
  const [instances, ages] = await Promise.all([
    query(`count by (${LABEL.service}) (count by (${LABEL.service}, ${LABEL.instance}) (${selector}))`).then(byService),
    query(`time() - max by (${LABEL.service}) (timestamp(${selector}))`).then(byService),
  ]);
  return services.map((service) => {
    const age = ages.get(service);
    return {
      service,
      instances: instances.get(service) ?? 0,
      ...(age !== undefined && Number.isFinite(age) ? { newestSampleAgeSeconds: Math.max(0, age) } : {}),
    };
  });
}

async function haStatus(info: StackInfo): Promise<StackStatus['ha']> {
  const names = (prefix: string) =>
    info.components
      .filter((c) => c.name === prefix || (c.name.startsWith(`${prefix}-`) && /-\d+$/.test(c.name)))
      .map((c) => c.name);
  const replicas = names('prometheus');
  const peers = names('alertmanager');
  if (replicas.length < 2 && peers.length < 2) return undefined;
  const replicaStates = await Promise.all(
    replicas.map(async (name) => ({ name, ready: await ok(`http://127.0.0.1:${info.ports[name]}/-/ready`) })),
  );
  const peerStates = await Promise.all(
    peers.map(async (name) => {
      const base = `http://127.0.0.1:${info.ports[name]}`;
      const st = await json<{ cluster?: { status?: string; peers?: unknown[] } }>(`${base}/api/v2/status`);
      return {
        name,
        ready: await ok(`${base}/-/ready`),
        clusterPeers: st?.cluster?.peers?.length ?? 0,
        ...(st?.cluster?.status ? { clusterStatus: st.cluster.status } : {}),
      };
    }),
  );
  const answering = replicaStates.find((r) => r.ready)?.name;
  return { replicas: replicaStates, ...(answering ? { answering } : {}), peers: peerStates };
}
