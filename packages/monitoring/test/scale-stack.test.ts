/**
 * `ghmon up --scale` on the real binaries (issue 19): 2 vmagent members scraping every target (replication 2), a
 * VictoriaMetrics single node deduplicating, 2 vmalert replicas, a 3-peer Alertmanager cluster paging the local
 * PagerDuty receiver. Fault tests, each bounded in time, in fast mode (2s intervals): kill -9 of a vmagent (no gap in
 * any series; the member scrapes again after its restart), kill -9 of a vmalert during an incident (one incident at
 * the receiver), a restart of VictoriaMetrics (no acknowledged sample lost; vmagent's queue fills the gap).
 * Figures are printed; docs/scaling.md keeps them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { until } from '../../../test/support/until.ts';
import { loadConfig } from '../src/config/load.ts';
import type { MonitoringConfig } from '../src/config/schema.ts';
import { startIncident } from '../src/stack/incident.ts';
import { layout } from '../src/stack/layout.ts';
import type { StoreState } from '../src/stack/pagerduty/store.ts';
import { livePids, procStartTime } from '../src/stack/pids.ts';
import { freeStackPorts, type RunningStack, startStack } from '../src/stack/up.ts';
import { FIXTURES, tempDir } from './helpers.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

/** Fast mode's scrape interval. */
const INTERVAL_S = 2;
/** How long a killed vmagent, or the stopped store, is kept down (the supervisor's hold) before its restart. */
const HELD_MS = 10_000;
/**
 * The longest gap between two kept samples that still means none was lost: the store keeps one sample per scrape
 * interval of the members' copies (dedup), so two kept samples can lie almost two intervals apart; a lost scrape
 * makes it three. Anything held down for HELD_MS without its replica or its queue would leave a gap of ≥ 10 s.
 */
const NO_GAP_S = 3 * INTERVAL_S;

export const figures: Record<string, unknown> = {};

