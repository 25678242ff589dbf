/**
 * The scaling bench's load generator (bench/lib/load-targets.ts) and chart writer (bench/lib/scaling-chart.ts),
 * untimed: the fleet exposes exactly the series asked for, as text promtool accepts, with counters that only grow
 * and the labels and buckets of the metric contract; the chart has one point per size per engine and refuses a
 * missing figure.
 */
import { spawnSync } from 'node:child_process';
import {
  HTTP_DURATION_BUCKETS,
  HTTP_LABELS,
  HTTP_METHODS,
  httpRequestDurationSeconds,
  httpRequestsTotal,
} from '@greyhaven/metric-contract';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoadFleet, planFleet, SERIES_PER_LABEL_SET, startLoadTargets } from '../bench/lib/load-targets.ts';
import { type ScalingPanel, scalingChartSvg } from '../bench/lib/scaling-chart.ts';

interface Line {
  name: string;
  labels: Record<string, string>;
  value: number;
  key: string;
}

/** The sample lines of a text exposition (comments skipped). */
function samples(text: string): Line[] {
  const out: Line[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="([^"]*)"/g)) labels[k as string] = v as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]), key: `${m[1]}{${m[2] ?? ''}}` });
  }
  return out;
}

const scrape = async (url: string) => (await fetch(url)).text();

let fleet: LoadFleet | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

describe('load targets', () => {
  it('plans exactly the requested series, dealt over services and targets', () => {
    for (const [series, targets] of [
      [10_000, 5],
      [50_003, 25],
    ] as const) {
      const plan = planFleet({ series, targets });
      expect(plan).toHaveLength(targets);
      expect(plan.reduce((n, t) => n + t.series, 0)).toBe(series);
      expect(new Set(plan.map((t) => t.service))).toEqual(new Set(['svc-0', 'svc-1', 'svc-2', 'svc-3']));
    }
    expect(() => planFleet({ series: 10, targets: 5 })).toThrow(/series/);
  });

  it('serves exactly the requested series at two sizes', async () => {
    for (const [series, targets] of [
      [1_000, 3],
      [10_007, 7],
    ] as const) {
      fleet = await startLoadTargets({ series, targets });
      expect(fleet.targets).toHaveLength(targets);
      let total = 0;
      for (const t of fleet.targets) {
        expect(t.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
        const n = samples(await scrape(t.url)).length;
        expect(n).toBe(t.series);
        total += n;
      }
      expect(total).toBe(series);
      await fleet.stop();
      fleet = undefined;
    }
  });

  it('exposes text promtool accepts', async () => {
    fleet = await startLoadTargets({ series: 2_005, targets: 2 });
    for (const t of fleet.targets) {
      const r = spawnSync('promtool', ['check', 'metrics'], { input: await scrape(t.url), encoding: 'utf8' });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    }
  });

  it('has counters that grow between scrapes and never fall', async () => {
    fleet = await startLoadTargets({ series: 1_200, targets: 2 });
    const url = (fleet.targets[0] as LoadFleet['targets'][number]).url;
    const first = new Map(samples(await scrape(url)).map((s) => [s.key, s.value]));
    await new Promise((r) => setTimeout(r, 1500));
    const second = samples(await scrape(url));
    let grew = 0;
    for (const s of second) {
      if (!/_total$|_bucket$|_sum$|_count$/.test(s.name)) continue;
      const before = first.get(s.key);
      expect(before, s.key).toBeDefined();
      expect(s.value, s.key).toBeGreaterThanOrEqual(before as number);
      if (s.value > (before as number)) grew++;
    }
    expect(grew).toBeGreaterThan(10);
  });

  it('labels and buckets are the contract', async () => {
    fleet = await startLoadTargets({ series: 3 * SERIES_PER_LABEL_SET * 10 + 15, targets: 3 });
    const h = httpRequestDurationSeconds.name;
    const bounds = [...HTTP_DURATION_BUCKETS.map(String), '+Inf'];
    for (const t of fleet.targets) {
      const lines = samples(await scrape(t.url));
      const requests = lines.filter((s) => s.name === httpRequestsTotal.name);
      expect(requests.length).toBeGreaterThan(0);
      for (const s of requests) {
        // The application sets method, route and status; service, job and instance come from the scraper.
        expect(Object.keys(s.labels).sort()).toEqual([...HTTP_LABELS].sort());
        expect(HTTP_METHODS as readonly string[]).toContain(s.labels.method);
        expect(s.labels.status).toMatch(/^[1-5]\d\d$/);
        expect(s.labels.route).toMatch(/^\/api\/r\d+\/:id$/);
        const same = (x: Line) => HTTP_LABELS.every((k) => x.labels[k] === s.labels[k]);
        const buckets = lines.filter((x) => x.name === `${h}_bucket` && same(x));
        expect(buckets.map((b) => b.labels.le)).toEqual(bounds);
        for (let i = 1; i < buckets.length; i++) {
          expect((buckets[i] as Line).value).toBeGreaterThanOrEqual((buckets[i - 1] as Line).value);
        }
        const count = lines.find((x) => x.name === `${h}_count` && same(x));
        expect(count?.value).toBe(s.value);
        expect((buckets.at(-1) as Line).value).toBe(s.value);
        expect(lines.some((x) => x.name === `${h}_sum` && same(x))).toBe(true);
      }
      expect(lines.some((s) => 'service' in s.labels)).toBe(false);
    }
  });
});

describe('scaling chart', () => {
  const panels = (): ScalingPanel[] => [
    {
      title: 'Memory per active series',
      unit: 'KiB RSS / series',
      points: [
        { series: 10_000, prometheus: 9.5, victoriametrics: 4.1 },
        { series: 50_000, prometheus: 6.2, victoriametrics: 1.9 },
        { series: 200_000, prometheus: 5.1, victoriametrics: 1.2 },
      ],
    },
    {
      title: 'Scrape duration',
      unit: 'ms',
      points: [
        { series: 10_000, prometheus: 12, victoriametrics: 8 },
        { series: 50_000, prometheus: 30, victoriametrics: 25 },
        { series: 200_000, prometheus: 80, victoriametrics: 70 },
      ],
    },
  ];

  it('draws one point per size per engine, with axis labels', () => {
    const svg = scalingChartSvg(panels(), 'test chart');
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    for (const engine of ['prometheus', 'victoriametrics']) {
      const pts = [
        ...svg.matchAll(new RegExp(`class="point ${engine}" data-series="(\\d+)" data-value="([^"]+)"`, 'g')),
      ];
      expect(pts.map((m) => Number(m[1]))).toEqual([10_000, 50_000, 200_000, 10_000, 50_000, 200_000]);
    }
    expect(svg).toContain('data-value="5.1"');
    expect(svg.match(/class="axis-label"[^>]*>active series/g)).toHaveLength(2);
    expect(svg).toContain('>KiB RSS / series</text>');
    expect(svg).toContain('>ms</text>');
    expect(svg).toContain('>200k</text>');
  });

  it('fails when a figure is missing', () => {
    const missing = panels();
    ((missing[1] as ScalingPanel).points[2] as { victoriametrics?: number }).victoriametrics = Number.NaN;
    expect(() => scalingChartSvg(missing, 't')).toThrow(/Scrape duration.*200000.*victoriametrics/);
    const absent = panels();
    delete ((absent[0] as ScalingPanel).points[0] as { prometheus?: number }).prometheus;
    expect(() => scalingChartSvg(absent, 't')).toThrow(/prometheus/);
    expect(() => scalingChartSvg([{ title: 'x', unit: 'y', points: [] }], 't')).toThrow(/no point/);
  });
});
