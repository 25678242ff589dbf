/**
 * Prometheus text format 0.0.4 and OpenMetrics 1.0: content types, content negotiation and escaping.
 * No runtime dependency: the content types are prom-client's exact strings (`Registry.PROMETHEUS_CONTENT_TYPE`,
 * `Registry.OPENMETRICS_CONTENT_TYPE`; test/exposition.test.ts asserts they stay equal).
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export function contentTypeOf(format: ExpositionFormat): string {
  return format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
}

/**
 * Picks the exposition format from an Accept header: OpenMetrics when the client lists
 * `application/openmetrics-text` with a q at least as high as any text/plain (or wildcard) entry, as
 * Prometheus does by default; otherwise the Prometheus text format. No header: Prometheus text format.
 */
export function negotiateFormat(accept: string | null | undefined): ExpositionFormat {
  if (!accept || accept.indexOf('openmetrics') === -1) return 'prometheus';
  let openMetricsQ = 0;
  let textQ = 0;
  for (const part of accept.split(',')) {
    const [rawType = '', ...params] = part.split(';');
    const type = rawType.trim().toLowerCase();
    let q = 1;
    for (const param of params) {
      const [k = '', v = ''] = param.split('=');
      if (k.trim().toLowerCase() === 'q') {
        const parsed = Number.parseFloat(v.trim());
        q = Number.isFinite(parsed) ? parsed : 0;
      }
    }
    if (type === 'application/openmetrics-text') openMetricsQ = Math.max(openMetricsQ, q);
    else if (type === 'text/plain' || type === 'text/*' || type === '*/*') textQ = Math.max(textQ, q);
  }
  return openMetricsQ > 0 && openMetricsQ >= textQ ? 'openmetrics' : 'prometheus';
}

/** Escapes a label value: backslash, double quote and line feed (both formats). */
export function escapeLabelValue(value: string): string {
  // Fast path: most values need no escaping.
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 92 /* \ */ || c === 34 /* " */ || c === 10 /* \n */) {
      return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    }
  }
  return value;
}

/** Escapes HELP text: backslash and line feed; OpenMetrics also escapes double quotes. */
export function escapeHelp(help: string, format: ExpositionFormat): string {
  const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? escaped.replace(/"/g, '\\"') : escaped;
}

/** Formats a sample value (or an `le` bound): integers plainly, non-finite values as the formats spell them. */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/** The family name OpenMetrics puts on HELP/TYPE lines of a counter (samples keep `_total`). */
export function openMetricsCounterFamily(name: string): string {
  return name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
}

/** The HELP and TYPE lines of a family, ending with a line feed. */
export function familyHeader(name: string, type: string, help: string, format: ExpositionFormat): string {
  const family = format === 'openmetrics' && type === 'counter' ? openMetricsCounterFamily(name) : name;
  return `# HELP ${family} ${escapeHelp(help, format)}\n# TYPE ${family} ${type}\n`;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Makes an arbitrary string safe as a label value: lone UTF-16 surrogates (which have no UTF-8 encoding)
 * become U+FFFD, control characters other than tab and line feed (which escaping handles) become U+FFFD, and
 * the value is cut to `maxLength` code
 * units without splitting a surrogate pair. Escaping is separate (escapeLabelValue).
 */
export function sanitizeLabelValue(value: string, maxLength: number): string {
  let out = value;
  if (out.length > maxLength) {
    out = out.slice(0, maxLength);
    const last = out.charCodeAt(out.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
  return out.replace(LONE_SURROGATE, '\uFFFD').replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, '\uFFFD');
}
