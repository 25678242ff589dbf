/**
 * The replay as a picture: per scenario, a timeline with the incident window shaded and, for ghmon's rules and
 * the seed's, when pages (red) and tickets (amber) were firing. `replay.svg` stacks every timeline in one image;
 * `index.html` is a self-contained page with the figures table, the goals and one inline SVG per scenario.
 */
import { formatTime, type IncidentReport, type RuleSetResult } from './analyse.ts';
import { describeRun, goalSummary, incidentsCell, resolveCell } from './report.ts';
import { type ReplayReport, RULE_SET, type RuleSetId, type ScenarioReport } from './run.ts';
import { formatSeconds } from './scenarios.ts';

const WIDTH = 980;
const LABEL_W = 150;
const RIGHT_W = 110;
const PLOT_W = WIDTH - LABEL_W - RIGHT_W;
const ROW_H = 18;
const ROW_GAP = 4;
const COLORS = {
  page: '#d1242f',
  ticket: '#e8a317',
  incident: '#fbe3e4',
  incidentEdge: '#e9a6aa',
  grid: '#e5e7eb',
  text: '#1f2328',
  muted: '#656d76',
  pass: '#1a7f37',
  miss: '#cf222e',
} as const;

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The four lanes of a timeline: pages and tickets, for ghmon's rules and for the seed's. */
const LANES: { ruleSet: RuleSetId; kind: 'page' | 'ticket'; label: string }[] = [
  { ruleSet: RULE_SET.ours, kind: 'page', label: 'ghmon · pages' },
  { ruleSet: RULE_SET.ours, kind: 'ticket', label: 'ghmon · tickets' },
  { ruleSet: RULE_SET.seed, kind: 'page', label: 'seed · pages' },
  { ruleSet: RULE_SET.seed, kind: 'ticket', label: 'seed · tickets' },
];
const LANE_GAP = 6;

/** Tick spacing (seconds) that gives about eight to twelve ticks. */
function tickStep(span: number): number {
  for (const s of [60, 120, 300, 600, 900, 1800, 3600, 7200]) if (span / s <= 12) return s;
  return 14400;
}

function tickLabel(t: number): string {
  if (t === 0) return 'onset';
  const sign = t < 0 ? '−' : '+';
  const a = Math.abs(t);
  if (a % 3600 === 0) return `${sign}${a / 3600}h`;
  if (a >= 3600) return `${sign}${Math.floor(a / 3600)}h${String((a % 3600) / 60).padStart(2, '0')}`;
  return `${sign}${a / 60}m`;
}

