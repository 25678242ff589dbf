/**
 * What `compose/promtool` and `compose/amtool` share: a tool run on a service's config as its container will load
 * it. The service's bind mounts are staged at their container paths (lib/compose.ts) and the file its
 * `--config.file` names is checked there. A mount that misses it, or a `--config.file` pointing elsewhere, fails
 * here as it would in the container. Paths in the tool's messages are the container's.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { OUT } from '../../conventions.ts';
import type { Finding } from '../../util/finding.ts';
import { findBinary, missingTool } from '../../util/tool.ts';
import { flagValue, readCompose, stageMounts } from './compose.ts';
import type { Check } from './context.ts';

export interface ComposeTool {
  readonly check: string;
  readonly service: string;
  readonly bin: 'promtool' | 'amtool';
  readonly pkg: string;
  /** Runs the tool on the staged config; `file` is the path its messages name (replaced by the container's). */
  readonly run: (bin: string, configPath: string, tmp: string) => Promise<{ findings: Finding[]; file: string }>;
}

export function composeTool(tool: ComposeTool, description: string): Check {
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
