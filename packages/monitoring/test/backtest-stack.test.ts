/**
 * `ghmon backtest` against the local stack's own history (issue 20): `ghmon up` (fast mode: 2 s intervals) records
 * a few minutes of the demo service, `ghmon incident crash` makes an outage in it, and the backtest of the stack's
 * rules over that history finds the outage's page — the same incident the local PagerDuty receiver got — within a
 * few evaluations of it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { until } from '../../../test/support/until.ts';
import { runBacktest } from '../src/backtest/run.ts';
import { loadConfig } from '../src/config/load.ts';
import { startIncident } from '../src/stack/incident.ts';
import type { StoreState } from '../src/stack/pagerduty/store.ts';
import { freeStackPorts, type RunningStack, startStack } from '../src/stack/up.ts';
import { FIXTURES, tempDir } from './helpers.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

describe('ghmon backtest over the local stack', () => {
  let stack: RunningStack;
  let state: string;
  let started = 0;

  beforeAll(async () => {
    const config = await loadConfig(`${FIXTURES}minimal.config.ts`);
    state = tempDir('ghmon-backtest-stack-');
    started = Math.floor(Date.now() / 1000);
    stack = await startStack({
      config,
      stateDir: state,
      ports: await freeStackPorts(config),
      rps: 10,
      fast: true,
      graceMs: 5000,
      backoffMs: 500,
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('finds the crash the receiver was paged for, at the time it was paged', async () => {
    const receiver = `http://127.0.0.1:${stack.info.ports.receiver}`;
    const incidents = async () => ((await (await fetch(`${receiver}/api/incidents`)).json()) as StoreState).incidents;
    // A minute of healthy history first, then a 30 s crash.
    await new Promise((r) => setTimeout(r, 60_000));
    const crash = await startIncident({ kind: 'crash', service: 'demo', durationMs: 30_000, stateDir: state });
    const paged = await until(
      async () => (await incidents()).find((i) => i.class === 'ServiceTargetDown' && i.component === 'demo'),
      'the page at the receiver',
      120_000,
      500,
    );
    await crash.done;
    await until(
      async () => (await incidents()).find((i) => i.id === paged.id && i.status === 'resolved'),
      'the resolve',
      120_000,
      500,
    );
    // Some history after the resolve: the backtest sees only up to --to.
    await new Promise((r) => setTimeout(r, 20_000));
    const to = Math.floor(Date.now() / 1000);
    const report = await runBacktest({
      outDir: stack.layout.out,
      source: { url: `http://127.0.0.1:${stack.info.ports.prometheus}` },
      from: started,
      to,
    });
    const pages = report.ours.incidents.filter((i) => i.kind === 'page' && i.service === 'demo');
    console.log(
      `receiver paged at ${paged.triggeredAt}; backtest: ${JSON.stringify(pages.map((p) => ({ ...p, start: new Date(p.start * 1000).toISOString() })))}`,
    );
    expect(report.step).toBe(2);
    expect(pages).toHaveLength(1);
    expect(pages[0]?.alertnames).toContain('ServiceTargetDown');
    // The backtest's page within 15 s of the real one (a few evaluations and the group_wait: both model the same).
    expect(Math.abs((pages[0]?.start ?? 0) - Date.parse(paged.triggeredAt) / 1000)).toBeLessThan(15);
    expect(pages[0]?.end).not.toBeNull();
  });
});