/** The name of an incident's row: its receiver and group labels. */
function incidentRowName(i: IncidentReport): string {
  const labels = Object.entries(i.groupLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return labels ? `${i.receiver} {${labels}}` : i.receiver;
}

/** A lane's rows: one per (receiver, group) that had an incident of its kind (in order of first trigger), or one empty row. */
function laneRows(
  s: ScenarioReport,
  lane: (typeof LANES)[number],
): { name: string | null; incidents: IncidentReport[] }[] {
  const incs = s.results[lane.ruleSet].incidents.filter((i) => i.kind === lane.kind);
  const names = [...new Set(incs.map(incidentRowName))];
  if (names.length === 0) return [{ name: null, incidents: [] }];
  return names.map((n) => ({ name: n, incidents: incs.filter((i) => incidentRowName(i) === n) }));
}

const HEAD_H = 44;
const AXIS_H = 34;

/** The height of one scenario's timeline (it grows with the number of alerts that fired). */
export function timelineHeight(s: ScenarioReport): number {
  const rows = LANES.reduce((n, lane) => n + laneRows(s, lane).length, 0);
  return HEAD_H + rows * (ROW_H + ROW_GAP) + (LANES.length - 1) * LANE_GAP - ROW_GAP + AXIS_H;
}

/** One scenario's timeline as SVG elements, drawn from (0, y). */
export function scenarioTimeline(s: ScenarioReport, report: ReplayReport, y: number): string {
  const from = -report.preOnset;
  const to = s.observe;
  const x = (t: number) => LABEL_W + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * PLOT_W;
  const top = y + HEAD_H;
  const plotH = timelineHeight(s) - HEAD_H - AXIS_H;
  const parts: string[] = [];
  const passes = s.goals.filter((g) => g.ours).length;
  const missed = s.goals.length - passes;
  const verdict =
    s.goals.length === 0
      ? ''
      : `<text x="${WIDTH - 4}" y="${y + 16}" text-anchor="end" font-size="13" font-weight="600" fill="${missed === 0 ? COLORS.pass : COLORS.miss}">ghmon: ${missed === 0 ? 'goals met' : `${missed} goal${missed > 1 ? 's' : ''} missed`}</text>`;
  parts.push(
    `<g class="scenario" data-scenario="${escapeXml(s.id)}">`,
    `<text x="4" y="${y + 16}" font-size="15" font-weight="600" fill="${COLORS.text}">${escapeXml(s.title)} <tspan font-weight="400" fill="${COLORS.muted}">· expected: ${s.expect === 'none' ? 'no page, no ticket' : s.expect}</tspan></text>`,
    verdict,
    `<text x="4" y="${y + 33}" font-size="11.5" fill="${COLORS.muted}">${escapeXml(s.description)}</text>`,
  );
  // Incident window (at least 2 px wide so that a single-interval incident still shows).
  const ix = x(0);
  const iw = Math.max(2, x(s.incidentEnd) - ix);
  parts.push(
    `<rect class="incident" x="${ix.toFixed(1)}" y="${top - 4}" width="${iw.toFixed(1)}" height="${plotH + 8}" fill="${COLORS.incident}" stroke="${COLORS.incidentEdge}" stroke-width="0.5"><title>incident: onset to ${escapeXml(formatSeconds(s.incidentEnd))}</title></rect>`,
  );
  // Grid and axis.
  const step = tickStep(to - from);
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
    const tx = x(t).toFixed(1);
    parts.push(
      `<line x1="${tx}" x2="${tx}" y1="${top - 4}" y2="${top + plotH + 4}" stroke="${t === 0 ? COLORS.text : COLORS.grid}" stroke-width="${t === 0 ? 1 : 0.8}"${t === 0 ? ' stroke-dasharray="3 2"' : ''}/>`,
      `<text x="${tx}" y="${top + plotH + 17}" font-size="10.5" text-anchor="middle" fill="${COLORS.muted}">${tickLabel(t)}</text>`,
    );
  }
  let ry = top;
  for (const lane of LANES) {
    const result: RuleSetResult = s.results[lane.ruleSet];
    const rows = laneRows(s, lane);
    const laneTop = ry;
    const first = lane.kind === 'page' ? result.firstPage : result.firstTicket;
    const falseCount = rows.flatMap((r) => r.incidents).filter((e) => e.false !== undefined).length;
    parts.push(
      `<g class="lane" data-lane="${lane.ruleSet}-${lane.kind}">`,
      `<text x="${LABEL_W - 8}" y="${ry + ROW_H - 5}" font-size="12" text-anchor="end" fill="${COLORS.text}">${lane.label}</text>`,
      `<text x="${LABEL_W + PLOT_W + 8}" y="${ry + ROW_H - 5}" font-size="12" fill="${first === null ? COLORS.muted : COLORS.text}">${first === null ? 'never' : `first ${formatTime(first)}`}${falseCount > 0 ? ` <tspan fill="${COLORS.miss}">${falseCount} false</tspan>` : ''}</text>`,
    );
    for (const row of rows) {
      parts.push(
        `<rect x="${LABEL_W}" y="${ry}" width="${PLOT_W}" height="${ROW_H}" fill="none" stroke="${COLORS.grid}"/>`,
      );
      for (const e of row.incidents) parts.push(incidentBar(e, ry, x, to, lane.kind, s.id));
      if (row.name !== null) parts.push(rowLabel(row.name, row.incidents, ry, x, to));
      ry += ROW_H + ROW_GAP;
    }
    // Goal deadlines (pages within 2:00, a ticket within 10:00) as a green mark on ghmon's lane.
    for (const { goal } of lane.ruleSet === RULE_SET.ours ? s.goals : []) {
      const kind = goal.kind === 'page-within' ? 'page' : goal.kind === 'ticket-within' ? 'ticket' : undefined;
      if (kind !== lane.kind || !('seconds' in goal) || goal.seconds === undefined) continue;
      const gx = x(goal.seconds).toFixed(1);
      parts.push(
        `<line class="goal" x1="${gx}" x2="${gx}" y1="${laneTop - 3}" y2="${ry - ROW_GAP + 3}" stroke="${COLORS.pass}" stroke-width="2"><title>goal: by ${escapeXml(formatSeconds(goal.seconds))} after the onset</title></line>`,
        `<text x="${(Number(gx) + 3).toFixed(1)}" y="${laneTop - 1}" font-size="9.5" fill="${COLORS.pass}">goal</text>`,
      );
    }
    parts.push('</g>');
    ry += LANE_GAP;
  }
  parts.push('</g>');
  return parts.join('\n');
}

