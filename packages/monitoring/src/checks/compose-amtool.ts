/**
 * `compose/amtool`: `amtool check-config` on the Alertmanager config of compose/docker-compose.yml as the
 * container mounts it (lib/compose-tool.ts). See docs/checks/compose-amtool.md.
 */
import { OUT } from '../conventions.ts';
import { runTool, toolFindings } from '../util/tool.ts';
import { composeTool } from './lib/compose-tool.ts';

export const COMPOSE_AMTOOL = 'compose/amtool';

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
