/**
 * `ghmon backtest`: how the rules of an out/ directory would have notified over a Prometheus' history.
 *
 * 1. history.ts: the raw selectors the rules read, an estimate (refused over `maxSamples` before anything is
 *    fetched), then the raw samples chunk by chunk into a JSON-lines file on disk (memory holds one chunk).
 * 2. For each rule set (ours, and `against`'s): a throwaway VictoriaMetrics imports that file in batches and
 *    `vmalert -replay` evaluates the rules over the range (replay/vm-engine.ts). vmalert, not promtool: a promtool
 *    unit test caps a query at 10,000 samples, which a 3d window at 15 s exceeds; vmalert reads the store.
 *    vmalert 1.79 has no keep_firing_for: the evaluations are extended here as Prometheus would keep them firing.
 * 3. The replay's Alertmanager model (replay/notify.ts: routing, grouping, group_wait/interval, inhibition,
 *    resolve) turns the firing alerts at each evaluation into notifications and PagerDuty incidents, its routing
 *    checked against the real amtool for every label set, as `ghmon replay` does.
 * 4. With `against`: the incidents of the two rule sets matched (same kind and service, overlapping in time):
 *    added, removed, earlier, later.
 */
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { LABEL, OUT } from '../conventions.ts';
import { asVmalertRule, VM_FILES } from '../model/scale.ts';
import { readScrapeConfig, scalar } from '../outdir/prometheus-yml.ts';
import { type AmConfig, type Labels, labelKey, parseAlertmanagerConfig } from '../replay/amconfig.ts';
import { AmtoolRouteChecker, type RouteCheck } from '../replay/amtool.ts';
import { classifyLabels } from '../replay/analyse.ts';
import { type Evaluation, type Incident, simulateNotifications } from '../replay/notify.ts';
import { parseDuration } from '../replay/ruleset.ts';
import { firingSamples, VictoriaMetrics, vmalertReplay } from '../replay/vm-engine.ts';
import { alertRuleInfo, ruleLevels } from '../replay/vmalert.ts';
import { UserError } from '../util/errors.ts';
import { findBinary } from '../util/tool.ts';
import {
  estimate,
  fetchHistory,
  type HistorySelector,
  historySelectors,
  historySource,
  type SourceOptions,
} from './history.ts';

export interface BacktestOptions {
  /** ghmon build's output: its prometheus/rules, prometheus/prometheus.yml and alertmanager/alertmanager.yml. */
  outDir: string;
  /** Another build to compare with (e.g. the config before a change). */
  against?: string | undefined;
  source: SourceOptions;
  /** Unix seconds. */
  from: number;
  to: number;
  /** Refuse a range whose estimate is larger (series × samples). */
  maxSamples?: number;
  /** Seconds of history fetched per request. */
  chunkS?: number;
  /** Progress lines (fetching, replaying). */
  onProgress?: (line: string) => void;
}

export const DEFAULT_MAX_SAMPLES = 50_000_000;
const DEFAULT_CHUNK_S = 3600;
/** Samples per import request. */
const IMPORT_BATCH = 200;

/** A page or a ticket the rule set would have sent: one PagerDuty incident. */
export interface BacktestIncident {
  kind: 'page' | 'ticket';
  receiver: string;
  service: string | undefined;
  alertnames: string[];
  /** Unix seconds: the first trigger (for a page, the first trigger carrying a page alert). */
  start: number;
  /** The resolve event; null if still open at the end of the range. */
  end: number | null;
}

export interface RuleSetOutcome {
  dir: string;
  incidents: BacktestIncident[];
  /** Distinct alert label sets that fired at least once. */
  alertsFired: number;
}

export type Change = 'added' | 'removed' | 'earlier' | 'later' | 'same';

export interface IncidentChange {
  change: Change;
  kind: 'page' | 'ticket';
  service: string | undefined;
  /** This build's incident (absent when removed). */
  ours?: BacktestIncident;
  /** The other build's (absent when added). */
  theirs?: BacktestIncident;
  /** ours.start − theirs.start, seconds (earlier < 0). */
  shiftS?: number;
}

