/**
 * The replay: every scenario, as promtool input series, run by promtool against ghmon's rule files in out/ and,
 * side by side, against the seed's rules verbatim. promtool evaluates the real rule files; this module only
 * writes its test files, runs it (a few at a time) and reads what it printed.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OUT } from '../conventions.ts';
import { externalLabels as externalLabelsOf, readScrapeConfig } from '../outdir/prometheus-yml.ts';
import { UserError } from '../util/errors.ts';
import { findBinary, runTool } from '../util/tool.ts';
import { type AmConfig, type Labels, parseAlertmanagerConfig } from './amconfig.ts';
import { AmtoolRouteChecker, type RouteCheck } from './amtool.ts';
import {
  alertEpisodes,
  analyse,
  checkGoal,
  classifyLabels,
  evaluations,
  type GoalResult,
  goalDetail,
  type RuleSetResult,
} from './analyse.ts';
import { simulateNotifications } from './notify.ts';
import { parsePromtoolOutput } from './promtool-output.ts';
import { loadRuleSet, type RuleSet } from './ruleset.ts';
import { goalText, SCENARIOS, type Scenario } from './scenarios.ts';
import {
  defaultTargets,
  generateSeries,
  type Targets,
  type Timeline,
  targetsFromPrometheusConfig,
  withPushServices,
} from './series.ts';
import { promtoolTestFile } from './testfile.ts';

/** The seed's rules, shipped with ghmon (see the comment at the top of the file). */
export const SEED_RULES_FILE = fileURLToPath(new URL('./seed-rules.yml', import.meta.url));
/** The seed's Alertmanager routing, shipped beside them: the seed's alerts become notifications through it. */
export const SEED_ALERTMANAGER_FILE = fileURLToPath(new URL('./seed-alertmanager.yml', import.meta.url));

/** Layout of out/replay/. */
export const REPLAY = {
  dir: 'replay',
  report: 'report.json',
  html: 'index.html',
  svg: 'replay.svg',
  seedRules: 'seed-rules.yml',
  seedAlertmanager: 'seed-alertmanager.yml',
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
  /**
   * Healthy time before each onset, seconds, for every scenario and rule set; default: per scenario, enough to fill
   * the windows the rule set's pages read (plus 30 minutes, at least 1h), or as much as promtool's sample limit
   * allows for a scenario that asks for it (see warmupFor).
   */
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
  results: Record<RuleSetId, RuleSetResult & { step: number; warmup: number }>;
  goals: GoalResult[];
}

export interface RuleSetReport {
  id: RuleSetId;
  label: string;
  /** Rule files, relative to out/. */
  files: string[];
  /** The Alertmanager config its alerts are routed through (relative to out/, or the shipped seed file). */
  alertmanager: string;
  alerts: string[];
  /** The longest range any of its alerts reads, seconds. */
  longestRange: number;
  /** The longest range its pages read, seconds. */
  pageRange: number;
  /** Seconds between samples and between rule evaluations (the coarsest any scenario used). */
  step: number;
  /** Healthy time before each onset, seconds, of the scenarios that did not ask for a longer history. */
  warmup: number;
  /** Distinct alert label sets routed, each checked with amtool against the same config. */
  routesChecked: number;
}

export interface ReplayReport {
  version: 2;
  promtool: string;
  /** How long before the onset pages are watched for (and count as false). */
  preOnset: number;
  incidentService: string;
  ruleSets: RuleSetReport[];
  scenarios: ScenarioReport[];
}

/** promtool's test engine refuses a query that loads more than 10,000 samples; a run stays under this. */
export const MAX_RUN_SAMPLES = 9500;
/** The scrape and evaluation interval the goals are stated at. */
export const STEP = 15;

/**
 * The sample interval: 15s, unless a run is longer than MAX_RUN_SAMPLES samples at 15s (an explicit long
 * --warmup); then the finest of 30s, 1m, 2m that holds it. A query only reads the samples that exist, so a run of
 * at most 9500 samples can never reach promtool's limit, whatever range a rule asks for.
 */
