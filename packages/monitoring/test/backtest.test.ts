/**
 * `ghmon backtest` (issue 20) against a real Prometheus 2.42 whose history was
 * backfilled with `promtool tsdb create-blocks-from openmetrics`: the raw selectors the rules read, the estimate
 * (and the metrics absent from that history) before any sample is fetched, every raw sample exactly once, chunk by
 * chunk, and clear errors for an unreachable or unauthorised server. Then the whole backtest: vmalert's replay
 * of the rules over that history and the Alertmanager model find the error burst the history holds (a page at
 * the right time, resolved after it), and a build with lenient thresholds (`--against`) shows it as a page added.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  estimate,
  fetchHistory,
  type HistorySelector,
  historySelectors,
  historySource,
  type ImportSeries,
} from '../src/backtest/history.ts';
import { backtestText } from '../src/backtest/report.ts';
import { compareIncidents, runBacktest } from '../src/backtest/run.ts';
import { freePort } from '../src/stack/ports.ts';
import { FIXTURES, ghmon, tempDir } from './helpers.ts';
import { type BackfilledPrometheus, backfilledPrometheus } from './support/backfilled-prometheus.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const STEP = 15;
/** Three hours of history, ending two hours ago, on whole minutes. */
const TO = Math.floor((Date.now() / 1000 - 2 * 3600) / 60) * 60;
const FROM = TO - 3 * 3600;
const LABELS =
  'instance="127.0.0.1:8080",job="demo",method="GET",route="/users/:id",runtime="typescript",service="demo"';

let out = '';
let prometheus: BackfilledPrometheus | undefined;
let url = '';
/** Samples written per series (both series share the timestamps). */
let written = 0;
/** The last value of each status' counter. */
const last: Record<string, number> = { '200': 0, '500': 0 };
/** The error burst: 5% of requests fail for 20 minutes, 80 minutes into the history. */
const BURST = { from: FROM + 80 * 60, to: FROM + 100 * 60 };
let lenient = '';
let passwordFile = '';

beforeAll(async () => {
  const dir = tempDir('ghmon-backtest-');
  out = join(dir, 'out');
  expect((await ghmon('build', '--config', `${FIXTURES}minimal.config.ts`, '--out', out)).code).toBe(0);
  // OpenMetrics: a counter per status, 10 requests a second, one sample every 15 s, timestamps in seconds; the
  // target's `up`, so that the rules see it scraped.
  const lines = ['# TYPE http_requests counter', '# TYPE up gauge'];
  let ok = 0;
  let failed = 0;
  for (let t = FROM; t <= TO; t += STEP) {
    lines.push(`http_requests_total{${LABELS},status="200"} ${ok} ${t}`);
    lines.push(`http_requests_total{${LABELS},status="500"} ${failed} ${t}`);
    lines.push(`up{instance="127.0.0.1:8080",job="demo",runtime="typescript",service="demo"} 1 ${t}`);
    last['200'] = ok;
    last['500'] = failed;
    const bad = t >= BURST.from && t < BURST.to ? 8 : 0;
    ok += 150 - bad;
    failed += bad;
    written++;
  }
  // The same service with thresholds no burst of 5% errors reaches: no page.
  const config = join(dir, 'lenient.config.ts');
  writeFileSync(
    config,
    `export default ${JSON.stringify({
      services: [{ name: 'demo', runtime: 'typescript', scrape: { targets: ['127.0.0.1:8080'] } }],
      thresholds: { errorRatio: { threshold: 0.5 } },
      slo: { availability: { objective: 50, window: '30d' } },
    })};\n`,
  );
  lenient = join(dir, 'lenient');
  const built = await ghmon('build', '--config', config, '--out', lenient);
  expect(built.code, built.err).toBe(0);
  prometheus = await backfilledPrometheus(dir, lines, { password: 'correct horse battery staple' });
  url = prometheus.url;
  passwordFile = prometheus.passwordFile as string;
});