export interface BacktestReport {
  from: number;
  to: number;
  /** Evaluation step, seconds (prometheus.yml's evaluation_interval). */
  step: number;
  samples: number;
  series: number;
  /** Metrics the rules read that this history has no series of. */
  missing: { selector: string; readers: string[] }[];
  ours: RuleSetOutcome;
  against?: RuleSetOutcome;
  changes?: IncidentChange[];
}

function intervals(outDir: string): { scrape: number; evaluation: number } {
  const file = join(outDir, ...OUT.prometheusConfig.split('/'));
  const config = existsSync(file) ? readScrapeConfig(readFileSync(file, 'utf8')) : undefined;
  const seconds = (key: string, fallback: number) => {
    const text = config?.global ? scalar(config.global, key) : undefined;
    return text ? (parseDuration(text) ?? fallback) : fallback;
  };
  const scrape = seconds('scrape_interval', 60);
  return { scrape, evaluation: seconds('evaluation_interval', scrape) };
}

/** The rule files as vmalert 1.79 runs them: out/victoriametrics/rules/ if built with `scale`, else a copy (asVmalertRule). */
function vmalertRuleFiles(outDir: string, workDir: string): { vm: string[]; prometheus: string[] } {
  const list = (dir: string) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
          .map((f) => join(dir, f))
      : [];
  const prometheus = list(join(outDir, ...OUT.rulesDir.split('/')));
  if (prometheus.length === 0)
    throw new UserError(`no rule files in ${join(outDir, OUT.rulesDir)}: run \`ghmon build\` first`);
  const built = list(join(outDir, ...VM_FILES.rulesDir.split('/')));
  if (built.length > 0) return { vm: built, prometheus };
  const vm = prometheus.map((file, i) => {
    const doc = parseYaml(readFileSync(file, 'utf8')) as { groups?: { rules?: Record<string, unknown>[] }[] } | null;
    for (const g of doc?.groups ?? []) g.rules = (g.rules ?? []).map(asVmalertRule);
    const path = join(workDir, `rules-${i}.yml`);
    writeFileSync(path, stringifyYaml(doc ?? {}));
    return path;
  });
  return { vm, prometheus };
}

/**
 * The evaluations of the range (one per step), each with the alert label sets firing then, extended as
 * Prometheus' keep_firing_for would: an alert keeps firing at every evaluation less than keep_firing_for after
 * the first one where its condition no longer held.
 */
export function evaluationsOf(
  samples: readonly { labels: Record<string, string>; time: number }[],
  range: { from: number; to: number; step: number },
  keepFiringFor: (alertname: string) => number,
): Evaluation[] {
  const times: number[] = [];
  for (let t = range.from; t <= range.to; t += range.step) times.push(t);
  const index = (t: number) => Math.round((t - range.from) / range.step);
  const bySet = new Map<string, { labels: Labels; at: Set<number> }>();
  for (const s of samples) {
    const i = index(s.time);
    if (i < 0 || i >= times.length) continue;
    const k = labelKey(s.labels);
    const entry = bySet.get(k) ?? { labels: s.labels, at: new Set<number>() };
    entry.at.add(i);
    bySet.set(k, entry);
  }
  const firing: Labels[][] = times.map(() => []);
  for (const { labels, at } of bySet.values()) {
    const extra = Math.ceil(keepFiringFor(labels.alertname ?? '') / range.step);
    const sorted = [...at].sort((a, b) => a - b);
    const all = new Set(sorted);
    for (const i of sorted) {
      // The evaluations after this one until it fires again, at most `extra` of them.
      for (let j = i + 1; j <= i + extra && j < times.length && !at.has(j); j++) all.add(j);
    }
    for (const i of all) firing[i]?.push(labels);
  }
  return times.map((time, i) => ({ time, firing: firing[i] ?? [] }));
}

