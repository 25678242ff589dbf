/**
 * `kubernetes/schema`: the objects kustomization.yaml applies are valid for the API server — PrometheusRule and
 * ServiceMonitor against their CRD schemas (ajv, strict: an unknown field is an error), NetworkPolicies against
 * the Kubernetes OpenAPI schema (kubernetes-models), ConfigMaps within the
 * API's limits, names and labels well-formed, all in the kustomization's namespace — and the kustomization lists
 * exactly the generated objects. Secret templates must hold no value and must never be applied.
 */
import { type INetworkPolicy, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { OUT } from '../conventions.ts';
import type { Finding } from '../util/finding.ts';
import { getPath, isMap } from '../util/helm.ts';
import type { Check, CheckContext } from './lib/context.ts';
import { type AppliedObject, readKubernetesOutput, readYaml } from './lib/kubernetes.ts';
import { crdValidator, formatKeyPath, metadataProblems, schemaErrors } from './lib/kubernetes-crd.ts';

export const KUBERNETES_SCHEMA = 'kubernetes/schema';

/** ConfigMaps are limited to 1 MiB of data by the API server. */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

const APPLIED_DIRS = [
  OUT.kubernetesRulesDir,
  OUT.kubernetesServiceMonitorsDir,
  OUT.kubernetesDashboardsDir,
  OUT.kubernetesNetworkPoliciesDir,
];

/**
 * A NetworkPolicy against the Kubernetes OpenAPI schema, as kubernetes-models compiles it (types, enums, required
 * fields, label selectors). That schema does not reject unknown fields; the generator builds these objects with
 * kubernetes-models' TypeScript types, which do.
 */
function networkPolicyProblems(object: unknown): { path: (string | number)[]; message: string }[] {
  try {
    new NetworkPolicy(object as INetworkPolicy).validate();
    return [];
  } catch (e) {
    const errors = (e as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (!Array.isArray(errors)) return [{ path: [], message: e instanceof Error ? e.message : String(e) }];
    return errors.map((err) => ({
      path: err.instancePath
        .split('/')
        .slice(1)
        .map((k) => (/^\d+$/.test(k) ? Number(k) : k)),
      message: err.message ?? 'is invalid',
    }));
  }
}

function objectFindings(o: AppliedObject, namespace: string | undefined): Finding[] {
  const findings: Finding[] = [];
  const add = (path: (string | number)[], message: string) => {
    const line = o.file.line(path);
    findings.push({
      check: KUBERNETES_SCHEMA,
      severity: 'error',
      file: o.file.path,
      ...(line !== undefined ? { line } : {}),
      message: `${formatKeyPath(path)}: ${message}`,
    });
  };
  for (const p of metadataProblems(o.object.metadata)) add(p.path, p.message);
  if (namespace !== undefined && o.metadata.namespace !== namespace) {
    add(['metadata', 'namespace'], `is ${JSON.stringify(o.metadata.namespace)}, the kustomization's is ${namespace}`);
  }
  const kind = `${String(o.apiVersion)} ${String(o.kind)}`;
  if (kind === 'v1 ConfigMap') {
    for (const k of Object.keys(o.object)) {
      if (!['apiVersion', 'kind', 'metadata', 'data'].includes(k)) add([k], 'unexpected field in a ConfigMap');
    }
    const data = o.object.data;
    if (!isMap(data)) {
      add(['data'], 'must be a map of file name → content');
    } else {
      let bytes = 0;
      for (const [k, v] of Object.entries(data)) {
        if (!/^[-._a-zA-Z0-9]+$/.test(k)) add(['data', k], 'is not a valid ConfigMap key');
        if (typeof v !== 'string') add(['data', k], 'must be a string');
        else bytes += Buffer.byteLength(v) + Buffer.byteLength(k);
      }
      if (bytes > CONFIGMAP_MAX_BYTES) add(['data'], `holds ${bytes} bytes; a ConfigMap holds at most 1 MiB`);
    }
    return findings;
  }
  if (kind === 'networking.k8s.io/v1 NetworkPolicy') {
    for (const p of networkPolicyProblems(o.object)) add(p.path, p.message);
    return findings;
  }
  if (kind === 'v1 Secret') {
    add(['kind'], 'a Secret must not be applied from out/ (it would hold a value, or empty a real Secret)');
    return findings;
  }
  const validate = crdValidator(String(o.apiVersion), String(o.kind));
  if (!validate) {
    add(['kind'], `${kind}: not an object ghmon generates (PrometheusRule, ServiceMonitor, ConfigMap, NetworkPolicy)`);
    return findings;
  }
  if (!validate(o.object)) for (const e of schemaErrors(validate.errors)) add(e.path, e.message);
  return findings;
}

/** Secret templates: every value empty, so nothing secret is ever written to out/. */
function secretTemplateFindings(ctx: CheckContext, listed: Set<string>): Finding[] {
  const findings: Finding[] = [];
  for (const path of ctx.list(OUT.kubernetesSecretsDir, '.yaml')) {
    if (listed.has(path)) {
      findings.push({
        check: KUBERNETES_SCHEMA,
        severity: 'error',
        file: OUT.kubernetesKustomization,
        message: `lists the Secret template ${path}: kubectl apply -k would overwrite the real Secret with empty values`,
      });
    }
    const file = readYaml(ctx, KUBERNETES_SCHEMA, path, findings);
    if (!file) continue;
    for (const field of ['stringData', 'data']) {
      const values = getPath(file.value, [field]);
      for (const [key, value] of Object.entries(isMap(values) ? values : {})) {
        if (value !== '' && value !== null) {
          const line = file.line([field, key]);
          findings.push({
            check: KUBERNETES_SCHEMA,
            severity: 'error',
            file: path,
            ...(line !== undefined ? { line } : {}),
            message: `${field}.${key} holds a value: a Secret template in out/ must be empty`,
          });
        }
      }
    }
  }
  return findings;
}

export const kubernetesSchema: Check = {
  id: KUBERNETES_SCHEMA,
  description: 'kubernetes/ objects valid against the CRD schemas (ajv) and the API limits; kustomization complete',
  async run(ctx) {
    const findings: Finding[] = [];
    const k8s = readKubernetesOutput(ctx, KUBERNETES_SCHEMA, findings);
    const namespace = getPath(k8s.kustomization?.value, ['namespace']);
    if (k8s.kustomization && typeof namespace !== 'string') {
      findings.push({
        check: KUBERNETES_SCHEMA,
        severity: 'error',
        file: OUT.kubernetesKustomization,
        message: 'expected a namespace',
      });
    }
    if (k8s.release && typeof namespace === 'string' && k8s.release.namespace !== namespace) {
      findings.push({
        check: KUBERNETES_SCHEMA,
        severity: 'error',
        file: OUT.kubernetesKustomization,
        message: `namespace ${namespace} differs from the Helm release's (${k8s.release.namespace} in helmfile.yaml)`,
      });
    }
    for (const o of k8s.objects)
      findings.push(...objectFindings(o, typeof namespace === 'string' ? namespace : undefined));
    const listed = new Set(k8s.objects.map((o) => o.file.path));
    const resources = getPath(k8s.kustomization?.value, ['resources']);
    for (const r of Array.isArray(resources) ? resources : []) {
      if (typeof r === 'string') listed.add(`${OUT.kubernetesDir}/${r}`);
    }
    for (const dir of APPLIED_DIRS) {
      for (const path of ctx.list(dir, '.yaml')) {
        if (!listed.has(path)) {
          findings.push({
            check: KUBERNETES_SCHEMA,
            severity: 'error',
            file: OUT.kubernetesKustomization,
            message: `does not list ${path}: kubectl apply -k would skip it`,
          });
        }
      }
    }
    findings.push(...secretTemplateFindings(ctx, listed));
    return findings;
  },
};
