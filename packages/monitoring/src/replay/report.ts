/** The replay's text output: one progress line per scenario, the figures table, the goals. */
import { formatTime, type RuleSetResult } from './analyse.ts';
import type { ReplayReport, RuleSetReport, ScenarioReport } from './run.ts';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function figures(r: RuleSetResult): string {
  return `page ${formatTime(r.firstPage)}, ticket ${formatTime(r.firstTicket)}, ${plural(r.pages, 'page incident')}${r.falsePages ? ` (${r.falsePages} false)` : ''}`;
}

/** The resolve column: the slowest page resolve after its alert resolved; `open` when one was not resolved. */
export function resolveCell(r: RuleSetResult): string {
  if (r.pages === 0) return '-';
  if (r.unresolvedPages > 0) {
    const stillFiring = r.incidents.some((i) => i.kind === 'page' && i.alertsResolvedAt === null);
    return stillFiring ? 'firing' : 'open';
  }
  return r.resolveLag === null ? '-' : `+${formatTime(r.resolveLag)}`;
}

/** Page and ticket incidents, with the false ones: `1p 0t`, `2p (1 false) 1t`. */
export function incidentsCell(r: RuleSetResult): string {
  const f = (n: number, false_: number, k: string) => `${n}${k}${false_ ? `(${false_}!)` : ''}`;
  return `${f(r.pages, r.falsePages, 'p')} ${f(r.tickets, r.falseTickets, 't')}`;
}

export function progressLine(s: ScenarioReport, done: number, total: number): string {
  const n = String(done).padStart(String(total).length);
  return `  [${n}/${total}] ${s.id.padEnd(18)} ghmon: ${figures(s.results.ours)} · seed: ${figures(s.results.seed)}`;
}

function duration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** What the replay is about to do for each rule set, and a warning when that takes minutes. */
export function planLines(sets: readonly RuleSetReport[]): string[] {
  const lines = sets.map(
    (r) =>
      `  ${r.label} rules: alerts read up to ${duration(r.longestRange)} of history, pages ${duration(r.pageRange)}; ${duration(r.warmup)} of healthy traffic before each onset, sampled every ${duration(r.step)}; notifications through ${r.alertmanager}`,
  );
  if (sets.some((r) => r.warmup >= 6 * 3600)) {
    lines.push(
      '  (hours of warm-up per scenario at 15s: this takes minutes; --warmup 1h is quicker and less faithful)',
    );
  }
  return lines;
}

/** One line on how the replay sampled each rule set. */
export function describeRun(report: ReplayReport): string {
  const sets = report.ruleSets
    .map(
      (r) =>
        `${r.label}: samples every ${duration(r.step)}, ${duration(r.warmup)} healthy before the onset, routed by ${r.alertmanager} (${r.routesChecked} label sets checked with amtool)`,
    )
    .join('; ');
  return `${sets}. Incidents hit service "${report.incidentService}". ${report.promtool.replace(/,? \(.*$/, '')}.`;
}

/**
 * The figures: per scenario and rule set, time from the onset to the first page and ticket trigger event at the
 * receiver, page and ticket incidents (false ones marked), and how long after its alert a page resolved.
 */
export function figuresTable(report: ReplayReport): string {
  const sub = ['page', 'ticket', 'incidents', 'resolve'];
  const head = ['scenario', 'expected', ...sub, ...sub];
  const cells = (r: RuleSetResult) => [
    formatTime(r.firstPage),
    formatTime(r.firstTicket),
    incidentsCell(r),
    resolveCell(r),
  ];
  const rows = report.scenarios.map((s) => [s.id, s.expect, ...cells(s.results.ours), ...cells(s.results.seed)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const cell = (r: string[], i: number) => (r[i] as string).padEnd(widths[i] as number);
  const span = (r: string[], from: number) => [0, 1, 2, 3].map((k) => cell(r, from + k)).join('  ');
  const line = (r: string[]) => `${cell(r, 0)}  ${cell(r, 1)} | ${span(r, 2)} | ${span(r, 6)}`.trimEnd();
  const left = (widths[0] as number) + (widths[1] as number) + 2;
  const ours = [2, 3, 4, 5].reduce((n, i) => n + (widths[i] as number), 0) + 6;
  const every = (id: string) => {
    const r = report.ruleSets.find((x) => x.id === id);
    return r ? `, ${duration(r.step)}` : '';
  };
  const title = `${''.padEnd(left)} | ${`ghmon (out/${every('ours')})`.padEnd(ours)} | seed (verbatim${every('seed')})`;
  return [title, line(head), line(head.map((h) => '-'.repeat(h.length))), ...rows.map(line)].join('\n');
}

export function goalLines(report: ReplayReport): string[] {
  const goals = report.scenarios.flatMap((s) => s.goals);
  const width = Math.max(...goals.map((g) => g.text.length));
  return goals.map(
    (g) =>
      `  ${g.ours ? 'PASS' : 'MISS'}  ${g.text.padEnd(width)}  ${g.detail}${g.seed === null ? '' : ` (seed: ${g.seed ? 'PASS' : 'MISS'})`}`,
  );
}

export function goalSummary(report: ReplayReport): { met: number; total: number; seedMet: number; seedTotal: number } {
  const goals = report.scenarios.flatMap((s) => s.goals);
  const seedGoals = goals.filter((g) => g.seed !== null);
  return {
    met: goals.filter((g) => g.ours).length,
    total: goals.length,
    seedMet: seedGoals.filter((g) => g.seed).length,
    seedTotal: seedGoals.length,
  };
}

/** The whole text report, as `ghmon replay` prints it after the progress lines. */
export function textReport(report: ReplayReport): string {
  const sum = goalSummary(report);
  return [
    'Notifications, as Alertmanager sends them (grouping, group_wait/group_interval, inhibition) from the alerts promtool',
    'fired: time from the onset to the first page (critical) and ticket (warning) trigger event at the receiver, "never"',
    'within the watched window; incidents at the receiver (one per dedup key from trigger to resolve), p pages and t',
    'tickets, (n!) of them false (not expected, before the onset, or a second page incident); resolve: the slowest page',
    'resolve event after its alert resolved (firing: an alert still firing at the end; open: not resolved).',
    '',
    figuresTable(report),
    '',
    `Goals (issue 4): ghmon meets ${sum.met} of ${sum.total}; the seed ${sum.seedMet} of ${sum.seedTotal}.`,
    ...goalLines(report),
  ].join('\n');
}