export function chooseStep(runLength: number): number {
  for (const step of [STEP, 30, 60, 120]) {
    if (runLength / step <= MAX_RUN_SAMPLES) return step;
  }
  throw new UserError(
    `a run of ${Math.round(runLength / 3600)}h is too long for promtool's 10,000-sample limit at any interval the replay uses; pass a shorter --warmup`,
  );
}

/** Enough healthy history to fill a range: the range plus 30 minutes, in whole hours, at least 1h. */
export function defaultWarmup(longestRange: number): number {
  return Math.max(3600, Math.ceil((longestRange + 30 * MIN) / 3600) * 3600);
}

/**
 * The healthy history before a scenario's onset at 15s: the windows its pages read filled (defaultWarmup of
 * pageRange), more if the scenario asks (`history`), never more than fits with its watched window in
 * MAX_RUN_SAMPLES samples ('max': all of that, in whole hours).
 */
export function warmupFor(scenario: Scenario, pageRange: number, step = STEP): number {
  const capacity = Math.floor((MAX_RUN_SAMPLES * step - scenario.observe - step) / 3600) * 3600;
  const wanted = scenario.history === 'max' ? capacity : Math.max(defaultWarmup(pageRange), scenario.history ?? 0);
  return Math.max(PRE_ONSET, Math.min(wanted, capacity));
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

/** The external labels of a prometheus.yml: Prometheus adds them to every alert it sends to Alertmanager. */
export function externalLabels(prometheusYml: string): Record<string, string> {
  const config = readScrapeConfig(prometheusYml);
  return config === undefined ? {} : externalLabelsOf(config);
}

export async function runReplay(opts: ReplayOptions): Promise<ReplayRun> {
  const promtool = findBinary('promtool');
  if (!promtool) throw new UserError("promtool not found: install Debian's prometheus package (npm run setup does)");
  const amtool = findBinary('amtool');
  if (!amtool) {
    throw new UserError("amtool not found: install Debian's prometheus-alertmanager package (npm run setup does)");
  }
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
  const ourAmFile = join(opts.outDir, ...OUT.alertmanagerConfig.split('/'));
  const amFiles: Record<RuleSetId, string> = { ours: ourAmFile, seed: SEED_ALERTMANAGER_FILE };
  const amConfigs = {} as Record<RuleSetId, AmConfig>;
  for (const id of Object.keys(amFiles) as RuleSetId[]) {
    let text: string;
    try {
      text = readFileSync(amFiles[id], 'utf8');
    } catch {
      throw new UserError(`no Alertmanager config at ${amFiles[id]}: run \`ghmon build\` first`);
    }
    amConfigs[id] = parseAlertmanagerConfig(text);
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
  const external: Record<RuleSetId, Record<string, string>> = { ours: {}, seed: {} };
  try {
    const text = readFileSync(join(opts.outDir, ...OUT.prometheusConfig.split('/')), 'utf8');
    targets = targetsFromPrometheusConfig(text) ?? targets;
    external.ours = externalLabels(text);
  } catch {
    // No prometheus.yml: the default targets.
  }
  targets = withPushServices(targets, ruleSets.ours.services);

  const scenarios = opts.scenarios ?? SCENARIOS;
  // Every scenario at the goals' 15s (coarser only if an explicit --warmup cannot fit), after a healthy history
  // that fills the windows its pages read, or more where the scenario asks for it.
  const timelineOf = (scenario: Scenario, id: RuleSetId): Timeline => {
    if (opts.warmup !== undefined) {
      const step = chooseStep(opts.warmup + scenario.observe + STEP);
      return { step, warmup: Math.max(PRE_ONSET, Math.ceil(opts.warmup / step) * step) };
    }
    return { step: STEP, warmup: warmupFor(scenario, ruleSets[id].pageRange) };
  };
  const preOnset = PRE_ONSET;
  const checker = new AmtoolRouteChecker(amtool);
  const routed: Record<RuleSetId, Set<string>> = { ours: new Set(), seed: new Set() };
  const ruleSetReports = (): RuleSetReport[] =>
    (Object.keys(ruleSets) as RuleSetId[]).map((id) => {
      const lines = scenarios.map((s) => timelineOf(s, id));
      const plain = scenarios.filter((s) => s.history === undefined).map((s) => timelineOf(s, id));
      return {
        id,
        label: ruleSets[id].label,
        files: id === RULE_SET.ours ? ruleFileNames.map((f) => `${OUT.rulesDir}/${f}`) : [REPLAY.seedRules],
        alertmanager: id === RULE_SET.ours ? OUT.alertmanagerConfig : REPLAY.seedAlertmanager,
        alerts: ruleSets[id].alerts.map((a) => a.name),
        longestRange: ruleSets[id].longestRange,
        pageRange: ruleSets[id].pageRange,
        step: Math.max(...lines.map((l) => l.step)),
        warmup: Math.max(0, ...(plain.length > 0 ? plain : lines).map((l) => l.warmup)),
        routesChecked: routed[id].size,
      };
    });

  const version = (await runTool(promtool, ['--version'])).stdout.split('\n')[0]?.trim() ?? 'promtool';

  const runDir = mkdtempSync(join(opts.outDir, '.replay-run-'));
  const files = new Map<string, string>();
  try {
    const seedText = readFileSync(SEED_RULES_FILE, 'utf8');
    writeFileSync(join(runDir, REPLAY.seedRules), seedText);
    files.set(REPLAY.seedRules, seedText);
    files.set(REPLAY.seedAlertmanager, readFileSync(SEED_ALERTMANAGER_FILE, 'utf8'));
    mkdirSync(join(runDir, REPLAY.testsDir));

    type Result = RuleSetResult & { step: number; warmup: number };
    const pending = new Map<string, Partial<Record<RuleSetId, Result>>>();
    const reports = new Map<string, ScenarioReport>();
    const tasks = scenarios.flatMap((scenario) =>
      (Object.keys(ruleSets) as RuleSetId[]).map((id) => {
        const rs = ruleSets[id];
        const timeline = timelineOf(scenario, id);
        const { step, warmup } = timeline;
        const samples = (warmup + scenario.observe) / step;
        const cost = samples * Math.min(samples, Math.max(1, rs.longestRange / step));
        const run = async () => {
          const checkTimes: number[] = [];
          for (let t = warmup - preOnset; t <= warmup + scenario.observe; t += step) checkTimes.push(t);
          const name = `${REPLAY.testsDir}/${scenario.id}.${id}.yml`;
          const text = promtoolTestFile({
            ruleFiles: relRuleFiles[id],
            groupOrder: rs.groupOrder,
            step,
            input: generateSeries(scenario, targets, timeline),
            // Every alert, whatever its severity: any of them may inhibit another in Alertmanager.
            alertnames: rs.alerts.map((a) => a.name),
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
          // Prometheus adds its external labels to the alerts it sends.
          const fired = parsed.fired.map((f) => ({ ...f, labels: { ...external[id], ...f.labels } }));
          const routes: RouteCheck[] = [];
          const notified = simulateNotifications(amConfigs[id], evaluations(fired, checkTimes, warmup), {
            classify: classifyLabels,
            onRoute: (labels: Labels, receivers: string[]) => {
              routes.push({ labels, ours: receivers });
              routed[id].add(JSON.stringify(Object.entries(labels).sort()));
            },
          });
          await checker.check(amFiles[id], routes);
          const result: Result = {
            ...analyse(scenario, alertEpisodes(scenario, fired, checkTimes, warmup), notified),
            step,
            warmup,
          };
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
        version: 2,
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

function scenarioReport(scenario: Scenario, results: ScenarioReport['results']): ScenarioReport {
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
