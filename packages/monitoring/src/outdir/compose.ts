/**
 * Reading out/compose/ as Docker Compose will: the compose file parsed into its services (command, environment,
 * volumes, secrets) and each service's bind mounts of relative host paths, resolved from compose/ as Compose
 * resolves them. What cannot be read comes back as a problem, never as an exception.
 */
import { dirname, resolve } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { OUT } from '../conventions.ts';
import type { OutFiles, OutProblem } from './files.ts';

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

/** A compose file's text as a project, or the problem that it is not one. */
export function parseCompose(file: string, text: string): { project?: ComposeProject; problems: OutProblem[] } {
  const doc = parseDocument(text);
  if (doc.errors.length > 0 || !isMap(doc.contents)) {
    const reason = doc.errors[0]?.message.split('\n')[0] ?? 'not a mapping';
    return { problems: [{ file, message: `not a compose file: ${reason}` }] };
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
  return { project: { document, services, secrets: Object.keys(asRecord(document.secrets)) }, problems: [] };
}

/** out/compose/'s compose file, or the problem that it is missing or not a compose file. */
export function readCompose(files: OutFiles): { project?: ComposeProject; problems: OutProblem[] } {
  const file = OUT.composeFile;
  if (!files.exists(file)) return { problems: [{ file, message: 'file is missing' }] };
  return parseCompose(file, files.read(file));
}

/**
 * A service's bind mounts of relative host paths (named volumes and absolute host paths are not out/'s), resolved
 * from the compose file's directory in `outDir`.
 */
export function bindMounts(outDir: string, service: ComposeService): BindMount[] {
  const composeDir = resolve(outDir, dirname(OUT.composeFile));
  return service.volumes.flatMap((v) => {
    const [source, target] = v.split(':');
    if (source === undefined || target === undefined || !source.startsWith('.')) return [];
    return [{ source, hostPath: resolve(composeDir, source), target }];
  });
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