afterAll(() => {
  prometheus?.stop();
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
    const api = historySource({ url, passwordFile });
    const wanted = historySelectors(out);
    const e = await estimate(api, wanted, { from: FROM, to: TO }, STEP);
    expect(e.series.get('http_requests_total')).toBe(2);
    expect(e.missing.map((m) => m.name)).toContain('http_request_duration_seconds_bucket');
    expect(e.missing.map((m) => m.name)).not.toContain('http_requests_total');
    const present = [...e.series.values()].reduce((a, b) => a + b, 0);
    expect(e.samples).toBe(present * Math.ceil((TO - FROM) / STEP));
  });

  it('fetches every raw sample exactly once, a chunk at a time', async () => {
    const api = historySource({ url, passwordFile });
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
      expect(values.at(-1)).toBe(last[status]);
    }
  });

  it('replays the rules over it: the error burst pages once, at the right time, and resolves after it', async () => {
    const progress: string[] = [];
    const report = await runBacktest({
      outDir: out,
      source: { url, passwordFile },
      from: FROM,
      to: TO,
      onProgress: (l) => progress.push(l),
    });
    console.log(backtestText(report).join('\n'));
    expect(progress.some((l) => /fetched 3\/3 chunks/.test(l))).toBe(true);
    expect(report.step).toBe(STEP);
    const pages = report.ours.incidents.filter((i) => i.kind === 'page');
    expect(pages).toHaveLength(1);
    const [page] = pages;
    expect(page?.service).toBe('demo');
    expect(page?.alertnames).toContain('HighErrorRate');
    // 5% errors fill the 5m ratio within a minute or two, then `for`: paged within 10 minutes of the onset.
    expect(page?.start).toBeGreaterThan(BURST.from);
    expect(page?.start).toBeLessThan(BURST.from + 10 * 60);
    // Resolved after the burst ended (the windows empty, keep_firing_for), before the history ends.
    expect(page?.end).toBeGreaterThan(BURST.to);
    expect(page?.end).toBeLessThan(TO);
    expect(report.missing.map((m) => m.selector)).toContain('node_cpu_seconds_total{mode="idle"}');
  });

  it('--against a lenient build: the page shows as added by this build', async () => {
    const report = await runBacktest({
      outDir: out,
      against: lenient,
      source: { url, passwordFile },
      from: FROM,
      to: TO,
    });
    expect(report.against?.incidents.filter((i) => i.kind === 'page')).toEqual([]);
    const added = report.changes?.filter((c) => c.change === 'added' && c.kind === 'page') ?? [];
    expect(added).toHaveLength(1);
    expect(added[0]?.service).toBe('demo');
    expect(report.changes?.some((c) => c.change === 'removed')).toBe(false);
    // The other way round, the same page is removed.
    const back = compareIncidents(report.against?.incidents ?? [], report.ours.incidents, STEP);
    expect(back.filter((c) => c.change === 'removed' && c.kind === 'page')).toHaveLength(1);
  });

  it('refuses a range over --max-samples with the estimate, before fetching', async () => {
    await expect(
      runBacktest({ outDir: out, source: { url, passwordFile }, from: FROM, to: TO, maxSamples: 100 }),
    ).rejects.toThrow(
      /the range holds about [\d,]+ samples \(\d+ series × [\d,]+ samples at 15s\), more than --max-samples 100/,
    );
  });

  it('refuses a range with no data', async () => {
    await expect(
      runBacktest({ outDir: out, source: { url, passwordFile }, from: TO + 24 * 3600, to: TO + 25 * 3600 }),
    ).rejects.toThrow(/has no series of any metric the rules read between/);
  });

  it('ghmon backtest: the report on stdout (text or JSON), progress on stderr', async () => {
    const args = [
      'backtest',
      '--prometheus',
      url,
      '--prometheus-password-file',
      passwordFile,
      '--out',
      out,
      '--from',
      String(FROM),
      '--to',
      String(TO),
    ];
    const text = await ghmon(...args);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/^ghmon backtest: .* rules evaluated every 15s$/m);
    expect(text.out).toMatch(/^ {2}page {3}.*demo .*HighErrorRate/m);
    expect(text.err).toMatch(/fetched 3\/3 chunks/);
    const json = await ghmon(...args, '--format', 'json');
    expect(json.code, json.err).toBe(0);
    const doc = JSON.parse(json.out) as { ours: { incidents: { kind: string; start: number }[] } };
    expect(doc.ours.incidents.filter((i) => i.kind === 'page')).toHaveLength(1);
    // The chart: one red bar per page, one amber per ticket, the page's bar where the burst was.
    const svg = readFileSync(join(out, 'backtest', 'backtest.svg'), 'utf8');
    const bars = [...svg.matchAll(/<rect class="incident (page|ticket)" x="([\d.]+)"/g)];
    expect(bars.filter((b) => b[1] === 'page')).toHaveLength(1);
    expect(bars.filter((b) => b[1] === 'ticket')).toHaveLength(doc.ours.incidents.length - 1);
    const pageX = Number(bars.find((b) => b[1] === 'page')?.[2]);
    const plot = (t: number) => 190 + ((t - FROM) / (TO - FROM)) * (1000 - 190 - 20);
    expect(Math.abs(pageX - plot(doc.ours.incidents.find((i) => i.kind === 'page')?.start ?? 0))).toBeLessThan(1);
    expect(readFileSync(join(out, 'backtest', 'index.html'), 'utf8')).toContain('<svg');
    expect(JSON.parse(readFileSync(join(out, 'backtest', 'report.json'), 'utf8'))).toEqual(doc);
  });

  it.each([
    [['--from', '7d'], /--prometheus URL is required/],
    [['--prometheus', 'http://127.0.0.1:1'], /--from is required/],
    [['--prometheus', 'http://127.0.0.1:1', '--from', 'yesterday'], /--from yesterday: expected an RFC 3339 time/],
    [['--prometheus', 'http://127.0.0.1:1', '--from', '1d', '--to', '2d'], /is not before --to 2d/],
    [['--prometheus', 'http://127.0.0.1:1', '--from', '1d', '--format', 'xml'], /--format xml: expected text or json/],
    [
      ['--prometheus', 'http://127.0.0.1:1', '--from', '1d', '--against', '/nonexistent'],
      /--against \/nonexistent: no such directory/,
    ],
  ])('ghmon backtest %j: exit 2 and a clear message', async (args, message) => {
    const r = await ghmon('backtest', '--out', out, ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
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

    it('the real Prometheus without its password: 401, named', async () => {
      await expect(
        estimate(historySource({ url }), historySelectors(out), { from: FROM, to: TO }, STEP),
      ).rejects.toThrow(/answered 401: give --prometheus-password-file/);
    });

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
