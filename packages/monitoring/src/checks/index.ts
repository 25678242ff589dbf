/** Every check `ghmon check` runs, in the order their findings are printed. */
import { availableParallelism } from 'node:os';
import type { Finding } from '../util/finding.ts';
import { amtoolConfig } from './amtool-config.ts';
import { amtoolRoutes } from './amtool-routes.ts';
import { composeAmtool } from './compose-amtool.ts';
import { composePromtool } from './compose-promtool.ts';
import { composeSchema } from './compose-schema.ts';
import { CONTRACT, CONTRACT_CHECK, contractCheck } from './contract.ts';
import { kubernetesAmtool } from './kubernetes-amtool.ts';
import { kubernetesPromtool } from './kubernetes-promtool.ts';
import { kubernetesSchema } from './kubernetes-schema.ts';
import { kubernetesSelectors } from './kubernetes-selectors.ts';
import { kubernetesValues } from './kubernetes-values.ts';
import { type Check, checkContext } from './lib/context.ts';
import type { CheckReport } from './lib/report-format.ts';
import { LIVE_SERIES } from './live-series.ts';
import { promtoolConfig } from './promtool-config.ts';
import { promtoolRules } from './promtool-rules.ts';
import { promtoolTests } from './promtool-tests.ts';
import { victoriaMetricsValues } from './victoriametrics-values.ts';
import { victoriaMetricsVmagent } from './victoriametrics-vmagent.ts';
import { victoriaMetricsVmalert } from './victoriametrics-vmalert.ts';
import { workersScraped } from './workers-scraped.ts';

export const CHECKS: readonly Check[] = [
  promtoolConfig,
  promtoolRules,
  promtoolTests,
  amtoolConfig,
  amtoolRoutes,
  contractCheck,
  workersScraped,
  kubernetesValues,
  kubernetesSchema,
  kubernetesSelectors,
  kubernetesPromtool,
  kubernetesAmtool,
  composeSchema,
  composePromtool,
  composeAmtool,
  victoriaMetricsVmagent,
  victoriaMetricsVmalert,
  victoriaMetricsValues,
];

/**
 * Every id a finding can carry, each with its docs page (docs/checks/<id with / as ->.md) and its table test
 * (packages/monitoring/test/checks/<same>.test.ts): every check's own id but `contract`, which reports under the
 * contract/* ids, and `live/series`, which `ghmon check --prometheus` adds.
 */
export const FINDING_IDS: readonly string[] = [
  ...CHECKS.flatMap((c) => (c.id === CONTRACT ? Object.values(CONTRACT_CHECK) : [c.id])),
  LIVE_SERIES,
];

export type { CheckReport };

/**
 * Runs the checks, at most `concurrency` at a time (default: the CPU count; most of a check's time is a
 * promtool or amtool process), started in the given order. The report is assembled in that order whatever
 * order they finish in, so the output stays deterministic; each summary entry carries the check's wall time.
 */
export async function runChecks(
  outDir: string,
  checks: readonly Check[] = CHECKS,
  concurrency = availableParallelism(),
): Promise<CheckReport> {
  const ctx = checkContext(outDir);
  const results: Finding[][] = checks.map(() => []);
  const ms: number[] = checks.map(() => 0);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < checks.length; i = next++) {
      const start = performance.now();
      results[i] = await (checks[i] as Check).run(ctx);
      ms[i] = Math.round(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, checks.length)) }, worker));
  return {
    findings: results.flat(),
    summary: checks.map((c, i) => ({
      id: c.id,
      description: c.description,
      findings: results[i]?.length ?? 0,
      errors: results[i]?.filter((f) => f.severity === 'error').length ?? 0,
      ms: ms[i] ?? 0,
    })),
  };
}
