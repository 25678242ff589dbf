/** Grafana's relative time (`now`, `now-1h`, `now-7d`) and the query step for a time range. */

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** A Prometheus/Grafana duration (`30s`, `1h30m`) in seconds, or undefined. */
export function durationSeconds(d: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(d); m !== null; m = re.exec(d)) {
    total += Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number);
    matched += m[0].length;
  }
  return matched === d.length && matched > 0 ? total : undefined;
}

/** `now-1h` → epoch seconds; also accepts epoch milliseconds (as Grafana URLs do). */
export function resolveTime(expr: string, nowMs: number): number {
  const t = expr.trim();
  if (/^\d+$/.test(t)) return Number(t) / 1000;
  const m = /^now(?:-(.+))?$/.exec(t);
  if (!m) throw new Error(`unsupported time "${expr}"`);
  const back = m[1] === undefined ? 0 : durationSeconds(m[1]);
  if (back === undefined) throw new Error(`unsupported time "${expr}"`);
  return nowMs / 1000 - back;
}

/** A duration for display and `$__interval`: 15 → `15s`, 120 → `2m`. */
export function formatDuration(seconds: number): string {
  for (const [u, s] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds >= s && seconds % s === 0) return `${seconds / s}${u}`;
  }
  return `${Math.max(1, Math.round(seconds))}s`;
}

/**
 * The step of a range query: the range over at most `maxPoints` points, never below the scrape interval,
 * rounded up to a whole second (Grafana's $__interval, simplified).
 */
export function queryStep(rangeSeconds: number, maxPoints: number, minStepSeconds: number): number {
  const raw = rangeSeconds / Math.max(1, maxPoints);
  return Math.max(1, Math.ceil(Math.max(raw, minStepSeconds)));
}

/** Grafana's $__rate_interval: max($__interval + scrape interval, 4 × scrape interval). */
export function rateInterval(stepSeconds: number, scrapeSeconds: number): number {
  return Math.max(stepSeconds + scrapeSeconds, 4 * scrapeSeconds);
}
