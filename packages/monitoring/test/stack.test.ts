/**
 * `ghmon up` end to end on the real Debian binaries (Prometheus, Alertmanager, node_exporter), the demo
 * services and the local PagerDuty receiver. Test mode is `fast`: 2s scrape and evaluation intervals, a 10s
 * `for` on ServiceTargetDown, 2s group_wait and 10s group_interval; everything else is the generated config.
 * Every wait is bounded.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { until } from '../../../test/support/until.ts';
import { runChecks } from '../src/checks/index.ts';
import { liveSeries } from '../src/checks/live-series.ts';
import { sloLine } from '../src/cli/status.ts';
import { loadConfig } from '../src/config/load.ts';
import { stopStack } from '../src/stack/down.ts';
import { startIncident } from '../src/stack/incident.ts';
import { layout } from '../src/stack/layout.ts';
import type { StoreState } from '../src/stack/pagerduty/store.ts';
import { livePids, procStartTime } from '../src/stack/pids.ts';
import { type SloStatus, stackStatus } from '../src/stack/status.ts';
import { freeStackPorts, type RunningStack, startStack } from '../src/stack/up.ts';
import { formatFinding } from '../src/util/finding.ts';
import { GREYHAVEN_CONFIG, REPO_ROOT, tempDir } from './helpers.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

const ports = async () => freeStackPorts(await loadConfig(GREYHAVEN_CONFIG));

const incidents = async (stack: RunningStack) =>
  (await (await fetch(`http://127.0.0.1:${stack.info.ports.receiver}/api/incidents`)).json()) as StoreState;

describe('ghmon up (in-process supervisor)', () => {
  let stack: RunningStack;
  let state: string;
  let pidsSeen: number[] = [];

  beforeAll(async () => {
    state = tempDir('ghmon-stack-');
    stack = await startStack({
      config: await loadConfig(GREYHAVEN_CONFIG),
      stateDir: state,
      ports: await ports(),
      rps: 20,
      fast: true,
      graceMs: 5000,
      backoffMs: 500,
    });
  });

  afterAll(async () => {
    pidsSeen = [...pidsSeen, ...[...livePids(layout(state).pids).values()]];
    await stack?.stop();
    // No process left behind: every pid we saw is gone.
    for (const pid of pidsSeen) expect(procStartTime(pid), `pid ${pid} still running`).toBeUndefined();
  });

  it('starts every process on 127.0.0.1 and Prometheus scrapes all targets', async () => {
    expect(stack.info.components.map((c) => c.name)).toEqual(
      expect.arrayContaining(['prometheus', 'alertmanager', 'node-exporter', 'receiver', 'api', 'backend', 'traffic']),
    );
    pidsSeen = [...livePids(layout(state).pids).values()];
    expect(pidsSeen.length).toBe(stack.info.components.length);
    const prom = `http://127.0.0.1:${stack.info.ports.prometheus}`;
    await until(
      async () => {
        const r = (await (await fetch(`${prom}/api/v1/targets`)).json()) as {
          data: { activeTargets: { health: string; labels: Record<string, string> }[] };
        };
        const t = r.data.activeTargets;
        // Prometheus, Alertmanager, node_exporter and backend: `api` (Cloudflare Workers) pushes, it has no target.
        expect(t.map((x) => x.labels.service).filter(Boolean)).not.toContain('api');
        return t.length === 4 && t.every((x) => x.health === 'up');
      },
      'all targets up',
      120_000,
      1000,
    );
  });

  it("api pushes like a Worker: its series arrive over remote write under its own instance, with the service's labels", async () => {
    expect(stack.info.pushServices).toEqual(['api']);
    const prom = `http://127.0.0.1:${stack.info.ports.prometheus}`;
    const pushed = await until(
      async () => {
        const q = 'count by (instance, job, runtime, team) (http_requests_total{service="api"})';
        const r = (await (await fetch(`${prom}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
          data: { result: { metric: Record<string, string> }[] };
        };
        return r.data.result.length > 0 ? r.data.result : undefined;
      },
      'api series in Prometheus',
      120_000,
      1000,
    );
    expect(pushed).toHaveLength(1);
    expect(pushed[0]?.metric).toMatchObject({ job: 'cloudflare-workers', runtime: 'workers', team: 'platform' });
    expect(pushed[0]?.metric.instance).toMatch(/^[0-9a-f]{16}$/);
    // A pushing Worker exposes no /metrics.
    expect((await fetch(`http://127.0.0.1:${stack.info.ports.api}/metrics`)).status).toBe(404);
    const st = await stackStatus(state);
    expect(st?.pushed).toEqual([expect.objectContaining({ service: 'api', instances: 1 })]);
    expect(st?.pushed[0]?.newestSampleAgeSeconds).toBeLessThan(30);
  });

  it('live/series: every metric the local rules read has series in the local Prometheus, with matching labels', async () => {
    // The demo services (the TypeScript instrumentation), node_exporter, Prometheus and Alertmanager emit all of
    // it, with the label values the rules select: the contract holds end to end, not only on paper.
    const prom = `http://127.0.0.1:${stack.info.ports.prometheus}`;
    const { findings } = await until(
      async () => {
        const r = await runChecks(layout(state).out, [liveSeries({ url: prom })]);
        return r.findings.length === 0 ? r : undefined;
      },
      'a scrape of every target',
      30_000,
      1000,
    ).catch(async () => runChecks(layout(state).out, [liveSeries({ url: prom })]));
    expect(findings.map(formatFinding)).toEqual([]);
  });

  it('a crash of a demo service pages at the receiver and resolves after recovery', async () => {
    // backend: a scraped service, whose target goes down (api pushes: no target, see the next test).
    const crash = await startIncident({ kind: 'crash', service: 'backend', durationMs: 25_000, stateDir: state });
    const page = await until(
      async () =>
        (await incidents(stack)).incidents.find((i) => i.class === 'ServiceTargetDown' && i.component === 'backend'),
      'a ServiceTargetDown page for backend',
      120_000,
      1000,
    );
    expect(page.severity).toBe('critical');
    expect(page.summary).toContain('backend is down');
    const detectMs = Date.parse(page.triggeredAt) - crash.startedAt.getTime();
    expect(detectMs).toBeGreaterThan(0);
    await crash.done;
    const resolved = await until(
      async () =>
        (await incidents(stack)).incidents.find((i) => i.dedupKey === page.dedupKey && i.status === 'resolved'),
      'the page to resolve',
      120_000,
      1000,
    );
    expect(Date.parse(resolved.resolvedAt ?? '')).toBeGreaterThan(Date.parse(page.triggeredAt));
  });

  it('a crash of the pushing api: its pushes stop, it restarts as a new instance, the receiver rejects nothing', async () => {
    const prom = `http://127.0.0.1:${stack.info.ports.prometheus}`;
    const query = async (q: string) =>
      (
        (await (await fetch(`${prom}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
          data: { result: { metric: Record<string, string>; value: [number, string] }[] };
        }
      ).data.result;
    const instances = async () =>
      (await query('count by (instance) (http_requests_total{service="api"})')).map((r) => r.metric.instance);
    const before = await instances();
    expect(before).toHaveLength(1);
    const crash = await startIncident({ kind: 'crash', service: 'api', durationMs: 15_000, stateDir: state });
    // While it is held down nothing pushes: the newest sample only ages.
    await new Promise((r) => setTimeout(r, 8000));
    const held = await stackStatus(state);
    expect(held?.pushed[0]?.newestSampleAgeSeconds).toBeGreaterThan(5);
    expect(held?.prometheus.targetsDown).toEqual([]); // a push service has no target to be down
    await crash.done;
    // Restarted: a new isolate, new series beside the old ones (which go stale after the 5m lookback).
    const after = await until(
      async () => {
        const now = await instances();
        return now.length === 2 ? now : undefined;
      },
      'a second api instance pushing',
      120_000,
      1000,
    );
    expect(after).toEqual(expect.arrayContaining(before));
    // No counter reset on any api series (each has one writer), and every push was accepted.
    expect(await query('sum(resets(http_requests_total{service="api"}[10m]))')).toEqual([
      expect.objectContaining({ value: [expect.any(Number), '0'] }),
    ]);
    expect(await query('sum(prometheus_http_requests_total{handler="/api/v1/write",code!~"2.."})')).toEqual([]);
  });

  it('kill -9 of Prometheus: it is restarted and earlier samples are still there', async () => {
    const prom = `http://127.0.0.1:${stack.info.ports.prometheus}`;
    const before = Date.now() / 1000 - 5;
    const q = async (t: number) =>
      (await (await fetch(`${prom}/api/v1/query?query=up{job="prometheus"}&time=${t}`)).json()) as {
        data: { result: unknown[] };
      };
    expect((await q(before)).data.result.length).toBe(1);
    const pid = livePids(layout(state).pids).get('prometheus');
    expect(pid).toBeDefined();
    process.kill(pid as number, 'SIGKILL');
    await until(
      async () => {
        const now = livePids(layout(state).pids).get('prometheus');
        return now !== undefined && now !== pid && (await fetch(`${prom}/-/ready`)).ok;
      },
      'Prometheus restarted with a new pid',
      120_000,
      1000,
    );
    pidsSeen.push(livePids(layout(state).pids).get('prometheus') as number);
    expect((await q(before)).data.result.length).toBe(1);
    expect(readFileSync(join(state, 'logs', 'supervisor.log'), 'utf8')).toMatch(
      /"type":"restarting","name":"prometheus"/,
    );
  });

  it('the receiver answering 500 for a while: Alertmanager retries and exactly one incident exists', async () => {
    const rx = `http://127.0.0.1:${stack.info.ports.receiver}`;
    const before = await incidents(stack);
    const rejectedBefore = before.rejected;
    const seen = new Set(before.incidents.map((i) => i.id));
    await fetch(`${rx}/admin/fail`, { method: 'POST', body: JSON.stringify({ count: 3, status: 500 }) });
    const errors = await startIncident({
      kind: 'errors',
      service: 'backend',
      errorRate: 0.6,
      durationMs: 60_000,
      stateDir: state,
    });
    // One incident per service (Alertmanager groups by service): its class is the first alert of the group,
    // whichever of the error pages fired first.
    const burn = await until(
      async () => (await incidents(stack)).incidents.find((i) => i.component === 'backend' && !seen.has(i.id)),
      'a new page for backend',
      120_000,
      1000,
    );
    // ghmon status shows the SLOs from their recording rules: backend burning its budget, api not.
    const slos = await until(
      async () => {
        const st = await stackStatus(state);
        const backend = st?.slos.find((x) => x.service === 'backend' && x.slo === 'availability');
        return backend?.burnRate1h !== undefined && backend.burnRate1h > 1 ? st?.slos : undefined;
      },
      'backend burning its error budget in ghmon status',
      120_000,
      1000,
    );
    await errors.end();
    // Grey Haven's services have an availability SLO (99.9%) and a latency SLO (95% under 200 ms).
    expect(slos.map((x) => `${x.service}/${x.slo}`)).toEqual([
      'api/availability',
      'api/latency',
      'backend/availability',
      'backend/latency',
    ]);
    for (const slo of slos) expect(slo.objective).toBe(slo.slo === 'availability' ? 0.999 : 0.95);
    const backend = slos.find((x) => x.service === 'backend' && x.slo === 'availability');
    expect(backend?.budgetRemaining).toBeLessThan(1);
    expect(sloLine(backend as SloStatus)).toMatch(/^backend availability 99\.9%: .* burning \d+\.\d× \(1h\)$/);
    const s = await incidents(stack);
    expect(s.rejected - rejectedBefore).toBe(3);
    // One incident for this injection (the service's dedup key was used before, by an incident since resolved:
    // after a resolve, PagerDuty opens a new incident for the same key).
    expect(s.incidents.filter((i) => i.dedupKey === burn.dedupKey && !seen.has(i.id))).toHaveLength(1);
  });
});

describe('ghmon up / ghmon down as commands', () => {
  it('down stops a running up and leaves no process behind', async () => {
    const state = tempDir('ghmon-cli-');
    const p = await ports();
    const args = Object.entries(p).flatMap(([k, v]) => ['--port', `${k}=${v}`]);
    const bin = join(REPO_ROOT, 'packages/monitoring/bin/ghmon.js');
    const up = spawn(process.execPath, [bin, 'up', '--fast', '--rps', '2', '--state', state, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    up.stdout.on('data', (d) => {
      out += d;
    });
    up.stderr.on('data', (d) => {
      out += d;
    });
    try {
      await until(
        async () => out.includes('processes ready in') || undefined,
        'ghmon up to print its table',
        90_000,
        1000,
      );
      const pids = [...livePids(layout(state).pids).values()];
      expect(pids.length).toBeGreaterThanOrEqual(6);
      // A second `ghmon up` on the same state directory says so and changes nothing.
      const second = spawn(process.execPath, [bin, 'up', '--state', state, ...args], { cwd: REPO_ROOT });
      let secondErr = '';
      second.stderr.on('data', (d) => {
        secondErr += d;
      });
      expect(await new Promise((r) => second.once('exit', r))).toBe(2);
      expect(secondErr).toMatch(/already running \(pid \d+/);
      const exited = new Promise<number | null>((r) => up.once('exit', (code) => r(code)));
      const result = await stopStack(state);
      expect(result.killed).toEqual([]);
      expect(await exited).toBe(0);
      for (const pid of pids) expect(procStartTime(pid), `pid ${pid} left behind`).toBeUndefined();
      expect(existsSync(join(state, 'ghmon.pid'))).toBe(false);
      expect(out).toMatch(/stopped, no process left/);
    } finally {
      // A failure above must not leave the stack running: stop it (nothing to do once `down` has).
      if (up.exitCode === null) {
        await stopStack(state).catch(() => undefined);
        up.kill();
      }
    }
  });
});
