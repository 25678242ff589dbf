/**
 * Rule parity between engines: the replay's scenarios run a second time on VictoriaMetrics' engine. Each scenario's
 * input series (the very ones promtool reads: generateSeries, same targets and timeline) are imported into a fresh
 * VictoriaMetrics single node, `vmalert -replay` evaluates out/victoriametrics/rules/ over them, and the firing
 * intervals it writes (`ALERTS{alertstate="firing"}`) become episodes through the replay's own alertEpisodes. Per
 * alert, the first firing time and the end of the last episode on each engine are compared: equal within one
 * evaluation interval is parity; anything else is a difference, with the cause the rule's features point at.
 *
 * Everything runs on the real binaries (Debian's victoria-metrics and vmalert 1.79), on 127.0.0.1, in temp dirs, on
 * the VictoriaMetrics engine of vm-engine.ts (shared with ghmon backtest).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { OUT } from '../conventions.ts';
import { VM_FILES } from '../model/scale.ts';
import { UserError } from '../util/errors.ts';
import { findBinary, runTool } from '../util/tool.ts';
import { alertEpisodes, type Episode } from './analyse.ts';
import type { FiredAlert } from './promtool-output.ts';
import { parseLabels } from './promtool-output.ts';
import { loadRuleSet, mentions, parseDuration } from './ruleset.ts';
import { PRE_ONSET, type ReplayRun, runReplay } from './run.ts';
import { SCENARIOS, type Scenario } from './scenarios.ts';
import {
  defaultTargets,
  generateSeries,
  type InputSeries,
  type Sample,
  type Targets,
  type Timeline,
  targetsFromPrometheusConfig,
  withPushServices,
} from './series.ts';
import { firingSamples, VictoriaMetrics, vmalertReplay } from './vm-engine.ts';

/** Why an alert behaves differently on the two engines (see PARITY_CAUSES for the sentence each stands for). */
export type ParityCause =
  | 'keep_firing_for'
  | 'self-metrics'
  | 'staleness'
  | 'absent'
  | 'range-functions'
  | 'for'
  | 'unexplained';

/** What each cause means, as the report and docs/scaling-parity.md say it. */
export const PARITY_CAUSES: Record<ParityCause, string> = {
  keep_firing_for:
    'keep_firing_for is not supported by vmalert 1.79 (ghmon removes it from the vmalert copy): the alert resolves as soon as its condition stops holding, and may fire again',
  'self-metrics':
    'the rule reads prometheus_* self-metrics, which only a Prometheus server has (no series in either replay; on the VM path they would come from vmalert/vmagent under other names)',
  staleness:
    'staleness: the scenario has stale markers (a target going down), which the JSON import cannot carry; VictoriaMetrics ends a series after a gap instead',
  absent: 'absent(): VictoriaMetrics decides a series is missing with its own lookback, not after Prometheus’ 5m',
  'range-functions':
    'MetricsQL range functions: rate()/increase() do not extrapolate to the window’s edges and read the last sample before the window; a [range] window excludes the sample exactly at its start, which Prometheus 2.42 includes: a threshold can be crossed one or more evaluations apart',
  for: 'for: vmalert’s replay counts the pending time from the first point of each unbroken run of results in its range query, Prometheus from the first evaluation the condition held: the same unless the results have gaps',
  unexplained: 'no rule feature explains it: read both engines’ series by hand',
};

/** One alert (by name) in one scenario on one engine; times from the onset, seconds. */
export interface EngineFiring {
  /** First time it fired in the watched window (from PRE_ONSET before the onset); null for never. */
  firstFire: number | null;
  /** End of its last episode (first checked time it no longer fired); null if it never fired or still fired at the end. */
  lastEnd: number | null;
  episodes: number;
}

export interface ParityDifference {
  what: 'first-fire' | 'resolve' | 'episodes';
  cause: ParityCause;
  detail: string;
}

