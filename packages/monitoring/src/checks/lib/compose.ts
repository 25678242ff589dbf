/**
 * What the compose/* checks share: out/compose/ as outdir/compose.ts reads it, with its problems as the check's
 * findings, and a staging of a service's mounted files at the paths its container sees them, so that promtool and
 * amtool read exactly what the containers will.
 */
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import {
  type BindMount,
  type ComposeProject,
  type ComposeService,
  bindMounts as mounts,
  readCompose as readProject,
} from '../../outdir/compose.ts';
import type { Finding } from '../../util/finding.ts';
import type { CheckContext } from './context.ts';

export type { BindMount, ComposeProject, ComposeService } from '../../outdir/compose.ts';
export { flagValue } from '../../outdir/compose.ts';

/** The compose file, or a finding saying why it cannot be read. */
export function readCompose(ctx: CheckContext, check: string): { project?: ComposeProject; findings: Finding[] } {
  const { project, problems } = readProject(ctx);
  const findings = problems.map((p): Finding => ({ check, severity: 'error', file: p.file, message: p.message }));
  return project === undefined ? { findings } : { project, findings };
}

/** A service's bind mounts of relative host paths (named volumes and absolute host paths are not out/'s). */
export function bindMounts(ctx: CheckContext, service: ComposeService): BindMount[] {
  return mounts(ctx.outDir, service);
}

/**
 * Copies a service's bind-mounted files under `root` at their container paths (`root/etc/prometheus/…`); a
 * missing source is skipped (the schema check reports it). Returns the staged root.
 */
export function stageMounts(ctx: CheckContext, service: ComposeService, root: string): string {
  for (const m of bindMounts(ctx, service)) {
    // Container paths are absolute; normalising one keeps it under `root` (no `..` survives past `/`).
    if (!existsSync(m.hostPath) || !m.target.startsWith('/')) continue;
    const dest = join(root, ...posix.normalize(m.target).split('/').filter(Boolean));
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(m.hostPath, dest, { recursive: true });
  }
  return root;
}
