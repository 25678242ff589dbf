/** `promtool/rules`: `promtool check rules` on every rule file (syntax, PromQL, templates, duplicate rules). */
import { OUT } from '../conventions.ts';
import { findBinary, missingTool, runTool, toolFindings } from '../util/tool.ts';
import type { Check } from './lib/context.ts';

export const PROMTOOL_RULES = 'promtool/rules';

export const promtoolRules: Check = {
  id: PROMTOOL_RULES,
  description: 'promtool check rules on prometheus/rules/*.yml',
  async run(ctx) {
    const bin = findBinary('promtool');
    if (!bin) return [missingTool(PROMTOOL_RULES, 'promtool', 'prometheus')];
    const files = ctx.list(OUT.rulesDir, '.yml');
    if (files.length === 0) {
      return [{ check: PROMTOOL_RULES, severity: 'error', file: OUT.rulesDir, message: 'no rule files' }];
    }
    const result = await runTool(bin, ['check', 'rules', ...files], ctx.outDir);
    return toolFindings(PROMTOOL_RULES, OUT.rulesDir, result);
  },
};
