/** Every check `ghmon check` runs, in the order their findings are printed. */
import { OUT } from '../conventions.ts';
import { dashboardQueries } from '../outdir/dashboards.ts';
import type { Finding } from '../util/finding.ts';
import { amtoolConfig } from './amtool-config.ts';
import { amtoolRoutes } from './amtool-routes.ts';
import { composeSchema } from './compose-schema.ts';
import { composeAmtool, composePromtool } from './compose-tools.ts';
import { CONTRACT_CHECK, checkContract } from './contract.ts';
import { kubernetesAmtool } from './kubernetes-amtool.ts';
import { kubernetesPromtool } from './kubernetes-promtool.ts';
import { kubernetesSchema } from './kubernetes-schema.ts';
import { kubernetesSelectors } from './kubernetes-selectors.ts';
import { kubernetesValues } from './kubernetes-values.ts';
import { type Check, type CheckContext, checkContext } from './lib/context.ts';
import type { CheckReport } from './lib/report-format.ts';
import { promtoolConfig } from './promtool-config.ts';
import { promtoolRules } from './promtool-rules.ts';
import { promtoolTests } from './promtool-tests.ts';
import { workersScraped } from './workers-scraped.ts';

export const CONTRACT = 'contract';

/** The contract check (PromQL parsed with lezer-promql, matched against the metric contract). */
export const contractCheck: Check = {
  id: CONTRACT,
  description: 'every PromQL expression parses and reads only metrics and labels that exist',
  async run(ctx: CheckContext) {
    const files = ctx.list(OUT.rulesDir, '.yml').map((path) => ({ path, content: ctx.read(path) }));
    // The scrape config's target labels (service, runtime, team) are labels every application series carries.
    const prometheusConfig = ctx.exists(OUT.prometheusConfig) ? ctx.read(OUT.prometheusConfig) : undefined;
    // Dashboard queries (panels, annotations, variables) from every grafana/dashboards/*.json.
    const dashboards = ctx
      .list(OUT.grafanaDashboardsDir, '.json')
      .map((path) => dashboardQueries(path, ctx.read(path)));
    return [
      ...dashboards.flatMap((d) =>
        d.problems.map((p): Finding => ({ check: CONTRACT_CHECK.parseError, severity: 'error', ...p })),
      ),
      ...checkContract(
        files,
        dashboards.flatMap((d) => d.queries),
        prometheusConfig ? { prometheusConfig } : {},
      ),
    ];
  },
};

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
];

export type { CheckReport };

export async function runChecks(outDir: string, checks: readonly Check[] = CHECKS): Promise<CheckReport> {
  const ctx = checkContext(outDir);
  const results = await Promise.all(checks.map((c) => c.run(ctx)));
  return {
    findings: results.flat(),
    summary: checks.map((c, i) => ({
      id: c.id,
      description: c.description,
      findings: results[i]?.length ?? 0,
      errors: results[i]?.filter((f) => f.severity === 'error').length ?? 0,
    })),
  };
}
