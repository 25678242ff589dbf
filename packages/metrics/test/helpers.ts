/**
 * Test helpers: real servers on 127.0.0.1, and two real parsers for what /metrics serves —
 * - Prometheus text format: `promtool check metrics` (Prometheus' own Go text parser; lint remarks ignored, parse
 *   errors fail) plus parse-prometheus-text-format (npm) for counter and gauge values. That npm parser cannot
 *   read labelled histograms (it merges them), so histogram values are read from the OpenMetrics path:
 * - OpenMetrics: Prometheus' own OpenMetrics parser, through `promtool tsdb create-blocks-from openmetrics`
 *   (a timestamp is appended to each sample line, which backfilling requires) and `promtool tsdb dump`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { expect } from 'vitest';

export const PROMTOOL = '/usr/bin/promtool';
export const OPENMETRICS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export async function close(server: Server): Promise<void> {
  server.closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function scrape(base: string, accept?: string): Promise<{ body: string; contentType: string }> {
  const res = await fetch(`${base}/metrics`, { headers: accept ? { accept } : {} });
  expect(res.status).toBe(200);
  return { body: await res.text(), contentType: res.headers.get('content-type') ?? '' };
}

/** Fails on a text-format parse error (Prometheus' Go parser); lint remarks (exit 3) are fine. */
export function promtoolCheck(body: string): void {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: body, encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`;
  expect(out, out).not.toMatch(/error while linting|parsing error/);
  expect([0, 3]).toContain(r.status);
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses an OpenMetrics body with Prometheus' own OpenMetrics parser (promtool backfill + dump). */
export function parseOpenMetrics(body: string): Sample[] {
  expect(body.endsWith('# EOF\n')).toBe(true);
  const dir = mkdtempSync(join(tmpdir(), 'ghmon-om-'));
  try {
    const input = join(dir, 'in.txt');
    const lines = body.split('\n').map((l) => (l === '' || l.startsWith('#') ? l : `${l} 1700000000`));
    writeFileSync(input, lines.join('\n'));
    const blocks = join(dir, 'blocks');
    execFileSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', input, blocks], { stdio: 'pipe' });
    mkdirSync(join(blocks, 'wal'), { recursive: true });
    const dump = execFileSync(PROMTOOL, ['tsdb', 'dump', blocks], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    return dump
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map(parseDumpLine);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `{__name__="x", a="b"} 1 1700000000000` (values Go-quoted) → Sample. */
function parseDumpLine(line: string): Sample {
  const close = line.lastIndexOf('} ');
  const labelText = line.slice(1, close);
  const [value = 'NaN'] = line.slice(close + 2).split(' ');
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const m of labelText.matchAll(re)) labels[m[1] as string] = JSON.parse(`"${m[2]}"`) as string;
  const { __name__: name = '', ...rest } = labels;
  return { name, labels: rest, value: Number(value) };
}

/** Text-format families by name (parse-prometheus-text-format), after promtool has accepted the body. */
export function parseText(body: string) {
  promtoolCheck(body);
  return new Map(parsePrometheusTextFormat(body).map((f) => [f.name, f]));
}

/** Value of a counter or gauge sample with exactly these labels in a text-format body, or undefined. */
export function textValue(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = parseText(body).get(name);
  const sample = family?.metrics.find((m) => sameLabels(m.labels ?? {}, labels));
  return sample?.value === undefined ? undefined : Number(sample.value);
}

export function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

export function find(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && sameLabels(s.labels, labels))?.value;
}

/** Distinct label sets of one sample name. */
export function seriesOf(samples: Sample[], name: string): Sample[] {
  return samples.filter((s) => s.name === name);
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/** A promise with its resolve function. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
