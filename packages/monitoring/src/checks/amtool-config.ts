/** `amtool/config`: `amtool check-config` on the generated alertmanager.yml (routes, receivers, templates). */
import { OUT } from '../conventions.ts';
import { findBinary, missingTool, runTool, toolFindings } from '../util/tool.ts';
import type { Check } from './lib/context.ts';

export const AMTOOL_CONFIG = 'amtool/config';

export const amtoolConfig: Check = {
  id: AMTOOL_CONFIG,
  description: 'amtool check-config on alertmanager/alertmanager.yml',
  async run(ctx) {
    const bin = findBinary('amtool');
    if (!bin) return [missingTool(AMTOOL_CONFIG, 'amtool', 'prometheus-alertmanager')];
    if (!ctx.exists(OUT.alertmanagerConfig)) {
      return [{ check: AMTOOL_CONFIG, severity: 'error', file: OUT.alertmanagerConfig, message: 'file is missing' }];
    }
    const result = await runTool(bin, ['check-config', OUT.alertmanagerConfig], ctx.outDir);
    return toolFindings(AMTOOL_CONFIG, OUT.alertmanagerConfig, result);
  },
};
