/** Statistics the benchmarks share: quantiles over rounds and the ratio cells of their tables. */
export function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

export function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

export const fmt = (x: number, digits = 2) => x.toFixed(digits);
/** Median of per-round ratios, with the interquartile range and the extremes. */
export const ratioCell = (r: number[]) => {
  const s = stats(r);
  return `${fmt(s.median)}× (IQR ${fmt(s.p25)}–${fmt(s.p75)}; ${fmt(s.min)}–${fmt(s.max)})`;
};

/** BENCH_QUICK=1: a short smoke run. */
export const QUICK = process.env.BENCH_QUICK === '1';

/** Route templates the benchmarks' services declare. */
export const ROUTES = ['/users/:id', '/orders/:id/items', '/health'];

/** A goal line of a benchmark's report: `<what> — <goal> ✓` (met) or `✗` (missed). */
export const goalLine = (what: string, met: boolean, goal: string) => `${what} — ${goal} ${met ? '✓' : '✗'}`;

/**
 * Whether the interquartile range of per-round ratios lies within ±`within` of their median (e.g. 0.05 for ±5%):
 * the spread a ratio needs before it can be called on one side of a goal.
 */
export function iqrWithin(r: number[], within: number): boolean {
  const s = stats(r);
  return s.p25 >= s.median * (1 - within) && s.p75 <= s.median * (1 + within);
}