interface Export {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

describe('ghmon up --scale', () => {
  let stack: RunningStack;
  let state: string;
  let config: MonitoringConfig;
  const seen = new Set<number>();
  const port = (name: string) => stack.info.ports[name] as number;
  const vm = (path: string) => `http://127.0.0.1:${port('victoria-metrics')}${path}`;
  const pid = (name: string) => livePids(layout(state).pids).get(name);
  const remember = () => {
    for (const p of livePids(layout(state).pids).values()) seen.add(p);
  };
  const incidents = async () =>
    ((await (await fetch(`http://127.0.0.1:${port('receiver')}/api/incidents`)).json()) as StoreState).incidents;

  /** Raw samples of `selector` between two times (ms), one entry per series, from VictoriaMetrics' export API. */
  async function exported(selector: string, fromMs: number, toMs: number): Promise<Export[]> {
    await fetch(vm('/internal/force_flush'));
    const q = new URLSearchParams({ 'match[]': selector, start: String(fromMs / 1000), end: String(toMs / 1000) });
    const text = await (await fetch(vm(`/api/v1/export?${q}`))).text();
    return (
      text
        .split('\n')
        .filter(Boolean)
        // Staleness markers export as a bare NaN, which JSON has no word for.
        .map((l) => JSON.parse(l.replace(/\bNaN\b/g, 'null')) as Export)
    );
  }

  /** The longest gap between consecutive samples of every series of `selector` in the window, in seconds. */
  async function longestGap(selector: string, fromMs: number, toMs: number): Promise<{ gap: number; series: number }> {
    const series = await exported(selector, fromMs, toMs);
    let gap = 0;
    for (const s of series) {
      const ts = [...new Set(s.timestamps)].sort((a, b) => a - b);
      for (let i = 1; i < ts.length; i++) gap = Math.max(gap, ((ts[i] as number) - (ts[i - 1] as number)) / 1000);
    }
    return { gap, series: series.length };
  }

  async function restarted(name: string, old: number): Promise<number> {
    return until(
      async () => {
        const now = pid(name);
        if (now === undefined || now === old) return undefined;
        const ok = await fetch(`http://127.0.0.1:${port(name)}/health`).then(
          (r) => r.ok,
          () => false,
        );
        return ok ? now : undefined;
      },
      `${name} restarted`,
      60_000,
      250,
    );
  }

  beforeAll(async () => {
    config = await loadConfig(`${FIXTURES}minimal.config.ts`);
    state = tempDir('ghmon-scale-');
    const ports = await freeStackPorts(config, { scale: true });
    stack = await startStack({
      config,
      stateDir: state,
      ports,
      rps: 10,
      fast: true,
      scale: true,
      graceMs: 5000,
      backoffMs: 500,
    });
    remember();
    // Samples are flowing: the demo's request counter is in the store.
    await until(
      async () => (await exported('http_requests_total{service="demo"}', Date.now() - 60_000, Date.now())).length > 0,
      'the demo traffic in VictoriaMetrics',
      60_000,
      500,
    );
  });

  afterAll(async () => {
    remember();
    await stack?.stop();
    for (const p of seen) expect(procStartTime(p), `pid ${p} left behind`).toBeUndefined();
    console.log(`\nscale figures:\n${JSON.stringify(figures, null, 1)}`);
  });

  it('runs 2 vmagent (each scraping every target), VictoriaMetrics, 2 vmalert, 3 Alertmanager peers, no Prometheus', async () => {
    for (const name of ['vmagent-0', 'vmagent-1', 'vmalert-0', 'vmalert-1', 'victoria-metrics', 'alertmanager-2'])
      expect(pid(name), name).toBeDefined();
    expect(pid('prometheus')).toBeUndefined();
    for (const name of ['vmagent-0', 'vmagent-1']) {
      const targets = (await (await fetch(`http://127.0.0.1:${port(name)}/api/v1/targets`)).json()) as {
        data: { activeTargets: { labels: Record<string, string> }[] };
      };
      // Replication 2 over 2 members: each scrapes all of them.
      expect(targets.data.activeTargets.map((t) => t.labels.job).sort(), name).toEqual(
        ['alertmanager', 'alertmanager', 'alertmanager', 'demo', 'node-exporter'].sort(),
      );
    }
    // The store keeps one series per target: the members' copies carry the same labels.
    const upByJob = async () => {
      const up = (await (
        await fetch(vm(`/api/v1/query?query=${encodeURIComponent('count(up) by (job)')}`))
      ).json()) as {
        data: { result: { metric: { job: string }; value: [number, string] }[] };
      };
      return Object.fromEntries(up.data.result.map((r) => [r.metric.job, Number(r.value[1])]));
    };
    const want = { alertmanager: 3, demo: 1, 'node-exporter': 1 };
    await until(
      async () => JSON.stringify(await upByJob()) === JSON.stringify(want),
      'one up series per target',
      60_000,
      500,
    ).catch(() => undefined);
    expect(await upByJob()).toEqual(want);
    // vmalert evaluates the recording rules against the store.
    await until(
      async () => {
        const r = (await (
          await fetch(vm(`/api/v1/query?query=${encodeURIComponent('greyhaven:http_rps')}`))
        ).json()) as { data: { result: unknown[] } };
        return r.data.result.length > 0;
      },
      'greyhaven:http_rps recorded by vmalert',
      60_000,
      500,
    );
  });

  it('kill -9 of a vmagent: no gap in any series (the other member scrapes every target too), and it scrapes again after its restart', async () => {
    const from = Date.now() - 10_000;
    const old = pid('vmagent-0') as number;
    // Held down for 10 s (5 scrape intervals: with replication 1 its targets' series would show a 10 s gap).
    mkdirSync(layout(state).holds, { recursive: true });
    writeFileSync(join(layout(state).holds, 'vmagent-0'), String(Date.now() + HELD_MS));
    process.kill(old, 'SIGKILL');
    const back = await restarted('vmagent-0', old);
    remember();
    // Let both scrape a few more rounds, then read every series of the demo and of node_exporter's up.
    await new Promise((r) => setTimeout(r, 4 * INTERVAL_S * 1000));
    const to = Date.now();
    const demo = await longestGap('{job="demo"}', from, to);
    const up = await longestGap('up', from, to);
    figures.vmagentKill = {
      heldDownS: HELD_MS / 1000,
      demoSeries: demo.series,
      longestGapS: Math.max(demo.gap, up.gap),
      restartedPid: back,
    };
    expect(demo.series).toBeGreaterThan(10);
    expect(Math.max(demo.gap, up.gap)).toBeLessThan(NO_GAP_S);
    // Back in step: the restarted member scrapes its targets again.
    await until(
      async () => {
        const t = (await (await fetch(`http://127.0.0.1:${port('vmagent-0')}/api/v1/targets`)).json()) as {
          data: { activeTargets: { health: string }[] };
        };
        return t.data.activeTargets.length === 5 && t.data.activeTargets.every((x) => x.health === 'up');
      },
      'vmagent-0 scraping every target again',
      60_000,
      500,
    );
  });

  it('kill -9 of a vmalert during an incident: one incident at the receiver', async () => {
    const before = (await incidents()).length;
    const crash = await startIncident({ kind: 'crash', service: 'demo', durationMs: 40_000, stateDir: state });
    const page = await until(
      async () =>
        (await incidents()).find(
          (i) => i.class === 'ServiceTargetDown' && i.component === 'demo' && i.status !== 'resolved',
        ),
      'a page for demo',
      120_000,
      500,
    );
    const old = pid('vmalert-0') as number;
    process.kill(old, 'SIGKILL');
    await restarted('vmalert-0', old);
    remember();
    await crash.done;
    const resolved = await until(
      async () => (await incidents()).find((i) => i.id === page.id && i.status === 'resolved'),
      'the incident resolved after the service is back',
      120_000,
      500,
    );
    // Let both replicas and every peer have their say, then count.
    await new Promise((r) => setTimeout(r, 15_000));
    const mine = (await incidents())
      .slice(before)
      .filter((i) => i.class === 'ServiceTargetDown' && i.component === 'demo');
    figures.vmalertKill = {
      incidents: mine.length,
      pages: mine.flatMap((i) => i.events.filter((e) => e.action === 'trigger')).length,
      secondsToPage: Math.round((Date.parse(page.triggeredAt) - crash.startedAt.getTime()) / 1000),
      resolvedAt: resolved.resolvedAt,
    };
    expect(mine.length).toBe(1);
    expect(new Set(mine.map((i) => i.dedupKey)).size).toBe(1);
  });

  it('a restart of VictoriaMetrics: no acknowledged sample lost, and vmagent fills the gap from its queue', async () => {
    const from = Date.now() - 20_000;
    // What the store acknowledged before the restart.
    const acknowledged = await exported('{job="demo"}', from, Date.now());
    const count = (xs: Export[]) => xs.reduce((n, s) => n + new Set(s.timestamps).size, 0);
    const ackedCount = count(acknowledged);
    expect(ackedCount).toBeGreaterThan(0);
    const ackedUntil = Math.max(...acknowledged.flatMap((s) => s.timestamps));
    const old = pid('victoria-metrics') as number;
    // Down for 10 s: vmagent queues what it scrapes meanwhile on disk and sends it once the store is back.
    mkdirSync(layout(state).holds, { recursive: true });
    writeFileSync(join(layout(state).holds, 'victoria-metrics'), String(Date.now() + HELD_MS));
    process.kill(old, 'SIGTERM');
    const downAt = Date.now();
    await restarted('victoria-metrics', old);
    remember();
    const downS = (Date.now() - downAt) / 1000;
    // vmagent resends what it queued while the store was away, after its retry backoff: wait for the gap to close.
    const backAt = Date.now();
    const until_ = Date.now();
    const gap = await until(
      async () => {
        const g = await longestGap('{job="demo"}', from, until_);
        return g.gap < NO_GAP_S ? g : undefined;
      },
      "the store's gap filled from vmagent's queue",
      120_000,
      1000,
    ).catch(async () => longestGap('{job="demo"}', from, until_));
    const after = await exported('{job="demo"}', from, ackedUntil);
    const kept = count(after);
    figures.storeRestart = {
      acknowledged: ackedCount,
      keptAfterRestart: kept,
      downS,
      longestGapS: gap.gap,
      filledAfterS: Math.round((Date.now() - backAt) / 1000),
    };
    expect(kept).toBeGreaterThanOrEqual(ackedCount);
    expect(gap.gap).toBeLessThan(NO_GAP_S);
  });
});
