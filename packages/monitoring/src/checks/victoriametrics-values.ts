/**
 * `victoriametrics/values` (with `scale`): every key of out/victoriametrics/kubernetes/*-values.yaml exists in the
 * values of the VictoriaMetrics chart it is for (vendored in data/, model/vm-charts.ts), with the same kind of value,
 * as kubernetes/values does for kube-prometheus-stack: Helm ignores a key the chart does not read. The free-form
 * subtrees (the scrape config, the rule groups, flags by name) are listed with their reason in vm-charts.ts and
 * checked by the dry runs. See docs/checks/victoriametrics-values.md.
 */
import { parseDocument } from 'yaml';
import { VM_FILES } from '../model/scale.ts';
import { VM_CHARTS, vmChartsFor } from '../model/vm-charts.ts';
import type { Finding } from '../util/finding.ts';
import { valueProblems } from './kubernetes-values.ts';
import type { Check } from './lib/context.ts';
import { dataFile, readYaml } from './lib/kubernetes.ts';

export const VICTORIAMETRICS_VALUES = 'victoriametrics/values';

const defaultsCache = new Map<string, unknown>();
function chartDefaults(file: string): unknown {
  if (!defaultsCache.has(file)) defaultsCache.set(file, parseDocument(dataFile(file)).toJS());
  return defaultsCache.get(file);
}

export const victoriaMetricsValues: Check = {
  id: VICTORIAMETRICS_VALUES,
  description: "every key of victoriametrics/kubernetes/*-values.yaml exists in the VictoriaMetrics chart's values",
  async run(ctx) {
    if (!ctx.exists(VM_FILES.dir)) return [];
    const findings: Finding[] = [];
    const cluster = ctx.exists(VM_CHARTS.cluster.file);
    for (const chart of vmChartsFor(cluster)) {
      const values = readYaml(ctx, VICTORIAMETRICS_VALUES, chart.file, findings);
      if (!values) continue;
      const free = new Set(chart.free.map((f) => f.path));
      for (const p of valueProblems(values.value, chartDefaults(chart.dataFile), [], free)) {
        const line = values.line(p.path);
        findings.push({
          check: VICTORIAMETRICS_VALUES,
          severity: 'error',
          file: chart.file,
          ...(line !== undefined ? { line } : {}),
          message: `${p.path.join('.') || '(top level)'}: ${p.message} (chart ${chart.chart} ${chart.version})`,
        });
      }
    }
    return findings;
  },
};