function incidentBar(
  e: IncidentReport,
  y: number,
  x: (t: number) => number,
  to: number,
  kind: 'page' | 'ticket',
  scenarioId: string,
): string {
  const x0 = x(e.triggeredAt);
  const x1 = Math.max(x0 + 2, x(e.resolvedAt ?? to));
  const alertsEnd =
    e.alertsResolvedAt === null ? 'still firing at the end' : `resolved at ${formatSeconds(e.alertsResolvedAt)}`;
  const label = `${kind} incident at ${e.receiver} (${e.alertnames.join(', ')}): trigger ${formatSeconds(e.triggeredAt)}, resolve event ${e.resolvedAt === null ? 'not sent' : formatSeconds(e.resolvedAt)}; alerts ${alertsEnd}; ${e.triggers} trigger event${e.triggers === 1 ? '' : 's'}${e.false ? ` — false ${kind}: ${e.false}` : ''}`;
  const fill = e.false ? `url(#false-${kind}-${escapeXml(scenarioId)})` : COLORS[kind];
  // A tick where its alerts stopped firing (the resolve event is the bar's end).
  const mark =
    e.alertsResolvedAt === null || e.resolvedAt === null
      ? ''
      : `<line class="alerts-resolved" x1="${x(e.alertsResolvedAt).toFixed(1)}" x2="${x(e.alertsResolvedAt).toFixed(1)}" y1="${y + 1}" y2="${y + ROW_H - 1}" stroke="${COLORS.text}" stroke-width="1.5"/>`;
  return `<rect class="incident-bar ${kind}" x="${x0.toFixed(1)}" y="${y + 2}" width="${(x1 - x0).toFixed(1)}" height="${ROW_H - 4}" rx="2" fill="${fill}" fill-opacity="0.9"><title>${escapeXml(label)}</title></rect>${mark}`;
}

const CHAR_W = 6.2;

/** The alert's name: inside the first bar wide enough for it, else right of the first bar, else left of it. */
function rowLabel(alertname: string, eps: IncidentReport[], y: number, x: (t: number) => number, to: number): string {
  const width = alertname.length * CHAR_W + 8;
  const bars = eps.map((e) => ({
    e,
    x0: x(e.triggeredAt),
    x1: Math.max(x(e.triggeredAt) + 2, x(e.resolvedAt ?? to)),
  }));
  const inside = bars.find((b) => b.x1 - b.x0 > width);
  const first = bars[0];
  let at: number;
  let fill: string = COLORS.text;
  let anchor = 'start';
  if (inside) {
    at = inside.x0 + 4;
    fill = inside.e.false ? COLORS.text : '#fff';
  } else if (first && first.x1 + width < LABEL_W + PLOT_W) {
    at = first.x1 + 4;
  } else {
    at = (first?.x0 ?? LABEL_W) - 4;
    anchor = 'end';
  }
  const halo = fill === COLORS.text ? ' stroke="#fff" stroke-width="3" paint-order="stroke"' : '';
  return `<text x="${at.toFixed(1)}" y="${y + ROW_H - 5}" font-size="10.5" font-weight="600" fill="${fill}"${halo} text-anchor="${anchor}" pointer-events="none">${escapeXml(alertname)}</text>`;
}

