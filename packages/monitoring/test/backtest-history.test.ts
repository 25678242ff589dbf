/**
 * `ghmon backtest`'s history reader (issue 20, first slice) against a real Prometheus 2.42 whose history was
 * backfilled with `promtool tsdb create-blocks-from openmetrics`: the raw selectors the rules read, the estimate
 * (and the metrics absent from that history) before any sample is fetched, every raw sample exactly once, chunk by
 * chunk, and clear errors for an unreachable or unauthorised server.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { until } from '../../../test/support/until.ts';
import {
  estimate,
  fetchHistory,
  type HistorySelector,
  historySelectors,
  historySource,
  type ImportSeries,
} from '../src/backtest/history.ts';
import { freePort } from '../src/stack/ports.ts';
import { FIXTURES, ghmon, tempDir } from './helpers.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const STEP = 15;
/** Three hours of history, ending two hours ago, on whole minutes. */
const TO = Math.floor((Date.now() / 1000 - 2 * 3600) / 60) * 60;
const FROM = TO - 3 * 3600;
const LABELS =
  'instance="127.0.0.1:8080",job="demo",method="GET",route="/users/:id",runtime="typescript",service="demo"';

let out = '';
let prometheus: ReturnType<typeof spawn> | undefined;
let url = '';
/** Samples written per series (both series share the timestamps). */
let written = 0;

beforeAll(async () => {
  const dir = tempDir('ghmon-backtest-');
  out = join(dir, 'out');
  expect((await ghmon('build', '--config', `${FIXTURES}minimal.config.ts`, '--out', out)).code).toBe(0);
  // OpenMetrics: a counter per status, 1% errors, one sample every 15 s; timestamps in seconds.
  const lines = ['# TYPE http_requests counter'];
  for (let t = FROM, i = 0; t <= TO; t += STEP, i++) {
    lines.push(`http_requests_total{${LABELS},status="200"} ${i * 990} ${t}`);
    lines.push(`http_requests_total{${LABELS},status="500"} ${i * 10} ${t}`);
    written++;
  }
  lines.push('# EOF', '');
  writeFileSync(join(dir, 'history.om'), lines.join('\n'));
  const data = join(dir, 'data');
  mkdirSync(data);
  const made = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'history.om'), data], {
    encoding: 'utf8',
  });
  expect(made.status, made.stderr).toBe(0);
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${data}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=30d',
    ],
    { stdio: 'ignore' },
  );
  await until(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok, 'Prometheus ready', 60_000, 250);
});

afterAll(() => {
  prometheus?.kill('SIGKILL');
});

describe('backtest: the history the rules read', () => {
  it('lists the raw selectors of the rules, not the recorded series or ALERTS', () => {
    const wanted = historySelectors(out);
    const names = new Set(wanted.map((s) => s.name));
    expect(names.has('http_requests_total')).toBe(true);
    expect(names.has('http_request_duration_seconds_bucket')).toBe(true);
    expect(names.has('up')).toBe(true);
    for (const n of names) expect(n.startsWith('greyhaven:'), n).toBe(false);
    expect(names.has('ALERTS')).toBe(false);
    expect(wanted.find((s) => s.text === 'http_requests_total')?.readers.length).toBeGreaterThan(0);
  });

  it('estimates before fetching, and names the metrics absent from this history', async () => {
    const api = historySource({ url });
    const wanted = historySelectors(out);
    const e = await estimate(api, wanted, { from: FROM, to: TO }, STEP);
    expect(e.series.get('http_requests_total')).toBe(2);
    expect(e.missing.map((m) => m.name)).toContain('http_request_duration_seconds_bucket');
    expect(e.missing.map((m) => m.name)).not.toContain('http_requests_total');
    const present = [...e.series.values()].reduce((a, b) => a + b, 0);
    expect(e.samples).toBe(present * Math.ceil((TO - FROM) / STEP));
  });

  it('fetches every raw sample exactly once, a chunk at a time', async () => {
    const api = historySource({ url });
    const wanted: HistorySelector[] = historySelectors(out).filter((s) => s.name === 'http_requests_total');
    expect(wanted.length).toBeGreaterThan(0);
    const chunks: ImportSeries[][] = [];
    const progress: number[] = [];
    const r = await fetchHistory(
      api,
      wanted,
      { from: FROM, to: TO },
      {
        chunkS: 1800,
        sink: async (series) => {
          chunks.push(series);
        },
        onProgress: (p) => progress.push(p.done),
      },
    );
    // 3h in 30m chunks: six, each holding at most its half hour (121 samples a series for the first).
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    expect(chunks).toHaveLength(6);
    for (const c of chunks) for (const s of c) expect(s.timestamps.length).toBeLessThanOrEqual(1800 / STEP + 1);
    expect(r.series).toBe(2);
    expect(r.samples).toBe(2 * written);
    for (const status of ['200', '500']) {
      const ts = chunks.flatMap((c) => c.filter((s) => s.metric.status === status).flatMap((s) => s.timestamps));
      expect(ts).toHaveLength(written);
      expect(ts[0]).toBe(FROM * 1000);
      expect(ts.at(-1)).toBe(TO * 1000);
      for (let i = 1; i < ts.length; i++) expect((ts[i] as number) - (ts[i - 1] as number)).toBe(STEP * 1000);
      const values = chunks.flatMap((c) => c.filter((s) => s.metric.status === status).flatMap((s) => s.values));
      expect(values.at(-1)).toBe((written - 1) * (status === '200' ? 990 : 10));
    }
  });

  describe('bad input', () => {
    let server: Server;
    let guarded = '';
    beforeAll(async () => {
      server = createServer((_req, res) => {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      guarded = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it.each([
      ['an unreachable Prometheus', async () => `http://127.0.0.1:${await freePort()}`, /did not answer/],
      [
        'an unauthorised request',
        async () => guarded,
        /answered 401: give --prometheus-password-file \(basic auth\) or --prometheus-bearer-token-file/,
      ],
    ])('%s: a clear error', async (_name, target, message) => {
      const api = historySource({ url: await target() });
      await expect(estimate(api, historySelectors(out), { from: FROM, to: TO }, STEP)).rejects.toThrow(message);
    });

    it('a bad URL or an unreadable credential file, before any request', () => {
      expect(() => historySource({ url: 'ftp://x' })).toThrow(/expected an http\(s\) URL/);
      expect(() => historySource({ url, passwordFile: '/nonexistent/pw' })).toThrow(
        /--prometheus-password-file \/nonexistent\/pw: cannot read it \(ENOENT\)/,
      );
      expect(() => historySource({ url, passwordFile: '/a', bearerTokenFile: '/b' })).toThrow(/not both/);
    });

    it('a rule directory that is not there', () => {
      expect(() => historySelectors(join(tempDir(), 'nothing'))).toThrow(/run `ghmon build` first/);
    });
  });
});
