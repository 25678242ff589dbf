/** `promtool/tests`: `promtool test rules` on every generated unit test (each alert on a simulated incident). */
import { availableParallelism } from 'node:os';
import { posix } from 'node:path';
import { parse } from 'yaml';
import { OUT } from '../conventions.ts';
import { parseDuration } from '../util/duration.ts';
import type { Finding } from '../util/finding.ts';
import { findBinary, missingTool, promtoolTestFindings, runTool } from '../util/tool.ts';
import type { Check, CheckContext } from './lib/context.ts';

export const PROMTOOL_TESTS = 'promtool/tests';

const ONE_CORE = { GOMAXPROCS: process.env.GOMAXPROCS ?? '1' };

export const promtoolTests: Check = {
  id: PROMTOOL_TESTS,
  description: 'promtool test rules on prometheus/tests/*.test.yml',
  async run(ctx) {
    const bin = findBinary('promtool');
    if (!bin) return [missingTool(PROMTOOL_TESTS, 'promtool', 'prometheus')];
    const files = ctx.list(OUT.testsDir, '.yml');
    if (files.length === 0) {
      return [{ check: PROMTOOL_TESTS, severity: 'error', file: OUT.testsDir, message: 'no rule tests' }];
    }
    // A promtool run costs ~45 ms before its first test, so the files are dealt into a few batches (twice as
    // many as there are CPUs: promtool evaluates on one core), largest first onto the lightest batch, and the
    // batches run as many at a time as there are CPUs, heaviest first, so that none is left to run alone at the
    // end. promtool prints a failure's details on stderr apart from the file it belongs to, so a failing batch
    // runs again one file at a time: each finding names its file. Findings in the files' order.
    const findings: Finding[][] = files.map(() => []);
    const cpus = availableParallelism();
    const batches = dealt(
      files.map((f) => testCost(ctx, f)),
      Math.min(2 * cpus, files.length),
    );
    // One core each (GOMAXPROCS=1): with a promtool per CPU, Go's parallel collector only competes with the
    // other runs (two runs side by side: 4.6 s instead of 5.5 s wall, 7.8 s instead of 8.9 s CPU on 2 cores).
    const run = (paths: string[]) => runTool(bin, ['test', 'rules', ...paths], ctx.outDir, ONE_CORE);
    let next = 0;
    const worker = async () => {
      for (let k = next++; k < batches.length; k = next++) {
        const batch = batches[k] as number[];
        const all = await run(batch.map((i) => files[i] as string));
        if (all.code === 0) continue;
        for (const i of batch) {
          const file = files[i] as string;
          const one = batch.length === 1 ? all : await run([file]);
          findings[i] = promtoolTestFindings(PROMTOOL_TESTS, file, one);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(cpus, batches.length) }, worker));
    return findings.flat();
  },
};

/**
 * A test file's cost estimate: promtool evaluates every rule of the loaded rule files at every evaluation step
 * up to each test's last eval time, so Σ over tests of steps × rules, plus a test's fixed cost. An unreadable
 * file weighs its length (promtool/tests reports what is wrong with it).
 */
function testCost(ctx: CheckContext, file: string): number {
  const text = ctx.read(file);
  try {
    const doc = parse(text) as {
      rule_files?: string[];
      evaluation_interval?: string;
      tests?: { alert_rule_test?: { eval_time?: string }[]; promql_expr_test?: { eval_time?: string }[] }[];
    };
    const step = parseDuration(doc.evaluation_interval ?? '1m') || 60_000;
    const rules = (doc.rule_files ?? [])
      .map((r) => posix.join(posix.dirname(file), r))
      .reduce((n, r) => n + (ctx.exists(r) ? (ctx.read(r).match(/^\s*- (record|alert):/gm)?.length ?? 0) : 0), 0);
    return (doc.tests ?? []).reduce((sum, t) => {
      const last = Math.max(
        0,
        ...[...(t.alert_rule_test ?? []), ...(t.promql_expr_test ?? [])].map(
          (e) => parseDuration(e.eval_time ?? '') ?? 0,
        ),
      );
      return sum + (last / step + 1) * Math.max(rules, 1) + 100;
    }, 0);
  } catch {
    return text.length;
  }
}

/**
 * Indexes of `weights` dealt into `n` batches of near-equal total weight (longest processing time first: each,
 * heaviest first, onto the lightest batch so far), the heaviest batch first, each batch in index order.
 */
export function dealt(weights: readonly number[], n: number): number[][] {
  const batches = Array.from({ length: n }, () => ({ total: 0, items: [] as number[] }));
  const order = weights.map((_, i) => i).sort((a, b) => (weights[b] ?? 0) - (weights[a] ?? 0) || a - b);
  for (const i of order) {
    const lightest = batches.reduce((min, b) => (b.total < min.total ? b : min));
    lightest.total += weights[i] ?? 0;
    lightest.items.push(i);
  }
  return batches
    .filter((b) => b.items.length > 0)
    .sort((a, b) => b.total - a.total)
    .map((b) => b.items.sort((x, y) => x - y));
}
