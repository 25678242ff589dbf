/** `promtool/config`: `promtool check config` on the generated prometheus.yml (it also loads the rule files). */
import { OUT } from '../conventions.ts';
import type { Check } from './context.ts';
import { findBinary, missingTool, runTool, toolFindings } from './tool.ts';

export const PROMTOOL_CONFIG = 'promtool/config';

export const promtoolConfig: Check = {
  id: PROMTOOL_CONFIG,
  description: 'promtool check config on prometheus/prometheus.yml',
  async run(ctx) {
    const bin = findBinary('promtool');
    if (!bin) return [missingTool(PROMTOOL_CONFIG, 'promtool', 'prometheus')];
    if (!ctx.exists(OUT.prometheusConfig)) {
      return [{ check: PROMTOOL_CONFIG, severity: 'error', file: OUT.prometheusConfig, message: 'file is missing' }];
    }
    const result = await runTool(bin, ['check', 'config', OUT.prometheusConfig], ctx.outDir);
    return toolFindings(PROMTOOL_CONFIG, OUT.prometheusConfig, result);
  },
};
