/**
 * `compose/promtool`: `promtool check config` on the Prometheus config of compose/docker-compose.yml as the
 * container will load it (lib/compose-tool.ts): rule files found through the mounts, as in the container; secret
 * files, which exist only in the container, as stubs. See docs/checks/compose-promtool.md.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { OUT } from '../conventions.ts';
import { runTool, toolFindings } from '../util/tool.ts';
import { composeTool } from './lib/compose-tool.ts';
import { stageWithCredentialStubs } from './lib/credential-stubs.ts';

export const COMPOSE_PROMTOOL = 'compose/promtool';

export const composePromtool = composeTool(
  {
    check: COMPOSE_PROMTOOL,
    service: 'prometheus',
    bin: 'promtool',
    pkg: 'prometheus',
    async run(bin, configPath, tmp) {
      // Secret files exist only in the container: stubs (checks/lib/credential-stubs.ts); rule files are the mounted ones.
      const { file } = stageWithCredentialStubs(readFileSync(configPath, 'utf8'), dirname(configPath), tmp);
      const result = await runTool(bin, ['check', 'config', file], dirname(configPath));
      const findings = toolFindings(COMPOSE_PROMTOOL, OUT.composePrometheusConfig, result);
      // promtool accepts a rule_files glob that matches nothing: in the container that is a Prometheus without rules.
      if (result.code === 0 && !/SUCCESS: [1-9]\d* rule files? found/.test(result.stdout)) {
        findings.push({
          check: COMPOSE_PROMTOOL,
          severity: 'error',
          file: OUT.composePrometheusConfig,
          message: 'no rule file found through the mounts: Prometheus would run without rules',
        });
      }
      return { findings, file };
    },
  },
  'promtool check config on compose/prometheus/prometheus.yml, with the rules mounted as the container sees them',
);
