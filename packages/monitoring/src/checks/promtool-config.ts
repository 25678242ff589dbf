/**
 * `promtool/config`: `promtool check config` on the generated prometheus.yml and any HA replica configs
 * (it also loads the rule files they name).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT } from '../conventions.ts';
import { findBinary, missingTool, runTool, toolFindings } from '../util/tool.ts';
import type { Check } from './lib/context.ts';
import { withStagedConfig } from './lib/credential-stubs.ts';

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
    // prometheus.yml and, with HA, one prometheus-<replica>.yml per replica.
    const files = ctx.list('prometheus', '.yml').filter((f) => /\/prometheus[^/]*\.yml$/.test(f));
    // On a staged copy: the secret files it names exist only where Prometheus runs (checks/lib/credential-stubs.ts).
    const results = await Promise.all(
      files.map((f) => {
        const path = join(ctx.outDir, f);
        return withStagedConfig(readFileSync(path, 'utf8'), path, async (staged, restore) => {
          const r = await runTool(bin, ['check', 'config', staged], ctx.outDir);
          return { ...r, stdout: restore(r.stdout).replaceAll(path, f), stderr: restore(r.stderr).replaceAll(path, f) };
        });
      }),
    );
    return results.flatMap((result, i) => toolFindings(PROMTOOL_CONFIG, files[i] as string, result));
  },
};
