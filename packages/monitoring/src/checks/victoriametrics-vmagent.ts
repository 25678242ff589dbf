/**
 * `victoriametrics/vmagent` (with `scale`): the real `vmagent -dryRun` (Debian's `victoria-metrics` package) on
 * victoriametrics/vmagent.yml, the scrape config every vmagent member reads (strict: an unknown field fails, as it
 * would at start). See docs/checks/victoriametrics-vmagent.md.
 */
import { VM_FILES } from '../model/scale.ts';
import { findBinary, missingTool, runTool } from '../util/tool.ts';
import type { Check } from './lib/context.ts';
import { vmDryRunFindings } from './lib/vm-tool.ts';

export const VICTORIAMETRICS_VMAGENT = 'victoriametrics/vmagent';

export const victoriaMetricsVmagent: Check = {
  id: VICTORIAMETRICS_VMAGENT,
  description: 'vmagent -dryRun on victoriametrics/vmagent.yml',
  async run(ctx) {
    if (!ctx.exists(VM_FILES.dir)) return [];
    if (!ctx.exists(VM_FILES.scrapeConfig))
      return [{ check: VICTORIAMETRICS_VMAGENT, severity: 'error', file: VM_FILES.scrapeConfig, message: 'missing' }];
    const bin = findBinary('vmagent');
    if (!bin) return [missingTool(VICTORIAMETRICS_VMAGENT, 'vmagent', 'victoria-metrics')];
    const result = await runTool(bin, ['-dryRun', `-promscrape.config=${VM_FILES.scrapeConfig}`], ctx.outDir);
    return vmDryRunFindings(VICTORIAMETRICS_VMAGENT, VM_FILES.scrapeConfig, result);
  },
};