export interface AlertParity {
  alertname: string;
  promtool: EngineFiring;
  victoriametrics: EngineFiring;
  /** VictoriaMetrics' first fire minus promtool's, seconds; null when one of them never fired. */
  firstFireDelta: number | null;
  /** Both fired, and first fired within one evaluation interval of each other. */
  parity: boolean;
  differences: ParityDifference[];
}

export interface ScenarioParity {
  id: string;
  title: string;
  step: number;
  warmup: number;
  observe: number;
  alerts: AlertParity[];
}

export interface ParityReport {
  version: 1;
  /** When it ran (ISO 8601). */
  date: string;
  victoriaMetrics: string;
  vmalert: string;
  promtool: string;
  scenarios: ScenarioParity[];
}

/** What the comparison needs to know of each alert, read from out/prometheus/rules (with its recording chain). */
export interface AlertRuleInfo {
  /** keep_firing_for in prometheus/rules/, seconds (0 if unset). */
  keepFiringFor: number;
  /** `for`, seconds. */
  for: number;
  /** The alert's expressions and those of the recording rules they read, through chains. */
  exprs: string[];
}

export interface ParityOptions {
  /** The output directory of `ghmon build` with `scale` (needs prometheus/rules and victoriametrics/rules). */
  outDir: string;
  scenarios?: readonly Scenario[];
  /** promtool's run of the same scenarios (runReplay on the same outDir); run here when not given. */
  replay?: ReplayRun;
  /** Healthy time before each onset, seconds, passed to runReplay (its default otherwise). */
  warmup?: number;
  /** Called as each scenario is compared. */
  onScenario?: (s: ScenarioParity) => void;
}

const RULE_FILE = /\.ya?ml$/;

function ruleFilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => RULE_FILE.test(f))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

interface RawRule {
  record?: string;
  alert?: string;
  expr?: string | number;
  for?: string;
  keep_firing_for?: string;
  [k: string]: unknown;
}
interface RawGroup {
  name: string;
  rules?: RawRule[];
  [k: string]: unknown;
}

function readGroups(file: string): RawGroup[] {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { groups?: RawGroup[] } | null;
  return doc?.groups ?? [];
}

/** Per alert name: keep_firing_for, for and the expressions it reads, from Prometheus rule files. */
export function alertRuleInfo(files: readonly string[]): Map<string, AlertRuleInfo> {
  const rules = files.flatMap((f) => readGroups(f).flatMap((g) => g.rules ?? []));
  const records = new Map<string, string[]>();
  for (const r of rules) {
    if (r.record !== undefined) records.set(r.record, [...(records.get(r.record) ?? []), String(r.expr ?? '')]);
  }
  const chain = (expr: string): string[] => {
    const seen = new Set<string>();
    const out = [expr];
    for (let i = 0; i < out.length; i++) {
      for (const [name, exprs] of records) {
        if (seen.has(name) || !mentions(out[i] as string, name)) continue;
        seen.add(name);
        out.push(...exprs);
      }
    }
    return out;
  };
  const info = new Map<string, AlertRuleInfo>();
  for (const r of rules) {
    if (r.alert === undefined) continue;
    const prev = info.get(r.alert);
    const exprs = chain(String(r.expr ?? ''));
    info.set(r.alert, {
      keepFiringFor: Math.max(prev?.keepFiringFor ?? 0, parseDuration(r.keep_firing_for ?? '0s') ?? 0),
      for: Math.max(prev?.for ?? 0, parseDuration(r.for ?? '0s') ?? 0),
      exprs: [...(prev?.exprs ?? []), ...exprs],
    });
  }
  return info;
}

/**
 * Rule files split into levels for vmalert's replay: level 0 reads only input series, level n reads recordings of
 * levels below. vmalert replays rule by rule over the whole range, so a rule must only run once everything it
 * reads is written and flushed (vmalert's `-replay.rulesDelay` only waits, and only within a group).
 * Groups keep their name and fields; a group appears in each level it has rules in.
 */
