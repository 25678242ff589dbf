/**
 * High availability on the real binaries: a Prometheus pair (replica external label, dropped from alerts) and
 * a 3-peer Alertmanager cluster (gossip) paging the local PagerDuty receiver. Fault tests, each bounded in
 * time: kill -9 of a Prometheus replica during an incident, kill -9 of an Alertmanager peer (it rejoins),
 * both replicas firing the same alert, and a SIGSTOP'd peer (a stall, like a partition). Test mode is `fast`
 * (2s intervals, 10s `for` on ServiceTargetDown, 2s group_wait). Figures are printed and kept in docs/ha.md.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { until } from '../../../test/support/until.ts';
import { loadConfig } from '../src/config/load.ts';
import type { MonitoringConfig } from '../src/config/schema.ts';
import { startIncident } from '../src/stack/incident.ts';
import { layout } from '../src/stack/layout.ts';
import type { Incident, StoreState } from '../src/stack/pagerduty/store.ts';
import { livePids, procStartTime } from '../src/stack/pids.ts';
import { freeStackPorts, type RunningStack, startStack } from '../src/stack/up.ts';
import { GREYHAVEN_CONFIG, tempDir } from './helpers.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

/** The Alertmanager peers of `ghmon up --ha`. */
const PEERS = ['alertmanager', 'alertmanager-1', 'alertmanager-2'];

export const figures: {
  fault: string;
  /** Incidents the test allows at the receiver (PagerDuty opens a new one for a trigger after the resolve). */
  incidentsAllowed: number;
  incidents: number;
  /** Trigger events (pages) the receiver got: at least one, at most one per peer. */
  pages: number;
  secondsToPage: number;
}[] = [];

