/**
 * `compose/promtool` and `compose/amtool`: the Prometheus and Alertmanager configs as their containers will load
 * them. Each service's bind mounts are staged at their container paths (compose-common.ts), and the file its
 * `--config.file` names is checked there: `promtool check config` (rule files found through the mounts, as in the
 * container; secret files, which exist only in the container, as stubs) and `amtool check-config`. A mount that
 * misses the rules, or a `--config.file` pointing elsewhere, fails here as it would in the container.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { OUT } from '../conventions.ts';
import type { Finding } from '../util/finding.ts';
import { findBinary, missingTool, runTool, toolFindings } from '../util/tool.ts';
import { flagValue, readCompose, stageMounts } from './lib/compose.ts';
import type { Check } from './lib/context.ts';
import { stageWithCredentialStubs } from './lib/credential-stubs.ts';

export const COMPOSE_PROMTOOL = 'compose/promtool';
export const COMPOSE_AMTOOL = 'compose/amtool';

interface Tool {
  readonly check: string;
  readonly service: string;
  readonly bin: 'promtool' | 'amtool';
  readonly pkg: string;
  readonly run: (bin: string, configPath: string, tmp: string) => Promise<{ findings: Finding[]; file: string }>;
}

function composeTool(tool: Tool, description: string): Check {
  return {
    id: tool.check,
    description,
    async run(ctx) {
      const bin = findBinary(tool.bin);
      if (!bin) return [missingTool(tool.check, tool.bin, tool.pkg)];
      const { project, findings } = readCompose(ctx, tool.check);
      if (project === undefined) return findings;
      const service = project.services.find((s) => s.name === tool.service);
      const configFile = service === undefined ? undefined : flagValue(service, 'config.file');
      if (service === undefined || configFile === undefined) {
        const what =
          service === undefined ? `no service "${tool.service}"` : `services.${tool.service} has no --config.file`;
        return [{ check: tool.check, severity: 'error', file: OUT.composeFile, message: what }];
      }
      const tmp = mkdtempSync(join(tmpdir(), 'ghmon-compose-'));
      try {
        const root = stageMounts(ctx, service, join(tmp, 'container'));
        const staged = join(root, ...posix.normalize(`/${configFile}`).split('/').filter(Boolean));
        if (!existsSync(staged)) {
          return [
            {
              check: tool.check,
              severity: 'error',
              file: OUT.composeFile,
              message: `services.${tool.service}: --config.file=${configFile} is not among its mounts`,
            },
          ];
        }
        const { findings: found, file } = await tool.run(bin, staged, tmp);
        return found.map((f) => ({ ...f, message: f.message.replaceAll(file, configFile).replaceAll(root, '') }));
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  };
}

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

export const composeAmtool = composeTool(
  {
    check: COMPOSE_AMTOOL,
    service: 'alertmanager',
    bin: 'amtool',
    pkg: 'prometheus-alertmanager',
    async run(bin, configPath) {
      const result = await runTool(bin, ['check-config', configPath]);
      return { findings: toolFindings(COMPOSE_AMTOOL, OUT.composeAlertmanagerConfig, result), file: configPath };
    },
  },
  'amtool check-config on compose/alertmanager/alertmanager.yml as the container mounts it',
);
