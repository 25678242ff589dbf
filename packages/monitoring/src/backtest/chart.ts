/**
 * The backtest as a picture: one timeline over the history's range (UTC), a lane of pages (red) and one of tickets
 * (amber) per rule set (this build, and the `--against` build below it), each incident a bar from its first trigger
 * to its resolve, labelled with its service. `backtest.svg` is the image; `index.html` a self-contained page with the
 * summary, the comparison table and the image inline.
 */
import { escapeXml } from '../replay/chart.ts';
import { backtestText } from './report.ts';
import type { BacktestIncident, BacktestReport, RuleSetOutcome } from './run.ts';

const WIDTH = 1000;
const LABEL_W = 190;
const RIGHT_W = 20;
const PLOT_W = WIDTH - LABEL_W - RIGHT_W;
const LANE_H = 22;
const TOP = 34;
const COLORS = { page: '#d1242f', ticket: '#e8a317', grid: '#e5e7eb', text: '#1f2328', muted: '#656d76' } as const;

/** Tick spacing (seconds) giving at most about ten ticks over `span`. */
function tickStep(span: number): number {
  for (const s of [300, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 2 * 86_400, 7 * 86_400])
    if (span / s <= 10) return s;
  return 14 * 86_400;
}

function tickLabel(t: number, step: number): string {
  const iso = new Date(t * 1000).toISOString();
  return step >= 86_400 ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

interface Lane {
  label: string;
  kind: 'page' | 'ticket';
  incidents: BacktestIncident[];
}

function lanes(report: BacktestReport): Lane[] {
  const sets: RuleSetOutcome[] = [report.ours, ...(report.against ? [report.against] : [])];
  return sets.flatMap((set) =>
    (['page', 'ticket'] as const).map((kind) => ({
      label: `${set.dir.split('/').filter(Boolean).at(-1) ?? set.dir} · ${kind}s`,
      kind,
      incidents: set.incidents.filter((i) => i.kind === kind),
    })),
  );
}

export function backtestSvg(report: BacktestReport): string {
  const all = lanes(report);
  const height = TOP + all.length * LANE_H + 40;
  const span = Math.max(1, report.to - report.from);
  const x = (t: number) => LABEL_W + (Math.min(Math.max(t, report.from), report.to) - report.from) * (PLOT_W / span);
  const parts: string[] = [];
  const step = tickStep(span);
  for (let t = Math.ceil(report.from / step) * step; t <= report.to; t += step) {
    parts.push(
      `<line x1="${x(t).toFixed(1)}" y1="${TOP - 6}" x2="${x(t).toFixed(1)}" y2="${TOP + all.length * LANE_H}" stroke="${COLORS.grid}"/>`,
      `<text x="${x(t).toFixed(1)}" y="${TOP + all.length * LANE_H + 16}" font-size="11" text-anchor="middle" fill="${COLORS.muted}">${escapeXml(tickLabel(t, step))}</text>`,
    );
  }
  all.forEach((lane, i) => {
    const y = TOP + i * LANE_H;
    parts.push(
      `<text x="${LABEL_W - 8}" y="${y + 15}" font-size="12" text-anchor="end" fill="${COLORS.text}">${escapeXml(lane.label)}</text>`,
    );
    for (const inc of lane.incidents) {
      const x0 = x(inc.start);
      const x1 = Math.max(x0 + 2, x(inc.end ?? report.to));
      const title = `${inc.kind} ${inc.service ?? ''}: ${inc.alertnames.join(', ')} ${new Date(inc.start * 1000).toISOString()} → ${inc.end === null ? 'open' : new Date(inc.end * 1000).toISOString()}`;
      parts.push(
        `<rect class="incident ${inc.kind}" x="${x0.toFixed(1)}" y="${y + 3}" width="${(x1 - x0).toFixed(1)}" height="${LANE_H - 6}" fill="${COLORS[inc.kind]}" rx="2"><title>${escapeXml(title)}</title></rect>`,
      );
      if (x1 - x0 > 40)
        parts.push(
          `<text x="${(x0 + 4).toFixed(1)}" y="${y + 15}" font-size="10" fill="#fff">${escapeXml(inc.service ?? '')}</text>`,
        );
    }
  });
  const title = `ghmon backtest ${new Date(report.from * 1000).toISOString()} → ${new Date(report.to * 1000).toISOString()} (UTC)`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" role="img">`,
    `<title>${escapeXml(`${title}: pages and tickets per build`)}</title>`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="${LABEL_W}" y="18" font-size="13" font-weight="600" fill="${COLORS.text}">${escapeXml(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

export function backtestHtml(report: BacktestReport): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ghmon backtest</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#1f2328}pre{background:#f6f8fa;padding:12px;overflow:auto}</style>
</head><body>
<h1>ghmon backtest</h1>
${backtestSvg(report)}
<pre>${escapeXml(backtestText(report).join('\n'))}</pre>
</body></html>
`;
}
