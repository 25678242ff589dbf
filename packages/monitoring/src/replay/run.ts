/**
 * The replay: every scenario, as promtool input series, run by promtool against ghmon's rule files in out/ and,
 * side by side, against the seed's rules verbatim. promtool evaluates the real rule files; this module only
 * writes its test files, runs it (a few at a time) and reads what it printed.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBinary, runTool } from '../checks/tool.ts';
import { UserError } from '../config/errors.ts';
import { OUT } from '../conventions.ts';
import { analyse, checkGoal, type GoalResult, goalDetail, type RuleSetResult } from './analyse.ts';
import { parsePromtoolOutput } from './promtool-output.ts';
import { loadRuleSet, mayNotify, type RuleSet } from './ruleset.ts';
import { goalText, SCENARIOS, type Scenario } from './scenarios.ts';
import { defaultTargets, generateSeries, type Targets, type Timeline, targetsFromPrometheusConfig } from './series.ts';
import { promtoolTestFile } from './testfile.ts';

/** The seed's rules, shipped with ghmon (see the comment at the top of the file). */
export const SEED_RULES_FILE = fileURLToPath(new URL('./seed-rules.yml', import.meta.url));

/** Layout of out/replay/. */
export const REPLAY = {
  dir: 'replay',
  report: 'report.json',
  html: 'index.html',
  svg: 'replay.svg',
  seedRules: 'seed-rules.yml',
  testsDir: 'tests',
} as const;

export const RULE_SET = { ours: 'ours', seed: 'seed' } as const;
export type RuleSetId = (typeof RULE_SET)[keyof typeof RULE_SET];

const MIN = 60;
/** How long before the onset pages count too (as false pages): healthy traffic must not page. */
export const PRE_ONSET = 30 * MIN;

export interface ReplayOptions {
  /** The output directory of `ghmon build` (absolute or relative to the working directory). */
  outDir: string;
  scenarios?: readonly Scenario[];
  /** Healthy time before each onset, seconds; default: the longest range any rule reads plus 30 minutes (≥ 1h). */
  warmup?: number;
  /** promtool processes at once; default: the number of cores. */
  jobs?: number;
  /** Called once the sampling of each rule set is known, before promtool runs. */
  onPlan?: (ruleSets: RuleSetReport[]) => void;
  /** Called as each scenario completes (both rule sets). */
  onScenario?: (s: ScenarioReport) => void;
}

export interface ScenarioReport {
  id: string;
  title: string;
  description: string;
  expect: Scenario['expect'];
  /** Seconds after the onset the replay watched, and when the incident was over. */
  observe: number;
  incidentEnd: number;
  results: Record<RuleSetId, RuleSetResult>;
  goals: GoalResult[];
}

export interface RuleSetReport {
  id: RuleSetId;
  label: string;
  /** Rule files, relative to out/. */
  files: string[];
  alerts: string[];
  /** The longest range any of its expressions reads, seconds. */
  longestRange: number;
  /** Seconds between samples and between rule evaluations (the resolution of its figures). */
  step: number;
  /** Healthy time before each onset, seconds. */
  warmup: number;
}

export interface ReplayReport {
  version: 1;
  promtool: string;
  /** How long before the onset pages are watched for (and count as false). */
  preOnset: number;
  incidentService: string;
  ruleSets: RuleSetReport[];
  scenarios: ScenarioReport[];
}

/**
 * The sample interval: the finest of 15s, 30s, 1m, 2m that keeps the history the alerts read within 5000 samples
 * (a rule's cost grows with the square of it) and the whole run within 9500 samples, so that no query, whatever
 * range it asks for, can reach promtool's limit of 10,000 samples.
 */
export function chooseStep(alertHistory: number, runLength = alertHistory): number {
  for (const step of [15, 30, 60, 120]) {
    if (alertHistory / step <= 5000 && runLength / step <= 9500) return step;
  }
  throw new UserError(
    `the alerts read ${Math.round(alertHistory / 3600)}h of history: too long for promtool's 10,000-sample limit at any interval the replay uses; pass a shorter --warmup`,
  );
}

