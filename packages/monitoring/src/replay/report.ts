/** The replay's text output: one progress line per scenario, the figures table, the goals. */
import { formatTime } from './analyse.ts';
import type { ReplayReport, RuleSetReport, ScenarioReport } from './run.ts';

function figures(r: ScenarioReport['results']['ours']): string {
  return `page ${formatTime(r.firstPage)}, ticket ${formatTime(r.firstTicket)}${r.falsePages ? `, ${r.falsePages} false page${r.falsePages > 1 ? 's' : ''}` : ''}`;
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
      `  ${r.label} rules: alerts read up to ${duration(r.longestRange)} of history; ${duration(r.warmup)} of healthy traffic before each onset, sampled every ${duration(r.step)}`,
  );
  if (sets.some((r) => r.warmup >= 86400)) {
    lines.push(
      '  (a day or more of warm-up per scenario: this takes minutes; --warmup 1h is quicker and less faithful)',
    );
  }
  return lines;
}

/** One line on how the replay sampled each rule set. */
export function describeRun(report: ReplayReport): string {
  const sets = report.ruleSets
    .map((r) => `${r.label}: samples every ${duration(r.step)}, ${duration(r.warmup)} healthy before the onset`)
    .join('; ');
  return `${sets}. Incidents hit service "${report.incidentService}". ${report.promtool.replace(/,? \(.*$/, '')}.`;
}

/** The figures: per scenario, time from the onset to the first page and first ticket, and false pages. */
export function figuresTable(report: ReplayReport): string {
  const head = ['scenario', 'expected', 'page', 'ticket', 'false pages', 'page', 'ticket', 'false pages'];
  const rows = report.scenarios.map((s) => [
    s.id,
    s.expect,
    formatTime(s.results.ours.firstPage),
    formatTime(s.results.ours.firstTicket),
    String(s.results.ours.falsePages),
    formatTime(s.results.seed.firstPage),
    formatTime(s.results.seed.firstTicket),
    String(s.results.seed.falsePages),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const cell = (r: string[], i: number) => (r[i] as string).padEnd(widths[i] as number);
  const line = (r: string[]) =>
    `${cell(r, 0)}  ${cell(r, 1)} | ${cell(r, 2)}  ${cell(r, 3)}  ${cell(r, 4)} | ${cell(r, 5)}  ${cell(r, 6)}  ${cell(r, 7)}`.trimEnd();
  const left = (widths[0] as number) + (widths[1] as number) + 2;
  const ours = (widths[2] as number) + (widths[3] as number) + (widths[4] as number) + 4;
  const every = (id: string) => {
    const r = report.ruleSets.find((x) => x.id === id);
    return r ? `, ${duration(r.step)} samples` : '';
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
    'Time from the onset to the first page (critical) and first ticket (warning); "never" within the watched window.',
    'False pages: pages in a scenario that should not page, before the onset, or the same alert paging again.',
    '',
    figuresTable(report),
    '',
    `Goals (issue 4): ghmon meets ${sum.met} of ${sum.total}; the seed ${sum.seedMet} of ${sum.seedTotal}.`,
    ...goalLines(report),
  ].join('\n');
}