function toIncident(i: Incident): BacktestIncident {
  return {
    kind: i.kind,
    receiver: i.receiver,
    service: i.groupLabels[LABEL.service],
    alertnames: [...i.alertnames].sort(),
    start: i.kind === 'page' ? (i.pagedAt ?? i.triggeredAt) : i.triggeredAt,
    end: i.resolvedAt,
  };
}

/** Incidents of two builds matched by kind and service, overlapping in time; the rest added or removed. */
export function compareIncidents(
  ours: readonly BacktestIncident[],
  theirs: readonly BacktestIncident[],
  step: number,
): IncidentChange[] {
  const left = [...theirs];
  const changes: IncidentChange[] = [];
  const overlaps = (a: BacktestIncident, b: BacktestIncident) =>
    a.start <= (b.end ?? Number.POSITIVE_INFINITY) && b.start <= (a.end ?? Number.POSITIVE_INFINITY);
  for (const o of [...ours].sort((a, b) => a.start - b.start)) {
    const i = left.findIndex((t) => t.kind === o.kind && t.service === o.service && overlaps(o, t));
    if (i < 0) {
      changes.push({ change: 'added', kind: o.kind, service: o.service, ours: o });
      continue;
    }
    const t = left.splice(i, 1)[0] as BacktestIncident;
    const shiftS = o.start - t.start;
    // Within one evaluation: the same page.
    const change: Change = Math.abs(shiftS) <= step ? 'same' : shiftS < 0 ? 'earlier' : 'later';
    changes.push({ change, kind: o.kind, service: o.service, ours: o, theirs: t, shiftS });
  }
  for (const t of left) changes.push({ change: 'removed', kind: t.kind, service: t.service, theirs: t });
  const startOf = (c: IncidentChange) => (c.ours ?? c.theirs)?.start ?? 0;
  return changes.sort((a, b) => startOf(a) - startOf(b));
}

async function importFile(vm: VictoriaMetrics, file: string): Promise<void> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  let batch: string[] = [];
  for await (const line of lines) {
    if (line === '') continue;
    batch.push(line);
    if (batch.length >= IMPORT_BATCH) {
      await vm.importLines(batch);
      batch = [];
    }
  }
  await vm.importLines(batch);
}

