/**
 * Validates Kubernetes custom resources against the openAPIV3Schema of their CRD (vendored in
 * packages/monitoring/data/) with ajv, the way the API server's strict field validation (kubectl's default
 * `--validate=strict`) treats them:
 * - an unknown field is an error: every object schema with `properties` gets `additionalProperties: false`,
 *   unless it says `x-kubernetes-preserve-unknown-fields`;
 * - Go RE2 inline flags, which JavaScript rejects, are translated: `(?i)` becomes the `i` flag for the whole pattern
 *   (`^(?i)(abort|warn)?$` accepts `Warn`). Every `(?i)` in these CRDs applies to the rest of the pattern or group,
 *   so a whole-pattern flag can only accept more, never reject a valid value;
 * - `format: int32/int64` are range checks, `date-time` RFC 3339; `x-kubernetes-*` annotations carry no validation
 *   that ajv can run (CEL `x-kubernetes-validations` is not evaluated).
 * The CRD schemas say only `metadata: {type: object}`; metadataProblems() checks names and labels.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { dataFile } from './kubernetes.ts';

type Schema = Record<string, unknown>;

const K8S_KEYWORDS = [
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
  'x-kubernetes-embedded-resource',
];

/** A RegExp engine for ajv that understands RE2's `(?i)`. */
export function re2RegExp(pattern: string, flags: string): RegExp {
  if (!pattern.includes('(?i)')) return new RegExp(pattern, flags);
  return new RegExp(pattern.replaceAll('(?i)', ''), flags.includes('i') ? flags : `${flags}i`);
}

/** The schema as the API server applies it with strict field validation: unknown fields are errors. */
export function structural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(structural);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    // `properties` and `patternProperties` map names to schemas: recurse into the schemas, not the map itself.
    out[k] =
      (k === 'properties' || k === 'patternProperties') && typeof v === 'object' && v !== null
        ? Object.fromEntries(Object.entries(v).map(([name, s]) => [name, structural(s)]))
        : structural(v);
  }
  if ('properties' in out && !('additionalProperties' in out) && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

function newAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strictTypes: false,
    code: { regExp: Object.assign(re2RegExp, { code: 're2RegExp' }) },
  });
  for (const k of K8S_KEYWORDS) ajv.addKeyword({ keyword: k, schemaType: ['boolean', 'string', 'array', 'object'] });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i);
  ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
  return ajv;
}

/** The CRDs ghmon emits objects of: apiVersion + kind → vendored schema file. */
export const CRD_SCHEMAS: Record<string, string> = {
  'monitoring.coreos.com/v1 PrometheusRule': 'prometheusrule-v1.schema.json',
  'monitoring.coreos.com/v1 ServiceMonitor': 'servicemonitor-v1.schema.json',
};

const validators = new Map<string, ValidateFunction>();
let ajv: Ajv | undefined;

/** The validator for `apiVersion kind`, or undefined when ghmon has no schema for it. */
export function crdValidator(apiVersion: string, kind: string): ValidateFunction | undefined {
  const key = `${apiVersion} ${kind}`;
  const file = CRD_SCHEMAS[key];
  if (!file) return undefined;
  let v = validators.get(key);
  if (!v) {
    ajv ??= newAjv();
    v = ajv.compile(structural(JSON.parse(dataFile(file))) as Schema);
    validators.set(key, v);
  }
  return v;
}

/** ajv errors as `spec.groups[0].rules[1].for: must match pattern ...` with the path as a list of keys. */
export function schemaErrors(
  errors: ErrorObject[] | null | undefined,
): { path: (string | number)[]; message: string }[] {
  return (errors ?? []).map((e) => {
    const path = e.instancePath
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const extra =
      e.keyword === 'additionalProperties'
        ? ` "${(e.params as { additionalProperty: string }).additionalProperty}" (unknown field)`
        : e.keyword === 'enum'
          ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')})`
          : '';
    return { path, message: `${e.message ?? e.keyword}${extra}` };
  });
}

export function formatKeyPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(object)';
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** metadata the API server would reject: name, namespace and labels (keys and values). */
export function metadataProblems(metadata: unknown): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const m = (typeof metadata === 'object' && metadata !== null ? metadata : {}) as Record<string, unknown>;
  if (typeof m.name !== 'string' || m.name.length > 253 || !DNS_SUBDOMAIN.test(m.name)) {
    problems.push({ path: ['metadata', 'name'], message: 'must be a DNS subdomain name (lowercase, at most 253)' });
  }
  if (typeof m.namespace !== 'string' || m.namespace.length > 63 || !DNS_LABEL.test(m.namespace)) {
    problems.push({ path: ['metadata', 'namespace'], message: 'must be a namespace name' });
  }
  const labels = m.labels ?? {};
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    problems.push({ path: ['metadata', 'labels'], message: 'must be a map' });
  } else {
    for (const [k, v] of Object.entries(labels)) {
      if (!LABEL_KEY.test(k)) problems.push({ path: ['metadata', 'labels', k], message: 'is not a valid label key' });
      if (typeof v !== 'string' || !LABEL_VALUE.test(v)) {
        problems.push({
          path: ['metadata', 'labels', k],
          message: `label value ${JSON.stringify(v)} must be a string of at most 63 letters, digits, -, _ and .`,
        });
      }
    }
  }
  const known = new Set(['name', 'namespace', 'labels', 'annotations']);
  for (const k of Object.keys(m)) {
    if (!known.has(k))
      problems.push({ path: ['metadata', k], message: 'unexpected metadata field in a generated object' });
  }
  return problems;
}
