/**
 * The byte writer behind `/metrics` (core/exposition-writer.ts) must render exactly what the string renderer it
 * replaced rendered. That renderer is kept here verbatim as the reference, and both render the same label sets:
 * hostile routes (escapes, non-ASCII, astral characters, lone surrogates), odd counts and sums, both formats.
 */
import {
  CAPPED_METRICS,
  dbPoolConnectionsActive,
  dbPoolConnectionsMax,
  httpActiveConnections,
  httpRequestDurationSeconds,
  httpRequestsTotal,
  metricsOverflowTotal,
} from '@greyhaven/metric-contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ExpositionFormat,
  escapeLabelValue,
  familyHeader,
  formatValue,
  sanitizeLabelValue,
} from '../src/core/exposition.ts';
import { ExpositionWriter } from '../src/core/exposition-writer.ts';
import { type RenderableSeries, renderHttpFamilies } from '../src/core/registry.ts';

const BOUND_LABELS = httpRequestDurationSeconds.buckets.map((b) => formatValue(b));

/** The string renderer as it was before the byte writer (commit 826405e), verbatim but for names. */
function reference(
  format: ExpositionFormat,
  series: RenderableSeries[],
  active: number,
  pools: { active: number; max: number } | undefined,
  folded: number,
): string {
  const counter = httpRequestsTotal.name;
  const hist = httpRequestDurationSeconds.name;
  let out = familyHeader(counter, 'counter', httpRequestsTotal.help, format);
  for (const s of series) out += `${counter}{${s.labels}} ${s.count}\n`;
  out += familyHeader(hist, 'histogram', httpRequestDurationSeconds.help, format);
  const bucket = `${hist}_bucket{`;
  const sum = `${hist}_sum{`;
  const count = `${hist}_count{`;
  for (const s of series) {
    let cumulative = 0;
    for (let i = 0; i < BOUND_LABELS.length; i++) {
      cumulative += s.buckets[i] as number;
      out += `${bucket}${s.labels},le="${BOUND_LABELS[i]}"} ${cumulative}\n`;
    }
    out += `${bucket}${s.labels},le="+Inf"} ${s.count}\n${sum}${s.labels}} ${formatValue(s.sum)}\n${count}${s.labels}} ${s.count}\n`;
  }
  out += familyHeader(httpActiveConnections.name, 'gauge', httpActiveConnections.help, format);
  out += `${httpActiveConnections.name} ${formatValue(active)}\n`;
  if (pools !== undefined) {
    out += familyHeader(dbPoolConnectionsActive.name, 'gauge', dbPoolConnectionsActive.help, format);
    out += `${dbPoolConnectionsActive.name} ${formatValue(pools.active)}\n`;
    out += familyHeader(dbPoolConnectionsMax.name, 'gauge', dbPoolConnectionsMax.help, format);
    out += `${dbPoolConnectionsMax.name} ${formatValue(pools.max)}\n`;
  }
  const overflow = metricsOverflowTotal.name;
  out += familyHeader(overflow, 'counter', metricsOverflowTotal.help, format);
  for (const family of CAPPED_METRICS) out += `${overflow}{${metricsOverflowTotal.labels[0]}="${family}"} ${folded}\n`;
  return out;
}

const count = fc.oneof(
  fc.nat(),
  fc.constantFrom(0, 9, 10, 99, 100, 1e15, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e21, 0.5, -1, -0, Number.NaN),
  fc.double(),
);
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('a', '/', '"', '\\', '\n', 'é', '€', '😀', '\uD800', '\u0000'), maxLength: 30 }),
);
const series: fc.Arbitrary<RenderableSeries> = fc.record({
  labels: fc
    .tuple(fc.constantFrom('GET', 'POST', 'other'), text, fc.constantFrom('200', '404', '500'))
    // Sanitised first, as every label value is when its series is created (no lone surrogates reach a render).
    .map(([m, r, s]) => `method="${m}",route="${escapeLabelValue(sanitizeLabelValue(r, 200))}",status="${s}"`),
  count,
  sum: fc.oneof(fc.double(), fc.constantFrom(0, 0.1 + 0.2, 1e-7, 1e21)),
  buckets: fc.array(count, { minLength: BOUND_LABELS.length, maxLength: BOUND_LABELS.length }),
});

describe('renderHttpFamilies (byte writer)', () => {
  it('renders exactly what the string renderer rendered (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<ExpositionFormat>('prometheus', 'openmetrics'),
        fc.array(series, { maxLength: 30 }),
        count,
        fc.option(fc.record({ active: count, max: count }), { nil: undefined }),
        fc.nat(),
        (format, all, active, pools, folded) => {
          const got = renderHttpFamilies(format, (fn) => all.forEach(fn), active, pools, folded);
          expect(got).toBe(reference(format, all, active, pools, folded));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('grows past its first buffer and stays identical (20k label sets, a body of megabytes)', () => {
    const all: RenderableSeries[] = Array.from({ length: 20_000 }, (_, i) => ({
      labels: `method="GET",route="/svc${i}/items/:id${i % 500 === 0 ? 'é' : ''}",status="200"`,
      count: i * 7,
      sum: i / 3,
      buckets: BOUND_LABELS.map((_, b) => (i + b) % 5),
    }));
    const got = renderHttpFamilies('prometheus', (fn) => all.forEach(fn), 3, undefined, 2);
    expect(got.length).toBeGreaterThan(2_000_000);
    expect(got).toBe(reference('prometheus', all, 3, undefined, 2));
  });

  it('writes counts digit by digit as String() spells them', () => {
    for (const n of [
      0,
      7,
      10,
      123456789,
      2 ** 31,
      2 ** 32 + 5,
      1e15,
      Number.MAX_SAFE_INTEGER,
      2 ** 53,
      1e21,
      1.5,
      -3,
    ]) {
      const w = new ExpositionWriter();
      w.reserve(32);
      w.count(n);
      expect(w.finish()).toBe(String(n));
    }
  });
});