async function replayRuleSet(
  dir: string,
  history: string,
  range: { from: number; to: number; step: number },
  bins: { victoriaMetrics: string; vmalert: string; amtool: string | undefined },
  checker: AmtoolRouteChecker | undefined,
  progress: (line: string) => void,
): Promise<RuleSetOutcome> {
  const workDir = mkdtempSync(join(tmpdir(), 'ghmon-backtest-rules-'));
  const points = Math.ceil((range.to - range.from) / range.step) + 100;
  const vm = await VictoriaMetrics.start(bins.victoriaMetrics, { maxPoints: points });
  try {
    const files = vmalertRuleFiles(dir, workDir);
    const amFile = join(dir, ...OUT.alertmanagerConfig.split('/'));
    if (!existsSync(amFile)) throw new UserError(`no ${OUT.alertmanagerConfig} in ${dir}: run \`ghmon build\` first`);
    const config: AmConfig = parseAlertmanagerConfig(readFileSync(amFile, 'utf8'));
    progress(`backtest: importing the history into VictoriaMetrics for ${dir}`);
    await importFile(vm, history);
    progress(`backtest: vmalert replaying ${dir}'s rules over ${Math.round((range.to - range.from) / 3600)}h`);
    await vmalertReplay(bins.vmalert, vm, ruleLevels(files.vm), range, dir);
    const fired = await firingSamples(vm, range.from, range.to);
    const kff = alertRuleInfo(files.prometheus);
    const evaluations = evaluationsOf(fired, range, (name) => kff.get(name)?.keepFiringFor ?? 0);
    const routes: RouteCheck[] = [];
    const seen = new Set<string>();
    const result = simulateNotifications(config, evaluations, {
      classify: classifyLabels,
      onRoute: (labels, receivers) => {
        const k = labelKey(labels);
        if (!seen.has(k)) {
          seen.add(k);
          routes.push({ labels, ours: receivers });
        }
      },
    });
    // The model's routing must be the real Alertmanager's.
    if (checker) await checker.check(amFile, routes);
    return {
      dir,
      incidents: result.incidents.map(toIncident),
      alertsFired: new Set(fired.map((f) => labelKey(f.labels))).size,
    };
  } finally {
    await vm.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

export async function runBacktest(opts: BacktestOptions): Promise<BacktestReport> {
  const progress = opts.onProgress ?? (() => {});
  if (!(opts.to > opts.from)) throw new UserError('--from must be before --to');
  const victoriaMetrics = findBinary('victoria-metrics');
  const vmalert = findBinary('vmalert');
  if (!victoriaMetrics || !vmalert)
    throw new UserError(
      `${victoriaMetrics ? 'vmalert' : 'victoria-metrics'} not found: install Debian's victoria-metrics package (npm run setup does)`,
    );
  const amtool = findBinary('amtool');
  const { scrape, evaluation } = intervals(opts.outDir);
  const range = {
    // On the evaluation grid, as Prometheus evaluates.
    from: Math.ceil(opts.from / evaluation) * evaluation,
    to: Math.floor(opts.to / evaluation) * evaluation,
    step: evaluation,
  };
  const wanted = new Map<string, HistorySelector>();
  for (const dir of [opts.outDir, ...(opts.against ? [opts.against] : [])])
    for (const s of historySelectors(dir)) wanted.set(s.text, wanted.get(s.text) ?? s);
  const selectors = [...wanted.values()];
  const api = historySource(opts.source);
  // What the rules read, over the range plus the longest look-back a rule could want is not fetched: a rule
  // reading [1d] at the start of the range sees only the range (said in docs/backtest.md).
  const est = await estimate(api, selectors, range, scrape);
  const max = opts.maxSamples ?? DEFAULT_MAX_SAMPLES;
  if (est.samples > max) {
    const series = [...est.series.values()].reduce((a, b) => a + b, 0);
    throw new UserError(
      `the range holds about ${est.samples.toLocaleString('en')} samples (${series.toLocaleString('en')} series × ${Math.ceil((range.to - range.from) / scrape).toLocaleString('en')} samples at ${scrape}s), more than --max-samples ${max.toLocaleString('en')}: choose a shorter range, or raise --max-samples if this machine can hold it`,
    );
  }
  if (est.missing.length === selectors.length)
    throw new UserError(
      `${api.where} has no series of any metric the rules read between ${new Date(range.from * 1000).toISOString()} and ${new Date(range.to * 1000).toISOString()}`,
    );
  const workDir = mkdtempSync(join(tmpdir(), 'ghmon-backtest-'));
  try {
    const history = join(workDir, 'history.jsonl');
    writeFileSync(history, '');
    const fetched = await fetchHistory(
      api,
      selectors.filter((s) => !est.missing.includes(s)),
      range,
      {
        chunkS: opts.chunkS ?? DEFAULT_CHUNK_S,
        sink: async (series) => {
          await appendFile(history, `${series.map((s) => JSON.stringify(s)).join('\n')}\n`);
        },
        onProgress: (p) =>
          progress(`backtest: fetched ${p.done}/${p.of} chunks, ${p.samples.toLocaleString('en')} samples`),
      },
    );
    const bins = { victoriaMetrics, vmalert, amtool };
    const checker = amtool ? new AmtoolRouteChecker(amtool) : undefined;
    const ours = await replayRuleSet(opts.outDir, history, range, bins, checker, progress);
    const against = opts.against
      ? await replayRuleSet(opts.against, history, range, bins, checker, progress)
      : undefined;
    return {
      from: range.from,
      to: range.to,
      step: range.step,
      samples: fetched.samples,
      series: fetched.series,
      missing: est.missing.map((m) => ({ selector: m.text, readers: m.readers })),
      ours,
      ...(against ? { against, changes: compareIncidents(ours.incidents, against.incidents, range.step) } : {}),
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
