/**
 * Keeps bench/per-request.bench.ts honest (nothing here is timed):
 * (a) the seed's middleware in bench/seed-middleware.ts is the seed document's code block, verbatim (whitespace
 *     normalised), so the benchmark's denominator is the seed and not an easier copy;
 * (b) the distinct-id mix really holds 65,536 different URLs, of the shapes its templates say;
 * (c) the post-run check (verifySeries) passes on right counts and fails on a wrong count, a missing or an extra
 *     series, for our middleware and for the seed's.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import promClient from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  DISTINCT_MIX_SIZE,
  distinctMix,
  expectedSeries,
  httpMetricsSeries,
  type MixEntry,
  promClientSeries,
  REPEATED_MIX_SIZE,
  repeatedMix,
  requestsOf,
  seriesKey,
  Tally,
  verifySeries,
} from '../bench/mixes.ts';
import { metricsMiddleware as seedMiddleware } from '../bench/seed-middleware.ts';
import { normalizePathReference } from '../src/core/labels.ts';
import { HttpMetrics, metricsMiddleware } from '../src/index.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SEED_MD = `${REPO_ROOT}../shared/seed/prometheus-grafana-monitoring.md`;
const SEED_COPY = fileURLToPath(new URL('../bench/seed-middleware.ts', import.meta.url));

/** Collapses every run of whitespace to one space: formatting may differ, tokens may not. */
const squash = (code: string) => code.replace(/\s+/g, ' ').trim();

/** The seed document's TypeScript block that starts with `// middleware/metrics.ts`, without that line. */
function seedBlock(markdown: string): string {
  const blocks = [...markdown.matchAll(/```typescript\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const block = blocks.find((b) => b.startsWith('// middleware/metrics.ts\n'));
  if (block === undefined) throw new Error(`no TypeScript block "// middleware/metrics.ts" in ${SEED_MD}`);
  return block.slice('// middleware/metrics.ts\n'.length);
}

/** The copy without its leading comment lines (provenance and biome-ignore), from the first import on. */
function copyBody(source: string): string {
  const at = source.indexOf('\nimport ');
  if (at === -1) throw new Error('seed-middleware.ts has no import');
  for (const line of source.slice(0, at).split('\n')) if (!line.startsWith('//')) throw new Error(`header: ${line}`);
  return source.slice(at + 1);
}

describe('bench honesty (a): the seed copy is verbatim', () => {
  it("bench/seed-middleware.ts is the seed document's middleware code block", () => {
    const seed = seedBlock(readFileSync(SEED_MD, 'utf8'));
    expect(seed).toContain('httpRequestsTotal.inc(');
    expect(squash(copyBody(readFileSync(SEED_COPY, 'utf8')))).toBe(squash(seed));
  });

  it('the comparison notices a changed token (it can fail)', () => {
    const seed = seedBlock(readFileSync(SEED_MD, 'utf8'));
    const copy = copyBody(readFileSync(SEED_COPY, 'utf8'));
    for (const edit of [
      (s: string) => s.replace('new URL(request.url).pathname', 'request.url'),
      (s: string) => s.replace('Date.now()', 'performance.now()'),
      (s: string) => s.replace('[0.01, 0.05,', '[0.05,'),
    ]) {
      expect(edit(copy)).not.toBe(copy);
      expect(squash(edit(copy))).not.toBe(squash(seed));
    }
  });
});

describe('bench honesty (b): the mixes', () => {
  it(`the distinct-id mix holds ${DISTINCT_MIX_SIZE} different URLs, the same on every call`, () => {
    const mix = distinctMix();
    expect(mix).toHaveLength(65_536);
    expect(new Set(mix.map((e) => e.url)).size).toBe(65_536);
    expect(new Set(mix.map((e) => new URL(e.url).pathname)).size).toBe(65_536);
    expect(distinctMix()).toEqual(mix);
  });

  it('the repeated mix holds 100 URLs', () => {
    const mix = repeatedMix();
    expect(mix).toHaveLength(REPEATED_MIX_SIZE);
    expect(new Set(mix.map((e) => e.url)).size).toBe(100);
  });

  it("every entry's route is its template and what the contract's normaliser makes of its path", () => {
    for (const e of [...repeatedMix(), ...distinctMix()]) {
      expect(normalizePathReference(new URL(e.url).pathname)).toBe(e.route);
    }
    expect(new Set(distinctMix().map((e) => `${e.method} ${e.route}`))).toEqual(
      new Set(['GET /users/:id', 'POST /orders/:id/items']),
    );
  });

  it('Tally counts wrapping batches', () => {
    const t = new Tally(repeatedMix());
    t.add(90, 20);
    expect(t.sent.reduce((a, b) => a + b, 0)).toBe(20);
    expect(t.sent[95]).toBe(1);
    expect(t.sent[5]).toBe(1);
    expect(t.sent[15]).toBe(0);
  });
});

describe('bench honesty (c): the post-run check fails on wrong output', () => {
  const response = new Response(null, { status: 200 });
  const next = async () => response;

  async function send(mw: (r: Request, n: () => Promise<Response>) => Promise<Response>, mix: MixEntry[], n: number) {
    const reqs = requestsOf(mix);
    const tally = new Tally(mix);
    for (let i = 0; i < n; i++) await mw(reqs[(7 + i) % reqs.length] as Request, next);
    tally.add(7, n);
    return tally;
  }

  it('passes for our middleware on right counts, fails on a wrong count, a missing and an extra series', async () => {
    const metrics = new HttpMetrics();
    const mix = distinctMix(1_000);
    const tally = await send(metricsMiddleware({ metrics }), mix, 2_500);
    const expected = expectedSeries([tally], (e) => e.route);
    const actual = httpMetricsSeries(metrics);
    expect(verifySeries('ours', expected, actual)).toEqual([]);
    expect(expected.get(seriesKey('GET', '/users/:id', '200'))).toBe(1_250);

    const offByOne = new Map(expected);
    offByOne.set(seriesKey('GET', '/users/:id', '200'), 1_251);
    expect(verifySeries('ours', offByOne, actual).join('\n')).toMatch(/counted 1250, sent 1251/);

    const missing = new Map(actual);
    missing.delete(seriesKey('POST', '/orders/:id/items', '200'));
    expect(verifySeries('ours', expected, missing).join('\n')).toMatch(/no series/);

    const extra = new Map(actual).set(seriesKey('GET', '/users/1', '200'), 1);
    expect(verifySeries('ours', expected, extra).join('\n')).toMatch(/unexpected series/);

    // A middleware that labels with the raw path is wrong for ours, whatever its speed.
    const raw = expectedSeries([tally], (e) => new URL(e.url).pathname);
    expect(verifySeries('ours', raw, actual).length).toBeGreaterThan(0);
  });

  it("passes for the seed's middleware (a series per raw path) and fails on a wrong count", async () => {
    const mix = repeatedMix();
    const tally = await send(seedMiddleware(), mix, 250);
    const counter = promClient.register.getSingleMetric('http_requests_total') as promClient.Counter;
    const actual = await promClientSeries(counter);
    const expected = expectedSeries([tally], (e) => new URL(e.url).pathname);
    expect(actual.size).toBe(100);
    expect(verifySeries('seed', expected, actual)).toEqual([]);
    const wrong = new Map(expected).set(seriesKey('GET', '/users/1000', '200'), 99);
    expect(verifySeries('seed', wrong, actual)).not.toEqual([]);
  });
});
