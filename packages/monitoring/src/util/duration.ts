/** Prometheus-style durations (`90s`, `5m`, `1h30m`) to milliseconds. */
const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

export function parseDuration(text: string): number | undefined {
  if (!/^([0-9]+(ms|s|m|h|d|w|y))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/([0-9]+)(ms|s|m|h|d|w|y)/g)) total += Number(m[1]) * (UNITS[m[2] as string] as number);
  return total;
}

/** Milliseconds as a Prometheus duration (90 000 → `1m30s`): the inverse of `parseDuration` for h, m, s and ms. */
export function formatDuration(ms: number): string {
  let rest = ms;
  let out = '';
  for (const unit of ['h', 'm', 's', 'ms']) {
    const size = UNITS[unit] as number;
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || '0s';
}
