/**
 * The scaling bench's chart: a hand-written SVG (plain string building, no dependency) with one small panel per
 * measure, active series on a log x axis, one line and one point per size for each engine. The bench writes it
 * to docs/img/scaling-curve.svg.
 *
 * It refuses incomplete data: a missing or non-finite figure throws instead of drawing a gap, so a chart in the
 * docs never silently shows fewer points than the table claims. A size that did not run is left out of the
 * points by the caller (and said so in the text), not passed as NaN.
 */

/** The two engines the bench compares, in drawing order. */
export const ENGINES = [
  { key: 'prometheus', label: 'one Prometheus', color: '#e6522c' },
  { key: 'victoriametrics', label: 'vmagent → VictoriaMetrics (+ vmalert)', color: '#2a7ae2' },
] as const;
export type EngineKey = (typeof ENGINES)[number]['key'];

/** One size's figures of one measure. */
export interface ScalingPoint {
  /** Active series (the x value). */
  series: number;
  prometheus: number;
  victoriametrics: number;
}

/** One measure: a panel of the chart. */
export interface ScalingPanel {
  title: string;
  /** The y axis' label (the unit). */
  unit: string;
  points: ScalingPoint[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toPrecision(2));
const seriesLabel = (n: number) => (n >= 1000 ? `${Number((n / 1000).toPrecision(3))}k` : String(n));

/** Throws naming the first missing figure. */
function validate(panels: readonly ScalingPanel[]): void {
  if (panels.length === 0) throw new Error('scaling chart: no panel');
  for (const p of panels) {
    if (p.points.length === 0) throw new Error(`scaling chart: "${p.title}" has no point`);
    for (const pt of p.points) {
      if (!(Number.isFinite(pt.series) && pt.series > 0)) {
        throw new Error(`scaling chart: "${p.title}" has a point without a series count`);
      }
      for (const e of ENGINES) {
        const v = (pt as unknown as Record<string, unknown>)[e.key];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          throw new Error(`scaling chart: "${p.title}" at ${pt.series} series has no ${e.key} figure`);
        }
      }
    }
  }
}

/** The SVG document: panels side by side in a grid of two columns, a legend and a title. */
export function scalingChartSvg(panels: readonly ScalingPanel[], title: string): string {
  validate(panels);
  const pw = 420;
  const ph = 260;
  const m = { left: 64, right: 16, top: 34, bottom: 46 };
  const cols = Math.min(2, panels.length);
  const rows = Math.ceil(panels.length / cols);
  const width = cols * pw;
  const height = 70 + rows * ph;
  const allX = panels.flatMap((p) => p.points.map((pt) => pt.series));
  const lx0 = Math.log10(Math.min(...allX));
  const lx1 = Math.log10(Math.max(...allX));
  const xSpan = lx1 - lx0 || 1;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  ENGINES.forEach((e, i) => {
    const x = 20 + i * 260;
    out.push(
      `<line x1="${x}" y1="44" x2="${x + 24}" y2="44" stroke="${e.color}" stroke-width="2"/>`,
      `<circle cx="${x + 12}" cy="44" r="3.5" fill="${e.color}"/>`,
      `<text class="legend" x="${x + 30}" y="48">${esc(e.label)}</text>`,
    );
  });
  panels.forEach((p, i) => {
    const ox = (i % cols) * pw;
    const oy = 60 + Math.floor(i / cols) * ph;
    const x0 = ox + m.left;
    const x1 = ox + pw - m.right;
    const y0 = oy + ph - m.bottom;
    const y1 = oy + m.top;
    const yMax = Math.max(...p.points.flatMap((pt) => [pt.prometheus, pt.victoriametrics]), 0) * 1.1 || 1;
    const sx = (s: number) => (allX.length > 1 && xSpan > 0 ? x0 + ((Math.log10(s) - lx0) / xSpan) * (x1 - x0) : x0);
    const sy = (v: number) => y0 - (Math.max(0, v) / yMax) * (y0 - y1);
    out.push(
      `<g class="panel" data-title="${esc(p.title)}">`,
      `<text x="${ox + pw / 2}" y="${oy + 18}" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`,
      `<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#333"/>`,
      `<line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#333"/>`,
    );
    for (let k = 0; k <= 4; k++) {
      const v = (yMax * k) / 4;
      const y = sy(v);
      out.push(
        `<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#ddd"/>`,
        `<text x="${x0 - 6}" y="${y + 4}" text-anchor="end" font-size="10">${num(v)}</text>`,
      );
    }
    for (const s of [...new Set(p.points.map((pt) => pt.series))]) {
      out.push(`<text x="${sx(s)}" y="${y0 + 15}" text-anchor="middle" font-size="10">${seriesLabel(s)}</text>`);
    }
    out.push(
      `<text class="axis-label" x="${(x0 + x1) / 2}" y="${y0 + 34}" text-anchor="middle">active series (log scale)</text>`,
      `<text class="axis-label" x="${ox + 14}" y="${(y0 + y1) / 2}" text-anchor="middle" transform="rotate(-90 ${ox + 14} ${(y0 + y1) / 2})">${esc(p.unit)}</text>`,
    );
    const sorted = [...p.points].sort((a, b) => a.series - b.series);
    for (const e of ENGINES) {
      const pts = sorted.map((pt) => `${sx(pt.series).toFixed(1)},${sy(pt[e.key]).toFixed(1)}`);
      out.push(`<polyline fill="none" stroke="${e.color}" stroke-width="2" points="${pts.join(' ')}"/>`);
      for (const pt of sorted) {
        out.push(
          `<circle class="point ${e.key}" data-series="${pt.series}" data-value="${pt[e.key]}" cx="${sx(pt.series).toFixed(1)}" cy="${sy(pt[e.key]).toFixed(1)}" r="3.5" fill="${e.color}"><title>${esc(`${e.label}, ${seriesLabel(pt.series)} series: ${num(pt[e.key])} ${p.unit}`)}</title></circle>`,
        );
      }
    }
    out.push('</g>');
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
