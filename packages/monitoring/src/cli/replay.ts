/**
 * `ghmon replay [--out DIR] [--scenario ID]... [--warmup DUR] [--strict]`: runs the incident scenarios through
 * promtool against DIR's rule files and the seed's, sends what fired through a model of Alertmanager (DIR's
 * alertmanager.yml, the seed's routing), prints the notification figures and goals, and writes DIR/replay/
 * (report.json, index.html, replay.svg, the promtool test files). Exit 0 (the figures are a report), or 1 with
 * --strict when a goal is missed. With --parity, the same scenarios also run on vmalert 1.79 over VictoriaMetrics
 * (out/victoriametrics/rules, from `scale`) and the alerts are compared (replay/vmalert.ts; parity.json, parity.md).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { replayHtml, replaySvg } from '../replay/chart.ts';
import { goalSummary, planLines, progressLine, textReport } from '../replay/report.ts';
import { parseDuration } from '../replay/ruleset.ts';
import { REPLAY, runReplay } from '../replay/run.ts';
import { SCENARIOS, type Scenario, scenarioById } from '../replay/scenarios.ts';
import { PARITY_FILES, parityMarkdown, parityPrerequisites, parityText, runParity } from '../replay/vmalert.ts';
import { UserError } from '../util/errors.ts';
import { writeOutput } from '../util/write.ts';
import type { Io } from './io.ts';

export interface ReplayCliOptions {
  out: string;
  scenario?: string[];
  warmup?: string;
  strict?: boolean;
  parity?: boolean;
}

export async function replay(opts: ReplayCliOptions, io: Io): Promise<number> {
  const outDir = resolve(opts.out);
  if (!existsSync(outDir)) throw new UserError(`${opts.out}/ does not exist: run \`ghmon build\` first`);
  const scenarios: Scenario[] = [];
  for (const id of opts.scenario ?? []) {
    const s = scenarioById(id);
    if (!s) throw new UserError(`unknown scenario "${id}"; scenarios: ${SCENARIOS.map((x) => x.id).join(', ')}`);
    if (!scenarios.includes(s)) scenarios.push(s);
  }
  let warmup: number | undefined;
  if (opts.warmup !== undefined) {
    warmup = parseDuration(opts.warmup);
    if (warmup === undefined || warmup <= 0) throw new UserError(`--warmup: not a duration: "${opts.warmup}"`);
  }
  const chosen = scenarios.length > 0 ? scenarios : [...SCENARIOS];
  // Before the replay runs: a missing binary or out/victoriametrics/ should not wait for promtool.
  if (opts.parity) parityPrerequisites(outDir);
  io.out(
    `ghmon replay: ${chosen.length} scenario${chosen.length > 1 ? 's' : ''} against ${opts.out}/ and the seed's rules`,
  );
  let done = 0;
  const run = await runReplay({
    outDir,
    scenarios: chosen,
    ...(warmup === undefined ? {} : { warmup }),
    onPlan: (sets) => {
      for (const line of planLines(sets)) io.out(line);
    },
    onScenario: (s) => io.out(progressLine(s, ++done, chosen.length)),
  });
  const { report, files } = run;
  io.out('');
  io.out(textReport(report));
  if (opts.parity) {
    const parity = await runParity({ outDir, scenarios: chosen, replay: run });
    io.out('');
    io.out(parityText(parity));
    files.set(PARITY_FILES.json, `${JSON.stringify(parity, null, 2)}\n`);
    files.set(PARITY_FILES.markdown, parityMarkdown(parity));
  }
  files.set(REPLAY.report, `${JSON.stringify(report, null, 2)}\n`);
  files.set(REPLAY.html, replayHtml(report));
  files.set(REPLAY.svg, replaySvg(report));
  writeOutput(join(outDir, REPLAY.dir), files);
  io.out('');
  io.out(
    `wrote ${opts.out}/${REPLAY.dir}/${REPLAY.html}, ${REPLAY.svg}, ${REPLAY.report}${opts.parity ? `, ${PARITY_FILES.json}, ${PARITY_FILES.markdown}` : ''} and the promtool test files`,
  );
  const sum = goalSummary(report);
  return opts.strict && sum.met < sum.total ? 1 : 0;
}
