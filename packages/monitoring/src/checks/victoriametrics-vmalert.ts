/**
 * `victoriametrics/vmalert` (with `scale`): the real `vmalert -dryRun` (Debian's `victoria-metrics` package) on
 * victoriametrics/rules/*.yml, which parses every group and validates every expression with MetricsQL and every
 * template; and those files hold the same rules as prometheus/rules/ but for the fields vmalert refuses (a rule
 * edited in one and not the other, or missing, is a finding). See docs/checks/victoriametrics-vmalert.md.
 */
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { OUT } from '../conventions.ts';
import { asVmalertRule, VM_FILES, VMALERT_UNSUPPORTED_FIELDS } from '../model/scale.ts';
import type { Finding } from '../util/finding.ts';
import { findBinary, missingTool, runTool } from '../util/tool.ts';
import type { Check, CheckContext } from './lib/context.ts';
import { vmDryRunFindings } from './lib/vm-tool.ts';

export const VICTORIAMETRICS_VMALERT = 'victoriametrics/vmalert';

export const victoriaMetricsVmalert: Check = {
  id: VICTORIAMETRICS_VMALERT,
  description: 'vmalert -dryRun on victoriametrics/rules/*.yml, the same rules as prometheus/rules/',
  async run(ctx) {
    if (!ctx.exists(VM_FILES.dir)) return [];
    const files = ctx.list(VM_FILES.rulesDir, '.yml');
    if (files.length === 0)
      return [{ check: VICTORIAMETRICS_VMALERT, severity: 'error', file: VM_FILES.rulesDir, message: 'no rule files' }];
    const findings = sameRules(ctx);
    const bin = findBinary('vmalert');
    if (!bin) return [...findings, missingTool(VICTORIAMETRICS_VMALERT, 'vmalert', 'victoria-metrics')];
    const result = await runTool(bin, ['-dryRun', ...files.map((f) => `-rule=${f}`)], ctx.outDir);
    return [...findings, ...vmDryRunFindings(VICTORIAMETRICS_VMALERT, VM_FILES.rulesDir, result)];
  },
};

type Groups = { name?: unknown; rules?: Record<string, unknown>[] }[];

function groupsOf(ctx: CheckContext, path: string): Groups | undefined {
  try {
    const doc = parse(ctx.read(path)) as { groups?: Groups } | null;
    return Array.isArray(doc?.groups) ? doc.groups : undefined;
  } catch {
    return undefined;
  }
}

/** Each prometheus/rules file has its vmalert copy with the same groups and rules, less the refused fields. */
function sameRules(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  const finding = (file: string, message: string) =>
    findings.push({ check: VICTORIAMETRICS_VMALERT, severity: 'error', file, message });
  const prom = ctx.list(OUT.rulesDir, '.yml');
  const names = new Set(prom.map((p) => p.slice(OUT.rulesDir.length + 1)));
  for (const vm of ctx.list(VM_FILES.rulesDir, '.yml'))
    if (!names.has(vm.slice(VM_FILES.rulesDir.length + 1)))
      finding(vm, `has no counterpart in ${OUT.rulesDir}/: Prometheus and vmalert would evaluate different rules`);
  for (const p of prom) {
    const vmPath = `${VM_FILES.rulesDir}/${p.slice(OUT.rulesDir.length + 1)}`;
    if (!ctx.exists(vmPath)) {
      finding(p, `has no copy in ${VM_FILES.rulesDir}/: vmalert would not evaluate its rules`);
      continue;
    }
    const [a, b] = [groupsOf(ctx, p), groupsOf(ctx, vmPath)];
    if (!a || !b) continue; // promtool/rules and vmalert's dry run report what does not parse.
    for (const [i, g] of a.entries()) {
      const other = b.find((x) => x.name === g.name);
      if (!other) {
        finding(vmPath, `group ${String(g.name)} is missing (it is in ${p})`);
        continue;
      }
      const want = (g.rules ?? []).map(asVmalertRule);
      const got = other.rules ?? [];
      if (!isDeepStrictEqual({ ...g, rules: want }, other)) {
        const differing = want.findIndex((r, k) => !isDeepStrictEqual(r, got[k]));
        const which = differing >= 0 ? want[differing] : undefined;
        const rule = which ? String(which.alert ?? which.record) : undefined;
        finding(
          vmPath,
          `group ${String(g.name)}${rule ? `, rule ${rule}` : ''} differs from ${p} (group ${i + 1}) beyond the fields vmalert refuses (${VMALERT_UNSUPPORTED_FIELDS.join(', ')})`,
        );
      }
    }
  }
  return findings;
}
