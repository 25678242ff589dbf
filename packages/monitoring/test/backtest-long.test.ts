/**
 * `ghmon backtest` over days of history (issue 20: "long windows such as 3d must work, unlike promtool's 10k-sample
 * limit on a single test"). A real Prometheus backfilled with four and a half days of a service: two clean days, then
 * 0.15% of requests failing (1.5× the 99.9% SLO's budget) for the rest. Only the slow ticket's 3-day window can see
 * that: its 6h ratio is over 1× at once, but the 3d ratio (0.15% × burn / 3d) passes 1× only two days into the
 * burn; no page, no other ticket. The backtest must open that ticket two days in.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runBacktest } from '../src/backtest/run.ts';
import { ghmon, tempDir } from './helpers.ts';
import { type BackfilledPrometheus, backfilledPrometheus } from './support/backfilled-prometheus.ts';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const STEP = 30;
const DAY = 86_400;
/** Four and a half days, ending two hours ago, on whole hours. */
const TO = Math.floor((Date.now() / 1000 - 2 * 3600) / 3600) * 3600;
const FROM = TO - 4.5 * DAY;
const BURN = FROM + 2 * DAY;
const LABELS =
  'instance="127.0.0.1:8080",job="demo",method="GET",route="/users/:id",runtime="typescript",service="demo"';

let out = '';
let url = '';
let prometheus: BackfilledPrometheus | undefined;

beforeAll(async () => {
  const dir = tempDir('ghmon-backtest-long-');
  const config = join(dir, 'monitoring.config.ts');
  // Samples every 30 s, rules every minute: 6,480 evaluations over the range.
  writeFileSync(
    config,
    `export default ${JSON.stringify({
      scrapeInterval: '30s',
      evaluationInterval: '1m',
      services: [{ name: 'demo', runtime: 'typescript', scrape: { targets: ['127.0.0.1:8080'] } }],
    })};\n`,
  );
  out = join(dir, 'out');
  const built = await ghmon('build', '--config', config, '--out', out);
  expect(built.code, built.err).toBe(0);
  const lines = ['# TYPE http_requests counter', '# TYPE up gauge'];
  let ok = 0;
  let failed = 0;
  for (let t = FROM; t <= TO; t += STEP) {
    lines.push(`http_requests_total{${LABELS},status="200"} ${ok} ${t}`);
    lines.push(`http_requests_total{${LABELS},status="500"} ${failed} ${t}`);
    lines.push(`up{instance="127.0.0.1:8080",job="demo",runtime="typescript",service="demo"} 1 ${t}`);
    // 2,000 requests a step; from BURN on, 3 of them fail (0.15%).
    const bad = t >= BURN ? 3 : 0;
    ok += 2000 - bad;
    failed += bad;
  }
  prometheus = await backfilledPrometheus(dir, lines);
  url = prometheus.url;
});

afterAll(() => {
  prometheus?.stop();
});

describe('backtest over four and a half days', () => {
  it('opens the slow ticket when the 3-day ratio passes the budget, two days into the burn, and nothing else', async () => {
    const report = await runBacktest({ outDir: out, source: { url }, from: FROM, to: TO });
    const fmt = (t: number) => new Date(t * 1000).toISOString();
    console.log(
      `burn from ${fmt(BURN)}; incidents: ${JSON.stringify(report.ours.incidents.map((i) => ({ ...i, start: fmt(i.start) })))}`,
    );
    expect(report.step).toBe(60);
    expect(report.samples).toBe(3 * ((TO - FROM) / STEP + 1));
    expect(report.ours.incidents.filter((i) => i.kind === 'page')).toEqual([]);
    expect(report.ours.incidents).toHaveLength(1);
    const [ticket] = report.ours.incidents;
    expect(ticket?.kind).toBe('ticket');
    expect(ticket?.alertnames).toEqual(['ErrorBudgetBurnSlow']);
    // 0.15% × T / 3d > 0.1% once T > 2d; the group's wait and an evaluation or two on top.
    expect(ticket?.start).toBeGreaterThan(BURN + 2 * DAY - 30 * 60);
    expect(ticket?.start).toBeLessThan(BURN + 2 * DAY + 30 * 60);
    expect(ticket?.end).toBeNull();
  });
});
