/** `promtool/tests`: `promtool test rules` on every generated unit test (each alert on a simulated incident). */
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
    // One promtool per file (so each failure names its file), two at a time (promtool uses one core).
    const findings: Finding[][] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < files.length; i = next++) {
        const file = files[i] as string;
        findings[i] = promtoolTestFindings(
          PROMTOOL_TESTS,
          file,
          await runTool(bin, ['test', 'rules', file], ctx.outDir),
        );
      }
    };
    await Promise.all([worker(), worker()]);
    return findings.flat();
  },
};
