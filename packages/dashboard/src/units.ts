/**
 * Value formatting for the Grafana units the generated dashboards use (and a few common ones): `reqps`,
 * `percent` (0–100), `percentunit` (0–1), `ms`, `s`, `bytes`, `short`, `none`, and the custom `suffix:` and
 * `prefix:` units. An unknown unit formats as `short` and keeps its name as a suffix.
 */
export interface Formatted {
  text: string;
  suffix: string;
}

function fixed(v: number, decimals: number | undefined): string {
  if (decimals !== undefined) return v.toFixed(decimals);
  const a = Math.abs(v);
  const d = a === 0 ? 0 : a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.01 ? 3 : 4;
  return Number(v.toFixed(d)).toString();
}

function scaled(v: number, steps: [number, string][], decimals?: number): Formatted {
  for (const [factor, suffix] of steps) {
    if (Math.abs(v) >= factor) return { text: fixed(v / factor, decimals), suffix };
  }
  const last = steps[steps.length - 1] as [number, string];
  return { text: fixed(v / last[0], decimals), suffix: last[1] };
}

const SHORT: [number, string][] = [
  [1e12, ' T'],
  [1e9, ' B'],
  [1e6, ' M'],
  [1e3, ' K'],
  [1, ''],
];

export function formatParts(value: number | null | undefined, unit = 'short', decimals?: number): Formatted {
  if (value === null || value === undefined || Number.isNaN(value)) return { text: '–', suffix: '' };
  if (!Number.isFinite(value)) return { text: value > 0 ? '+Inf' : '-Inf', suffix: '' };
  if (unit.startsWith('suffix:')) return { text: fixed(value, decimals), suffix: unit.slice(7) };
  if (unit.startsWith('prefix:')) return { text: `${unit.slice(7)}${fixed(value, decimals)}`, suffix: '' };
  switch (unit) {
    case 'percent':
      return { text: fixed(value, decimals), suffix: '%' };
    case 'percentunit':
      return { text: fixed(value * 100, decimals), suffix: '%' };
    case 'reqps': {
      const s = scaled(value, SHORT, decimals);
      return { text: s.text, suffix: `${s.suffix} req/s` };
    }
    case 'ms':
      if (Math.abs(value) >= 60_000) return { text: fixed(value / 60_000, decimals), suffix: ' min' };
      if (Math.abs(value) >= 1000) return { text: fixed(value / 1000, decimals), suffix: ' s' };
      return { text: fixed(value, decimals), suffix: ' ms' };
    case 's':
      if (Math.abs(value) < 1 && value !== 0) return { text: fixed(value * 1000, decimals), suffix: ' ms' };
      if (Math.abs(value) >= 3600) return { text: fixed(value / 3600, decimals), suffix: ' h' };
      if (Math.abs(value) >= 60) return { text: fixed(value / 60, decimals), suffix: ' min' };
      return { text: fixed(value, decimals), suffix: ' s' };
    case 'bytes':
      return scaled(
        value,
        [
          [2 ** 40, ' TiB'],
          [2 ** 30, ' GiB'],
          [2 ** 20, ' MiB'],
          [2 ** 10, ' KiB'],
          [1, ' B'],
        ],
        decimals,
      );
    case 'none':
      return { text: fixed(value, decimals), suffix: '' };
    case 'short':
      return scaled(value, SHORT, decimals);
    default:
      return { text: scaled(value, SHORT, decimals).text, suffix: ` ${unit}` };
  }
}

export function formatValue(value: number | null | undefined, unit?: string, decimals?: number): string {
  const f = formatParts(value, unit, decimals);
  return `${f.text}${f.suffix}`;
}