/** Stripe patterns for false pages and tickets, with ids unique to one scenario (several SVGs share a page). */
function defs(scenarioIds: string[]): string {
  return `<defs>${scenarioIds
    .flatMap((id) =>
      (['page', 'ticket'] as const).map(
        (kind) =>
          `<pattern id="false-${kind}-${escapeXml(id)}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="${COLORS[kind]}" fill-opacity="0.35"/><rect width="3" height="6" fill="${COLORS[kind]}"/></pattern>`,
      ),
    )
    .join('')}</defs>`;
}

function legend(y: number): string {
  const item = (x: number, fill: string, text: string, extra = '') =>
    `<rect x="${x}" y="${y}" width="14" height="10" rx="2" fill="${fill}"${extra}/><text x="${x + 19}" y="${y + 9}" font-size="11.5" fill="${COLORS.muted}">${text}</text>`;
  return [
    item(4, COLORS.incident, 'incident window', ` stroke="${COLORS.incidentEdge}"`),
    item(130, COLORS.page, 'page incident, trigger to resolve'),
    item(345, COLORS.ticket, 'ticket incident'),
    item(480, 'url(#false-page-legend)', 'striped: false'),
    `<line x1="590" x2="590" y1="${y}" y2="${y + 10}" stroke="${COLORS.text}" stroke-width="1.5"/><text x="596" y="${y + 9}" font-size="11.5" fill="${COLORS.muted}">its alerts resolved</text>`,
  ].join('');
}

/** All timelines in one SVG image. */
export function replaySvg(report: ReplayReport): string {
  const headH = 74;
  const offsets: number[] = [];
  let height = headH;
  for (const s of report.scenarios) {
    offsets.push(height);
    height += timelineHeight(s) + 12;
  }
  const sum = goalSummary(report);
  const body = report.scenarios.map((s, i) => scenarioTimeline(s, report, offsets[i] as number)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" class="replay" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" role="img">
<title>ghmon replay: pages and tickets per incident scenario, ghmon's rules vs the seed's (goals met: ghmon ${sum.met} of ${sum.total}, the seed ${sum.seedMet} of ${sum.seedTotal})</title>
${defs([...report.scenarios.map((s) => s.id), 'legend'])}
<rect width="100%" height="100%" fill="#fff"/>
<text x="4" y="20" font-size="18" font-weight="700" fill="${COLORS.text}">ghmon replay: notifications from ghmon's rules and Alertmanager vs the seed's, same incidents</text>
<text x="4" y="38" font-size="12.5" fill="${COLORS.text}">Goals of issue 4 met: ghmon ${sum.met} of ${sum.total}, the seed ${sum.seedMet} of ${sum.seedTotal}. Times are after the onset of each incident.</text>
<text x="4" y="54" font-size="11" fill="${COLORS.muted}">${escapeXml(describeRun(report))}</text>
${legend(60)}
${body}
</svg>
`;
}

function timelineSvg(s: ScenarioReport, report: ReplayReport): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" data-scenario="${escapeXml(s.id)}" width="${WIDTH}" height="${timelineHeight(s)}" viewBox="0 0 ${WIDTH} ${timelineHeight(s)}" role="img" aria-label="${escapeXml(`${s.title}: timeline of pages and tickets`)}">
${defs([s.id])}
${scenarioTimeline(s, report, 0)}
</svg>`;
}

function cell(t: number | null, good: boolean | undefined): string {
  const cls = good === undefined ? '' : good ? ' class="good"' : ' class="bad"';
  return `<td${cls}>${formatTime(t)}</td>`;
}

function sampling(report: ReplayReport, id: RuleSetId): string {
  const step = report.ruleSets.find((r) => r.id === id)?.step;
  return step === undefined ? '' : `, ${step % 60 === 0 ? `${step / 60}m` : `${step}s`} samples`;
}

/** The self-contained page: table, goals, one timeline per scenario. */
export function replayHtml(report: ReplayReport): string {
  const sum = goalSummary(report);
  const rows = report.scenarios
    .map((s) => {
      const o = s.results.ours;
      const d = s.results.seed;
      const pageGood = (r: RuleSetResult) => (s.expect === 'page' ? r.firstPage !== null : r.pages === 0);
      const ticketGood = (r: RuleSetResult) => (s.expect === 'ticket' ? r.firstTicket !== null : undefined);
      const incidents = (r: RuleSetResult) =>
        `<td${r.falsePages || r.falseTickets ? ' class="bad"' : ''}>${escapeXml(incidentsCell(r))}</td>`;
      const resolve = (r: RuleSetResult) => {
        const text = resolveCell(r);
        const good = r.pages === 0 ? undefined : r.unresolvedPages === 0 && (r.resolveLag ?? 0) <= 60;
        return `<td${good === undefined ? '' : good ? ' class="good"' : ' class="bad"'}>${escapeXml(text)}</td>`;
      };
      return `<tr><td><a href="#${escapeXml(s.id)}">${escapeXml(s.title)}</a></td><td>${s.expect}</td>${cell(o.firstPage, pageGood(o))}${cell(o.firstTicket, ticketGood(o))}${incidents(o)}${resolve(o)}${cell(d.firstPage, pageGood(d))}${cell(d.firstTicket, ticketGood(d))}${incidents(d)}${resolve(d)}</tr>`;
    })
    .join('\n');
  const goals = report.scenarios
    .flatMap((s) => s.goals)
    .map(
      (g) =>
        `<li class="${g.ours ? 'pass' : 'miss'}"><b>${g.ours ? 'PASS' : 'MISS'}</b> ${escapeXml(g.text)} <span class="detail">— ${escapeXml(g.detail)}${g.seed === null ? '' : `; the seed: ${g.seed ? 'PASS' : 'MISS'}`}</span></li>`,
    )
    .join('\n');
  const sections = report.scenarios
    .map((s) => `<section id="${escapeXml(s.id)}" class="scenario">\n${timelineSvg(s, report)}\n</section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ghmon replay</title>