export function defaultWarmup(longestRange: number): number {
  return Math.max(3600, Math.ceil((longestRange + 30 * MIN) / 3600) * 3600);
}

/** Runs tasks at most `jobs` at a time; on a failure, starts no more, waits for the running ones, rethrows. */
async function pool(tasks: (() => Promise<void>)[], jobs: number): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      try {
        await task();
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(jobs, tasks.length)) }, worker));
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
}

export interface ReplayRun {
  report: ReplayReport;
  /** Files for out/replay/ other than the report, chart and page: the promtool test files and the seed's rules. */
  files: Map<string, string>;
}

export async function runReplay(opts: ReplayOptions): Promise<ReplayRun> {
  const promtool = findBinary('promtool');
  if (!promtool) throw new UserError("promtool not found: install Debian's prometheus package (npm run setup does)");
  const rulesDir = join(opts.outDir, ...OUT.rulesDir.split('/'));
  let ruleFileNames: string[];
  try {
    ruleFileNames = readdirSync(rulesDir)
      .filter((f) => f.endsWith('.yml'))
      .sort();
  } catch {
    ruleFileNames = [];
  }
  if (ruleFileNames.length === 0) {
    throw new UserError(`no rule files in ${rulesDir}: run \`ghmon build\` first`);
  }
  const ruleSets: Record<RuleSetId, RuleSet> = {
    ours: loadRuleSet(
      RULE_SET.ours,
      'ghmon',
      ruleFileNames.map((f) => join(rulesDir, f)),
    ),
    seed: loadRuleSet(RULE_SET.seed, 'seed', [SEED_RULES_FILE]),
  };
  const relRuleFiles: Record<RuleSetId, string[]> = {
    // Test files live in out/replay/tests/: rule files are named relative to that.
    ours: ruleFileNames.map((f) => `../../${OUT.rulesDir}/${f}`),
    seed: [`../${REPLAY.seedRules}`],
  };

  let targets: Targets = defaultTargets();
  try {
    targets =
      targetsFromPrometheusConfig(readFileSync(join(opts.outDir, ...OUT.prometheusConfig.split('/')), 'utf8')) ??
      targets;
  } catch {
    // No prometheus.yml: the default targets.
  }

  const scenarios = opts.scenarios ?? SCENARIOS;
  const maxObserve = Math.max(...scenarios.map((s) => s.observe));
  // Each rule set gets the finest sampling its ranges allow and a warm-up that fills its longest range: the
  // seed's rules (5m ranges) are replayed at the real 15s scrape interval even when ghmon's read 3d.
  const timelines = {} as Record<RuleSetId, Timeline>;
  for (const id of Object.keys(ruleSets) as RuleSetId[]) {
    const longest = ruleSets[id].longestRange;
    const wanted = opts.warmup ?? defaultWarmup(longest);
    const step = chooseStep(Math.min(longest, wanted + maxObserve), wanted + maxObserve);
    timelines[id] = { step, warmup: Math.max(PRE_ONSET, Math.ceil(wanted / step) * step) };
  }
  const preOnset = PRE_ONSET;
  const ruleSetReports = (): RuleSetReport[] =>
    (Object.keys(ruleSets) as RuleSetId[]).map((id) => ({
      id,
      label: ruleSets[id].label,
      files: id === RULE_SET.ours ? ruleFileNames.map((f) => `${OUT.rulesDir}/${f}`) : [REPLAY.seedRules],
      alerts: ruleSets[id].alerts.map((a) => a.name),
      longestRange: ruleSets[id].longestRange,
      ...timelines[id],
    }));

  const version = (await runTool(promtool, ['--version'])).stdout.split('\n')[0]?.trim() ?? 'promtool';

  const runDir = mkdtempSync(join(opts.outDir, '.replay-run-'));
  const files = new Map<string, string>();
  try {
    const seedText = readFileSync(SEED_RULES_FILE, 'utf8');
    writeFileSync(join(runDir, REPLAY.seedRules), seedText);
    files.set(REPLAY.seedRules, seedText);
    mkdirSync(join(runDir, REPLAY.testsDir));

    const pending = new Map<string, Partial<Record<RuleSetId, RuleSetResult>>>();
    const reports = new Map<string, ScenarioReport>();
    const tasks = scenarios.flatMap((scenario) =>
      (Object.keys(ruleSets) as RuleSetId[]).map((id) => {
        const rs = ruleSets[id];
        const { step, warmup } = timelines[id];
        const cost = ((warmup + scenario.observe) / step) * Math.max(1, rs.longestRange / step);
        const run = async () => {
          const checkTimes: number[] = [];
          for (let t = warmup - preOnset; t <= warmup + scenario.observe; t += step) checkTimes.push(t);
          const name = `${REPLAY.testsDir}/${scenario.id}.${id}.yml`;
          const text = promtoolTestFile({
            ruleFiles: relRuleFiles[id],
            groupOrder: rs.groupOrder,
            step,
            input: generateSeries(scenario, targets, timelines[id]),
            alertnames: rs.alerts.filter(mayNotify).map((a) => a.name),
            checkTimes,
            comment: [
              `ghmon replay: scenario "${scenario.id}" (${scenario.title}) against the ${rs.label} rules.`,
              `${scenario.description}`,
              `Onset at ${warmup}s; every ${step}s from ${warmup - preOnset}s to ${warmup + scenario.observe}s expects no alert,`,
              'so promtool reports every alert that fired, when, with its labels. Run from out/replay/tests/:',
              `  promtool test rules ${scenario.id}.${id}.yml`,
            ].join('\n'),
          });
          files.set(name, text);
          writeFileSync(join(runDir, ...name.split('/')), text);
          const r = await runTool(
            promtool,
            ['test', 'rules', `${scenario.id}.${id}.yml`],
            join(runDir, REPLAY.testsDir),
          );
          const parsed = parsePromtoolOutput(`${r.stdout}\n${r.stderr}`);
          if (parsed.errors.length > 0 || (r.code !== 0 && r.code !== 1)) {
            throw new UserError(
              `promtool could not run scenario ${scenario.id} against the ${rs.label} rules (exit ${r.code})`,
              parsed.errors.slice(0, 10),
            );
          }
          const result = analyse(scenario, parsed.fired, checkTimes, warmup);
          const done = { ...pending.get(scenario.id), [id]: result };
          pending.set(scenario.id, done);
          if (done.ours && done.seed) {
            const report = scenarioReport(scenario, { ours: done.ours, seed: done.seed });
            reports.set(scenario.id, report);
            opts.onScenario?.(report);
          }
        };
        return { run, cost };
      }),
    );
    // The costliest scenarios first, so that the slowest run does not start last; a scenario's two runs next
    // to each other, so that its progress line comes as soon as its costlier run is done.
    const order = scenarios
      .map((_, i) => tasks.slice(2 * i, 2 * i + 2).sort((a, b) => b.cost - a.cost))
      .sort((a, b) => (b[0]?.cost ?? 0) - (a[0]?.cost ?? 0))
      .flat();
    opts.onPlan?.(ruleSetReports());
    await pool(
      order.map((t) => t.run),
      opts.jobs ?? availableParallelism(),
    );

    return {
      report: {
        version: 1,
        promtool: version,
        preOnset,
        incidentService: targets.incidentService,
        ruleSets: ruleSetReports(),
        scenarios: scenarios.map((s) => reports.get(s.id) as ScenarioReport),
      },
      files,
    };
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

function scenarioReport(scenario: Scenario, results: Record<RuleSetId, RuleSetResult>): ScenarioReport {
  return {
    id: scenario.id,
    title: scenario.title,
    description: scenario.description,
    expect: scenario.expect,
    observe: scenario.observe,
    incidentEnd: scenario.incidentEnd,
    results,
    goals: scenario.goals.map((goal) => {
      const verdict = checkGoal(goal, results.ours, results.seed);
      return {
        scenario: scenario.id,
        goal,
        text: `${scenario.title}: ${goalText(goal)}`,
        ...verdict,
        detail: goalDetail(goal, results.ours, results.seed),
      };
    }),
  };
}
