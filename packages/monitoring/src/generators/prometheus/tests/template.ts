/**
 * Renders the small subset of Prometheus' alert templates our annotations use, the way Prometheus does
 * (template/template.go: humanize, humanizeDuration, humanizePercentage, printf), so a generated promtool test
 * can state the exact annotations an alert must carry. An unsupported construct is an error at build time,
 * never a silently wrong test.
 */

/** Go's `%.Ng`: N significant digits, trailing zeros dropped, exponent form outside [1e-4, 10^N). */
export function formatG(v: number, precision = 4): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(precision)))));
  if (exp < -4 || exp >= precision) {
    const [mant = '', e = '0'] = v.toExponential(precision - 1).split('e');
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = v.toPrecision(precision);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

const SMALL = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
const LARGE = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];

export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return formatG(v);
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of LARGE) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
  } else {
    for (const p of SMALL) {
      if (Math.abs(v) >= 1) break;
      prefix = p;
      v *= 1000;
    }
  }
  return `${formatG(v)}${prefix}`;
}

export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return formatG(v);
  if (v === 0) return '0s';
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const abs = Math.abs(v);
    const d = Math.trunc(abs);
    const seconds = d % 60;
    const minutes = Math.trunc(d / 60) % 60;
    const hours = Math.trunc(d / 3600) % 24;
    const days = Math.trunc(d / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${formatG(abs)}s`;
  }
  let prefix = '';
  for (const p of SMALL) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${formatG(v)}${prefix}s`;
}

export function humanizePercentage(v: number): string {
  return `${formatG(v * 100)}%`;
}

/** Renders `{{ $labels.x }}`, `{{ $value | fn }}` and `{{ $value | printf "%.Nf" }}`. */
export function renderTemplate(template: string, labels: Record<string, string>, value?: number): string {
  return template.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, inner: string) => {
    const label = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(inner);
    if (label) return labels[label[1] as string] ?? '';
    const m = /^\$value\s*\|\s*(humanizePercentage|humanizeDuration|humanize|printf\s+"%\.(\d)f")$/.exec(inner);
    if (m) {
      if (value === undefined)
        throw new Error(`template ${JSON.stringify(template)} needs $value, and the test case gives none`);
      if (m[1] === 'humanizePercentage') return humanizePercentage(value);
      if (m[1] === 'humanizeDuration') return humanizeDuration(value);
      if (m[1] === 'humanize') return humanize(value);
      return value.toFixed(Number(m[2]));
    }
    throw new Error(`unsupported template construct {{ ${inner} }} in ${JSON.stringify(template)}`);
  });
}
