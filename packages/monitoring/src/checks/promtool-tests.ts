/** `promtool/tests`: `promtool test rules` on every generated unit test (each alert on a simulated incident). */
import { availableParallelism } from 'node:os';
import { OUT } from '../conventions.ts';
import type { Finding } from '../util/finding.ts';
import { findBinary, missingTool, promtoolTestFindings, runTool } from '../util/tool.ts';
import type { Check } from './lib/context.ts';

export const PROMTOOL_TESTS = 'promtool/tests';

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
    // One promtool per file (so each failure names its file), as many at a time as there are CPUs (promtool
    // evaluates on one core), the largest files (the longest incidents) first so that none is left to run
    // alone at the end; findings in the files' order.
    const findings: Finding[][] = files.map(() => []);
    const sizes = files.map((f) => ctx.read(f).length);
    const order = files.map((_, i) => i).sort((a, b) => (sizes[b] ?? 0) - (sizes[a] ?? 0) || a - b);
    let next = 0;
    const worker = async () => {
      for (let k = next++; k < order.length; k = next++) {
        const i = order[k] as number;
        const file = files[i] as string;
        findings[i] = promtoolTestFindings(
          PROMTOOL_TESTS,
          file,
          await runTool(bin, ['test', 'rules', file], ctx.outDir),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(availableParallelism(), files.length) }, worker));
    return findings.flat();
  },
};
