/** `ghmon backtest`'s report: a text table per rule set, the comparison with --against, and JSON for other tools. */
import type { BacktestIncident, BacktestReport, IncidentChange } from './run.ts';

const time = (s: number) =>
  new Date(s * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/(:\d\d)\.000Z$/, '$1Z');

function duration(s: number): string {
  const a = Math.abs(s);
  const text =
    a >= 3600
      ? `${Math.floor(a / 3600)}h${Math.round((a % 3600) / 60)}m`
      : a >= 60
        ? `${Math.floor(a / 60)}m${a % 60 ? `${a % 60}s` : ''}`
        : `${a}s`;
  return text;
}

function incidentLine(i: BacktestIncident): string {
  const end = i.end === null ? 'still open at the end' : `${time(i.end)} (${duration(i.end - i.start)})`;
  return `  ${i.kind.padEnd(7)}${time(i.start)} → ${end}  ${(i.service ?? '-').padEnd(12)}${i.alertnames.join(', ')}  [${i.receiver}]`;
}

function changeLine(c: IncidentChange): string {
  const i = (c.ours ?? c.theirs) as BacktestIncident;
  const shift = c.shiftS !== undefined && c.change !== 'same' ? ` by ${duration(c.shiftS)}` : '';
  return `  ${c.change.padEnd(8)}${c.kind.padEnd(7)}${time(i.start)}  ${(c.service ?? '-').padEnd(12)}${i.alertnames.join(', ')}${shift}`;
}

export function backtestText(r: BacktestReport): string[] {
  const lines = [
    `ghmon backtest: ${time(r.from)} → ${time(r.to)}, ${r.samples.toLocaleString('en')} samples of ${r.series.toLocaleString('en')} series, rules evaluated every ${r.step}s`,
  ];
  for (const m of r.missing)
    lines.push(`  warning: no series of ${m.selector} in this history (read by ${m.readers.join(', ')})`);
  const sets = [r.ours, ...(r.against ? [r.against] : [])];
  for (const set of sets) {
    const pages = set.incidents.filter((i) => i.kind === 'page').length;
    const tickets = set.incidents.length - pages;
    lines.push('', `${set.dir}: ${pages} page${pages === 1 ? '' : 's'}, ${tickets} ticket${tickets === 1 ? '' : 's'}`);
    lines.push(...set.incidents.map(incidentLine));
  }
  if (r.changes) {
    const counts = ['added', 'removed', 'earlier', 'later', 'same'].map(
      (k) => `${r.changes?.filter((c) => c.change === k).length ?? 0} ${k}`,
    );
    lines.push('', `${r.ours.dir} compared with ${r.against?.dir}: ${counts.join(', ')}`);
    lines.push(...r.changes.filter((c) => c.change !== 'same').map(changeLine));
  }
  return lines;
}