export function ruleLevels(files: readonly string[]): { file: string; groups: RawGroup[] }[][] {
  const parsed = files.map((file) => ({ file, groups: readGroups(file) }));
  const all = parsed.flatMap((p) => p.groups.flatMap((g) => g.rules ?? []));
  const recordNames = [...new Set(all.flatMap((r) => (r.record === undefined ? [] : [r.record])))];
  const level = new Map<RawRule, number>(all.map((r) => [r, 0]));
  const recordLevel = (name: string) =>
    Math.max(0, ...all.filter((r) => r.record === name).map((r) => level.get(r) ?? 0));
  // Relax until stable; a cycle (which Prometheus would also evaluate with a lag) stops at the number of rules.
  for (let pass = 0; pass < all.length; pass++) {
    let changed = false;
    for (const r of all) {
      const expr = String(r.expr ?? '');
      const reads = recordNames.filter((n) => n !== r.record && mentions(expr, n));
      const l = reads.length === 0 ? 0 : 1 + Math.max(...reads.map(recordLevel));
      if (l !== level.get(r)) {
        level.set(r, l);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const depth = Math.max(0, ...level.values());
  const levels: { file: string; groups: RawGroup[] }[][] = [];
  for (let l = 0; l <= depth; l++) {
    const files = parsed
      .map((p) => ({
        file: p.file,
        groups: p.groups
          .map((g) => ({ ...g, rules: (g.rules ?? []).filter((r) => level.get(r) === l) }))
          .filter((g) => g.rules.length > 0),
      }))
      .filter((p) => p.groups.length > 0);
    if (files.length > 0) levels.push(files);
  }
  return levels;
}

/** promtool's expanding notation back to samples (the inverse of series.ts' encodeSamples). */
export function decodeSamples(values: string): Sample[] {
  const out: Sample[] = [];
  for (const part of values.trim().split(/\s+/)) {
    if (part === '') continue;
    if (part === 'stale') {
      out.push('stale');
      continue;
    }
    const blank = /^_(?:x(\d+))?$/.exec(part);
    if (blank) {
      for (let i = 0; i < Number(blank[1] ?? 1); i++) out.push(null);
      continue;
    }
    const run = /^(-?\d+(?:\.\d+)?)([+-])(\d+(?:\.\d+)?)x(\d+)$/.exec(part);
    if (run) {
      const start = Number(run[1]);
      const d = Number(run[3]) * (run[2] === '-' ? -1 : 1);
      // Added step by step, as promtool expands it.
      let v = start;
      out.push(v);
      for (let i = 0; i < Number(run[4]); i++) {
        v += d;
        out.push(v);
      }
      continue;
    }
    const n = Number(part);
    if (Number.isNaN(n)) throw new Error(`unreadable sample ${JSON.stringify(part)} in ${values.slice(0, 80)}`);
    out.push(n);
  }
  return out;
}

/** One input series as a VictoriaMetrics JSON import line, sample i at `start + i * step` (seconds). */
export function importLine(series: InputSeries, start: number, step: number): string | undefined {
  const brace = series.series.indexOf('{');
  const name = brace < 0 ? series.series : series.series.slice(0, brace);
  const labels = brace < 0 ? {} : parseLabels(series.series.slice(brace));
  const values: number[] = [];
  const timestamps: number[] = [];
  decodeSamples(series.values).forEach((s, i) => {
    // Stale markers and gaps: no sample (the JSON import has no way to write a stale marker).
    if (typeof s !== 'number') return;
    values.push(s);
    timestamps.push((start + i * step) * 1000);
  });
  if (values.length === 0) return undefined;
  return JSON.stringify({ metric: { __name__: name, ...labels }, values, timestamps });
}

function firing(episodes: readonly Episode[], alertname: string): EngineFiring {
  const mine = episodes.filter((e) => e.alertname === alertname);
  if (mine.length === 0) return { firstFire: null, lastEnd: null, episodes: 0 };
  const still = mine.some((e) => e.end === null);
  return {
    firstFire: Math.min(...mine.map((e) => e.start)),
    lastEnd: still ? null : Math.max(...mine.map((e) => e.end as number)),
    episodes: mine.length,
  };
}

const fmt = (t: number | null) =>
  t === null
    ? 'never'
    : `${t < 0 ? '-' : ''}${Math.floor(Math.abs(t) / 60)}:${String(Math.abs(t) % 60).padStart(2, '0')}`;
/** The end of an alert's last episode as the report prints it. */
const fmtEnd = (f: EngineFiring) => (f.firstFire === null ? '–' : f.lastEnd === null ? 'still firing' : fmt(f.lastEnd));

/** The cause a difference points at, from the alert's rules and the scenario's series. */
export function causeOf(
  what: ParityDifference['what'],
  prom: EngineFiring,
  vm: EngineFiring,
  info: AlertRuleInfo | undefined,
  scenarioHasStale: boolean,
): ParityCause {
  const exprs = info?.exprs ?? [];
  const vmStopsEarlier =
    (what === 'resolve' && vm.lastEnd !== null && (prom.lastEnd === null || vm.lastEnd < prom.lastEnd)) ||
    (what === 'episodes' && vm.episodes > prom.episodes);
  if ((info?.keepFiringFor ?? 0) > 0 && vmStopsEarlier) return 'keep_firing_for';
  if (exprs.some((e) => /\bprometheus_[a-z_]+/.test(e))) return 'self-metrics';
  if (scenarioHasStale) return 'staleness';
  if (exprs.some((e) => /\babsent(_over_time)?\s*\(/.test(e))) return 'absent';
  if (exprs.some((e) => /\[[0-9a-z]+\]/.test(e))) return 'range-functions';
  if ((info?.for ?? 0) > 0) return 'for';
  return 'unexplained';
}

/**
 * Per alert that fired on either engine: first fire and last resolve on each, and the differences beyond one
 * evaluation interval (`step`), each with its cause.
 */
export function compareEngines(
  prom: readonly Episode[],
  vm: readonly Episode[],
  step: number,
  info: ReadonlyMap<string, AlertRuleInfo>,
  scenarioHasStale = false,
): AlertParity[] {
  const names = [...new Set([...prom, ...vm].map((e) => e.alertname))].sort();
  return names.map((alertname) => {
    const p = firing(prom, alertname);
    const v = firing(vm, alertname);
    const delta = p.firstFire === null || v.firstFire === null ? null : v.firstFire - p.firstFire;
    const differences: ParityDifference[] = [];
    const add = (what: ParityDifference['what'], detail: string) =>
      differences.push({ what, detail, cause: causeOf(what, p, v, info.get(alertname), scenarioHasStale) });
    if (delta === null || Math.abs(delta) > step) {
      add('first-fire', `first fire: promtool ${fmt(p.firstFire)}, vmalert ${fmt(v.firstFire)}`);
    }
    if (p.firstFire !== null && v.firstFire !== null) {
      const resolvesApart =
        (p.lastEnd === null) !== (v.lastEnd === null) ||
        (p.lastEnd !== null && v.lastEnd !== null && Math.abs(p.lastEnd - v.lastEnd) > step);
      if (resolvesApart) add('resolve', `resolved: promtool ${fmtEnd(p)}, vmalert ${fmtEnd(v)}`);
      if (p.episodes !== v.episodes) add('episodes', `episodes: promtool ${p.episodes}, vmalert ${v.episodes}`);
    }
    return {
      alertname,
      promtool: p,
      victoriametrics: v,
      firstFireDelta: delta,
      parity: delta !== null && Math.abs(delta) <= step,
      differences,
    };
  });
}

/** The installed Debian package's version (VictoriaMetrics' `-version` prints nothing in 1.79; vmalert is in it too). */
async function packageVersion(pkg: string): Promise<string> {
  const dpkg = findBinary('dpkg-query');
  if (!dpkg) return 'unknown';
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a JS template.
  const r = await runTool(dpkg, ['-W', '-f=${Version}', pkg]);
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : 'unknown';
}

/** The targets the replay generates series for (as runReplay finds them in out/). */
function replayTargets(outDir: string): Targets {
  let targets = defaultTargets();
  try {
    targets =
      targetsFromPrometheusConfig(readFileSync(join(outDir, ...OUT.prometheusConfig.split('/')), 'utf8')) ?? targets;
  } catch {
    // No prometheus.yml: the default targets, as the replay.
  }
  const rules = ruleFilesIn(join(outDir, ...OUT.rulesDir.split('/')));
  return withPushServices(targets, loadRuleSet('ours', 'ghmon', rules).services);
}

/** What must be installed and built before a parity run; throws a UserError naming what to do. */
export function parityPrerequisites(
  outDir: string,
  find: (name: string) => string | undefined = findBinary,
): {
  victoriaMetrics: string;
  vmalert: string;
  vmRules: string[];
  promRules: string[];
} {
  const victoriaMetrics = find('victoria-metrics');
  const vmalert = find('vmalert');
  if (!victoriaMetrics || !vmalert) {
    throw new UserError(
      `${!victoriaMetrics ? 'victoria-metrics' : 'vmalert'} not found: install Debian's victoria-metrics package (npm run setup does)`,
    );
  }
  const vmRules = ruleFilesIn(join(outDir, ...VM_FILES.rulesDir.split('/')));
  if (vmRules.length === 0) {
    throw new UserError(
      `no vmalert rule files in ${join(outDir, VM_FILES.rulesDir)}: add a \`scale\` block to monitoring.config.ts and run \`ghmon build\``,
    );
  }
  const promRules = ruleFilesIn(join(outDir, ...OUT.rulesDir.split('/')));
  if (promRules.length === 0) {
    throw new UserError(`no rule files in ${join(outDir, OUT.rulesDir)}: run \`ghmon build\` first`);
  }
  return { victoriaMetrics, vmalert, vmRules, promRules };
}

/**
 * vmalert's episodes for one scenario: the series imported into a fresh VictoriaMetrics, the rules replayed level
 * by level (each level flushed before the next reads it), ALERTS{alertstate="firing"} read back sample by sample.
 */
export async function vmalertEpisodes(
  scenario: Scenario,
  series: readonly InputSeries[],
  timeline: Timeline,
  bins: { victoriaMetrics: string; vmalert: string; vmRules: readonly string[] },
): Promise<Episode[]> {
  const { step, warmup } = timeline;
  const length = warmup + scenario.observe;
  // The last sample an hour ago, the first on a whole hour (VictoriaMetrics aligns range queries to the step).
  const start = Math.floor((Date.now() / 1000 - 3600 - length) / 3600) * 3600;
  const end = start + length;
  const vm = await VictoriaMetrics.start(bins.victoriaMetrics);
  try {
    const lines = series.map((s) => importLine(s, start, step)).filter((l): l is string => l !== undefined);
    for (let i = 0; i < lines.length; i += 50) await vm.importLines(lines.slice(i, i + 50));
    await vmalertReplay(
      bins.vmalert,
      vm,
      ruleLevels(bins.vmRules),
      { from: start, to: end, step },
      `scenario ${scenario.id}`,
    );
    const fired: FiredAlert[] = (await firingSamples(vm, start, end)).map((f) => ({
      alertname: f.labels.alertname ?? '',
      time: f.time - start,
      labels: f.labels,
    }));
    const checkTimes: number[] = [];
    for (let t = warmup - PRE_ONSET; t <= length; t += step) checkTimes.push(t);
    return alertEpisodes(scenario, fired, checkTimes, warmup);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`parity run of scenario ${scenario.id} failed: ${(err as Error).message}`, [vm.logTail()]);
  } finally {
    await vm.stop();
  }
}

/**
 * Runs the scenarios on both engines and compares the alerts: promtool through the replay (runReplay, unchanged),
 * vmalert through vmalertEpisodes on the same series. Scenarios run one after another (each starts its own
 * VictoriaMetrics).
 */
export async function runParity(opts: ParityOptions): Promise<ParityReport> {
  const bins = parityPrerequisites(opts.outDir);
  const scenarios = opts.scenarios ?? SCENARIOS;
  const replay = opts.replay ?? (await runReplay({ outDir: opts.outDir, scenarios, warmup: opts.warmup }));
  const targets = replayTargets(opts.outDir);
  if (targets.incidentService !== replay.report.incidentService) {
    throw new Error(
      `parity: the replay hit ${replay.report.incidentService}, the series here would hit ${targets.incidentService}`,
    );
  }
  const info = alertRuleInfo(bins.promRules);
  const out: ScenarioParity[] = [];
  for (const scenario of scenarios) {
    const promResult = replay.report.scenarios.find((s) => s.id === scenario.id)?.results.ours;
    if (!promResult) throw new Error(`parity: the replay has no result for scenario ${scenario.id}`);
    const timeline = { step: promResult.step, warmup: promResult.warmup };
    const series = generateSeries(scenario, targets, timeline);
    const hasStale = series.some((s) => /(^|\s)stale(\s|$)/.test(s.values));
    const vmEpisodes = await vmalertEpisodes(scenario, series, timeline, bins);
    const result: ScenarioParity = {
      id: scenario.id,
      title: scenario.title,
      step: timeline.step,
      warmup: timeline.warmup,
      observe: scenario.observe,
      alerts: compareEngines(promResult.episodes, vmEpisodes, timeline.step, info, hasStale),
    };
    out.push(result);
    opts.onScenario?.(result);
  }
  return {
    version: 1,
    date: new Date().toISOString(),
    victoriaMetrics: await packageVersion('victoria-metrics'),
    vmalert: await packageVersion('victoria-metrics'),
    promtool: replay.report.promtool,
    scenarios: out,
  };
}

/** The report as a Markdown table: scenario × alert × first fire on each engine × difference × cause. */
export function parityMarkdown(report: ParityReport): string {
  const rows = [
    '| scenario | alert | promtool first fire | vmalert first fire | Δ | resolved (promtool / vmalert) | verdict | cause |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of report.scenarios) {
    if (s.alerts.length === 0) {
      rows.push(`| ${s.id} | (no alert on either engine) | never | never | – | – | parity | |`);
      continue;
    }
    for (const a of s.alerts) {
      const delta = a.firstFireDelta === null ? '–' : `${a.firstFireDelta >= 0 ? '+' : ''}${a.firstFireDelta}s`;
      const verdict = a.differences.length === 0 ? 'parity' : a.differences.map((d) => d.what).join(', ');
      const causes = [...new Set(a.differences.map((d) => d.cause))].join(', ');
      rows.push(
        `| ${s.id} | ${a.alertname} | ${fmt(a.promtool.firstFire)} | ${fmt(a.victoriametrics.firstFire)} | ${delta} | ${fmtEnd(a.promtool)} / ${fmtEnd(a.victoriametrics)} | ${verdict} | ${causes} |`,
      );
    }
  }
  return `${rows.join('\n')}\n`;
}

/** Where `ghmon replay --parity` writes the report, in out/replay/. */
export const PARITY_FILES = { json: 'parity.json', markdown: 'parity.md' } as const;

/** The report for a terminal: one summary line, then each difference with its cause. */
export function parityText(report: ParityReport): string {
  const alerts = report.scenarios.flatMap((s) => s.alerts.map((a) => ({ s, a })));
  const same = alerts.filter(({ a }) => a.parity).length;
  const promtool = /version (\S+)/.exec(report.promtool)?.[1] ?? report.promtool;
  const n = report.scenarios.length;
  const lines = [
    `Rule parity (promtool ${promtool} vs vmalert ${report.vmalert} on VictoriaMetrics, same series): ${same} of ` +
      `${alerts.length} alerts in ${n} scenario${n === 1 ? '' : 's'} first fire within one evaluation interval on both engines.`,
  ];
  for (const { s, a } of alerts) {
    for (const d of a.differences) lines.push(`  ${s.id}  ${a.alertname}  ${d.detail}  (${d.cause})`);
  }
  const causes = [...new Set(alerts.flatMap(({ a }) => a.differences.map((d) => d.cause)))];
  for (const c of causes) lines.push(`  ${c}: ${PARITY_CAUSES[c]}`);
  return lines.join('\n');
}