describe('ghmon up --ha', () => {
  let stack: RunningStack;
  let state: string;
  let config: MonitoringConfig;
  const seen = new Set<number>();
  const port = (name: string) => stack.info.ports[name] as number;
  const incidents = async () =>
    ((await (await fetch(`http://127.0.0.1:${port('receiver')}/api/incidents`)).json()) as StoreState).incidents;
  const pid = (name: string) => livePids(layout(state).pids).get(name);
  const remember = () => {
    for (const p of livePids(layout(state).pids).values()) seen.add(p);
  };

  /**
   * Crashes a service, runs `fault` meanwhile, and returns the first incident its ServiceTargetDown made. Alertmanager
   * promises at-least-once delivery, not exactly once: every fault must page at least once and at most once per peer
   * (each peer notifies an alert group once), every page with the group's one dedup_key (so PagerDuty merges the
   * pages into the open incident); `maxIncidents` bounds the incidents, which only a page after the resolve adds.
   */
  async function crashAndPage(
    service: string,
    fault: () => Promise<void>,
    label: string,
    maxIncidents = 1,
  ): Promise<Incident> {
    const before = (await incidents()).length;
    const crash = await startIncident({ kind: 'crash', service, durationMs: 30_000, stateDir: state });
    await fault();
    const page = await until(
      async () =>
        (await incidents()).find(
          (i) => i.class === 'ServiceTargetDown' && i.component === service && i.status !== 'resolved',
        ),
      `a page for ${service}`,
      120_000,
      500,
    );
    await crash.done;
    // Let every peer and replica have its say (peer_timeout is 15s per position), then count.
    await new Promise((r) => setTimeout(r, 20_000));
    const mine = (await incidents())
      .slice(before)
      .filter((i) => i.class === 'ServiceTargetDown' && i.component === service);
    const pages = mine.flatMap((i) => i.events.filter((e) => e.action === 'trigger'));
    figures.push({
      fault: label,
      incidentsAllowed: maxIncidents,
      incidents: mine.length,
      pages: pages.length,
      secondsToPage: Math.round((Date.parse(page.triggeredAt) - crash.startedAt.getTime()) / 1000),
    });
    // Every page is the same alert group: the same dedup_key from every peer.
    expect(new Set(mine.map((i) => i.dedupKey))).toEqual(new Set([page.dedupKey]));
    expect(pages.length).toBeGreaterThanOrEqual(1);
    expect(pages.length).toBeLessThanOrEqual(PEERS.length);
    expect(mine.length).toBeLessThanOrEqual(maxIncidents);
    return page;
  }

  beforeAll(async () => {
    config = await loadConfig(GREYHAVEN_CONFIG);
    state = tempDir('ghmon-ha-');
    const ports = await freeStackPorts(config, { ha: true });
    stack = await startStack({
      config,
      stateDir: state,
      ports,
      rps: 20,
      fast: true,
      ha: true,
      graceMs: 5000,
      backoffMs: 500,
    });
    remember();
  });

  afterAll(async () => {
    remember();
    await stack?.stop();
    for (const p of seen) expect(procStartTime(p), `pid ${p} left behind`).toBeUndefined();
    console.log(`\nHA figures:\n${JSON.stringify(figures, null, 1)}`);
  });

  it('runs two Prometheus replicas and a 3-peer Alertmanager cluster', async () => {
    for (const name of ['prometheus', 'prometheus-1', 'alertmanager', 'alertmanager-1', 'alertmanager-2']) {
      expect(pid(name), name).toBeDefined();
    }
    await until(
      async () => {
        const sizes = await Promise.all(
          PEERS.map(async (n) => {
            const st = (await (await fetch(`http://127.0.0.1:${port(n)}/api/v2/status`)).json()) as {
              cluster: { peers: unknown[] };
            };
            return st.cluster.peers.length;
          }),
        );
        return sizes.every((s) => s === PEERS.length);
      },
      'all three peers to see each other',
      120_000,
      500,
    );
  });

  it('queries stay right with two replicas: each has the full data, no doubled rates', async () => {
    const rps = async (name: string) => {
      const r = (await (
        await fetch(`http://127.0.0.1:${port(name)}/api/v1/query?query=${encodeURIComponent('greyhaven:http_rps')}`)
      ).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      expect(r.data.result.length).toBeLessThanOrEqual(1);
      const [only] = r.data.result;
      if (only) expect(only.metric).not.toHaveProperty('replica'); // external: not on stored series
      return only ? Number(only.value[1]) : 0;
    };
    // Traffic is 20 req/s to each of the 2 services: each replica must see about 40 req/s, not 80.
    const [a, b] = await until(
      async () => {
        const pair: [number, number] = [await rps('prometheus'), await rps('prometheus-1')];
        return pair.every((x) => x > 25) ? pair : undefined;
      },
      'both replicas to see the demo traffic',
      120_000,
      500,
    );
    for (const x of [a, b]) expect(x).toBeLessThan(60);
    expect(Math.abs(a - b) / a).toBeLessThan(0.3);
  });

  it('kill -9 of a Prometheus replica during an incident: the page still arrives, once', async () => {
    // Crashes of `backend` throughout: a scraped service, whose target goes down (`api` pushes, it has no target).
    await crashAndPage(
      'backend',
      async () => {
        process.kill(pid('prometheus') as number, 'SIGKILL');
      },
      'kill -9 Prometheus replica 0',
    );
    await until(
      async () => (await fetch(`http://127.0.0.1:${port('prometheus')}/-/ready`)).ok,
      'replica 0 back',
      120_000,
      500,
    );
    remember();
  });

  it('kill -9 of an Alertmanager peer: pages at least once, at most once per peer, one dedup_key; the peer rejoins', async () => {
    const old = pid('alertmanager-1') as number;
    await crashAndPage(
      'backend',
      async () => {
        process.kill(old, 'SIGKILL');
      },
      'kill -9 Alertmanager peer 1',
      // The killed peer loses what its notification log learnt since its last snapshot (Alertmanager saves it every
      // 15 minutes and on a clean stop), so the restarted peer, or a survivor that had not yet heard of the killed
      // peer's page, may page again, possibly after the resolve (a new incident): at most once per peer, the
      // at-least-once bound of Alertmanager's HA documentation.
      PEERS.length,
    );
    await until(
      async () => {
        const now = pid('alertmanager-1');
        if (now === undefined || now === old) return false;
        const st = (await (await fetch(`http://127.0.0.1:${port('alertmanager-1')}/api/v2/status`)).json()) as {
          cluster: { peers: unknown[] };
        };
        return st.cluster.peers.length === PEERS.length;
      },
      'the peer to restart and rejoin the cluster',
      120_000,
      500,
    );
    remember();
  });

  it('both replicas fire the same alert: one incident with a stable dedup_key', async () => {
    const fired = new Set<string>();
    let polling = true;
    const poll = async () => {
      while (polling) {
        for (const name of ['prometheus', 'prometheus-1']) {
          const r = (await (
            await fetch(`http://127.0.0.1:${port(name)}/api/v1/alerts`)
          )
            .json()
            .catch(() => undefined)) as
            | { data: { alerts: { state: string; labels: Record<string, string> }[] } }
            | undefined;
          const firing = r?.data.alerts.some(
            (a) => a.state === 'firing' && a.labels.alertname === 'ServiceTargetDown' && a.labels.service === 'backend',
          );
          if (firing) fired.add(name);
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    };
    const poller = poll();
    try {
      await crashAndPage('backend', async () => {}, 'none: both replicas fire the same alert');
    } finally {
      polling = false;
      await poller;
    }
    expect([...fired].sort()).toEqual(['prometheus', 'prometheus-1']);
  });

  it('a peer stalled for 30 s (SIGSTOP): no duplicate beyond what Alertmanager documents', async () => {
    const stalled = pid('alertmanager-2') as number;
    try {
      await crashAndPage(
        'backend',
        async () => {
          process.kill(stalled, 'SIGSTOP');
          setTimeout(() => process.kill(stalled, 'SIGCONT'), 30_000);
        },
        'SIGSTOP Alertmanager peer 2 for 30 s',
        // A peer that wakes with a stale view may re-send the trigger after the others resolved it: at most one
        // extra incident for the one stalled peer ("at-least-once" in Alertmanager's HA documentation).
        2,
      );
    } finally {
      try {
        process.kill(stalled, 'SIGCONT');
      } catch {
        // already restarted
      }
    }
  });
});
