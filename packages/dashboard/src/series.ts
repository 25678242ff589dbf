/** Pure data shaping: range results → aligned columns (uPlot's layout), last values, annotation regions. */

export interface NamedSeries {
  name: string;
  values: [number, string][];
}

export interface Aligned {
  xs: number[];
  ys: (number | null)[][];
}

/** Prometheus sample values are strings; NaN and ±Inf are not drawable. */
export function sampleValue(v: string): number | null {
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** One x column (the union of every series' timestamps), one y column per series, null where a series has no sample. */
export function align(series: readonly NamedSeries[]): Aligned {
  const xs = [...new Set(series.flatMap((s) => s.values.map(([t]) => t)))].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    for (const [t, v] of s.values) col[index.get(t) as number] = sampleValue(v);
    return col;
  });
  return { xs, ys };
}

export function lastValue(values: readonly [number, string][]): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = sampleValue((values[i] as [number, string])[1]);
    if (v !== null) return v;
  }
  return null;
}

export interface Region {
  from: number;
  to: number;
}

/** Where a series is above 0, as regions; samples at most `step` apart belong to one region (as Grafana does). */
export function activeRegions(values: readonly [number, string][], step: number): Region[] {
  const out: Region[] = [];
  let cur: Region | undefined;
  for (const [t, v] of values) {
    if (!((sampleValue(v) ?? 0) > 0)) continue;
    if (cur && t - cur.to <= step) {
      cur.to = t;
      continue;
    }
    if (cur) out.push(cur);
    cur = { from: t, to: t };
  }
  if (cur) out.push(cur);
  return out;
}
