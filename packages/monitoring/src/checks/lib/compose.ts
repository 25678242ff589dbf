/**
 * Reading out/compose/ as Docker Compose will: the compose file parsed, each service's bind mounts (relative host
 * paths, resolved from compose/ as Compose resolves them) and a staging of a service's mounted files at the paths
 * its container sees them, so that promtool and amtool read exactly what the containers will.
 */
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { OUT } from '../../conventions.ts';
import type { Finding } from '../../util/finding.ts';
import type { CheckContext } from './context.ts';

export interface ComposeService {
  readonly name: string;
  readonly command: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  readonly volumes: readonly string[];
  readonly secrets: readonly string[];
}

export interface ComposeProject {
  /** The parsed compose file, for the schema. */
  readonly document: unknown;
  readonly services: readonly ComposeService[];
  /** Top-level `secrets:` names. */
  readonly secrets: readonly string[];
}

export interface BindMount {
  /** The host path as written (`../prometheus/rules`). */
  readonly source: string;
  /** Absolute host path, resolved from compose/. */
  readonly hostPath: string;
  /** The path inside the container. */
  readonly target: string;
}

/** The compose file, or a finding saying why it cannot be read. */
export function readCompose(ctx: CheckContext, check: string): { project?: ComposeProject; findings: Finding[] } {
  const file = OUT.composeFile;
  if (!ctx.exists(file)) return { findings: [{ check, severity: 'error', file, message: 'file is missing' }] };
  const doc = parseDocument(ctx.read(file));
  if (doc.errors.length > 0 || !isMap(doc.contents)) {
    const reason = doc.errors[0]?.message.split('\n')[0] ?? 'not a mapping';
    return { findings: [{ check, severity: 'error', file, message: `not a compose file: ${reason}` }] };
  }
  const document = doc.toJS() as Record<string, unknown>;
  const services = Object.entries(asRecord(document.services)).map(([name, raw]) => {
    const s = asRecord(raw);
    return {
      name,
      command: strings(s.command),
      environment: Object.fromEntries(
        Object.entries(asRecord(s.environment)).map(([k, v]) => [k, String(v)] as [string, string]),
      ),
      volumes: strings(s.volumes),
      // Short syntax (`- name`) or long syntax (`- source: name`).
      secrets: (Array.isArray(s.secrets) ? s.secrets : []).flatMap((x) =>
        typeof x === 'string' ? [x] : typeof asRecord(x).source === 'string' ? [asRecord(x).source as string] : [],
      ),
    };
  });
  return { project: { document, services, secrets: Object.keys(asRecord(document.secrets)) }, findings: [] };
}

/** A service's bind mounts of relative host paths (named volumes and absolute host paths are not out/'s). */
export function bindMounts(ctx: CheckContext, service: ComposeService): BindMount[] {
  const composeDir = resolve(ctx.outDir, dirname(OUT.composeFile));
  return service.volumes.flatMap((v) => {
    const [source, target] = v.split(':');
    if (source === undefined || target === undefined || !source.startsWith('.')) return [];
    return [{ source, hostPath: resolve(composeDir, source), target }];
  });
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

/** The value of a `--flag=value` in a service's command. */
export function flagValue(service: ComposeService, flag: string): string | undefined {
  const prefix = `--${flag}=`;
  return service.command.find((c) => c.startsWith(prefix))?.slice(prefix.length);
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return v.split(/\s+/).filter(Boolean);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