<style>
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1f2328; margin: 24px auto; max-width: 1000px; padding: 0 12px; }
h1 { font-size: 22px; margin: 0 0 4px; }
p.meta { color: #656d76; font-size: 13px; margin: 0 0 16px; }
table { border-collapse: collapse; font-size: 13.5px; margin: 8px 0 16px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e5e7eb; text-align: left; font-variant-numeric: tabular-nums; }
th.group { text-align: center; border-bottom: 2px solid #d0d7de; }
td.good { color: #1a7f37; font-weight: 600; }
td.bad { color: #cf222e; font-weight: 600; }
ul.goals { list-style: none; padding: 0; font-size: 13.5px; }
ul.goals li { margin: 3px 0; }
ul.goals li.pass b { color: #1a7f37; }
ul.goals li.miss b { color: #cf222e; }
.detail { color: #656d76; }
section.scenario { margin: 10px 0 6px; }
svg.timeline { max-width: 100%; height: auto; font-family: inherit; }
.legend span { display: inline-block; margin-right: 16px; font-size: 12.5px; color: #656d76; }
.legend i { display: inline-block; width: 14px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
</style>
</head>
<body>
<h1>ghmon replay: notifications from ghmon's rules vs the seed's, same incidents</h1>
<p class="meta">${escapeXml(describeRun(report))}</p>
<table>
<thead>
<tr><th colspan="2"></th><th class="group" colspan="4">ghmon (out/)${sampling(report, RULE_SET.ours)}</th><th class="group" colspan="4">seed (verbatim)${sampling(report, RULE_SET.seed)}</th></tr>
<tr><th>scenario</th><th>expected</th><th>page</th><th>ticket</th><th>incidents</th><th>resolve</th><th>page</th><th>ticket</th><th>incidents</th><th>resolve</th></tr>
</thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Goals: ghmon meets ${sum.met} of ${sum.total} (the seed ${sum.seedMet} of ${sum.seedTotal})</h2>
<ul class="goals">
${goals}
</ul>
<h2>Timelines</h2>
<p class="meta">Times are from the onset to the trigger event at the receiver (PagerDuty), through Alertmanager's grouping, timers and inhibition; incidents: p pages, t tickets at the receiver, (n!) false; resolve: the slowest page resolve event after its alerts resolved.</p>
<p class="legend"><span><i style="background:${COLORS.incident};border:1px solid ${COLORS.incidentEdge}"></i>incident window</span><span><i style="background:${COLORS.page}"></i>page incident (trigger to resolve event)</span><span><i style="background:${COLORS.ticket}"></i>ticket incident</span><span><i style="background:repeating-linear-gradient(45deg,${COLORS.page} 0 3px,#f0b8bb 3px 6px)"></i>striped: false page or ticket</span></p>
${sections}
</body>
</html>
`;
}
