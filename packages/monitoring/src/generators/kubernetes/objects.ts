/**
 * The objects `kubectl apply -k out/kubernetes` applies: a PrometheusRule per rule file, a ServiceMonitor per
 * service scraped inside the cluster, a ConfigMap per Grafana dashboard — and, beside them but never applied,
 * Secret templates without values.
 */
import { Document, isScalar, isMap as isYamlMap } from 'yaml';
import { METRICS_TOKEN_KEY, metricsTokenSecret } from '../../config/scrape-auth.ts';
import { K8S_NAME, K8S_PART_OF, LABEL, OUT } from '../../conventions.ts';
import { API, DASHBOARD_SIDECAR_LABEL, RELEASE_LABEL } from '../../model/chart.ts';
import type { Model, ServiceModel } from '../../model/model.ts';
import { GENERATED_HEADER } from '../../util/yaml.ts';
import { documentsIn, type OutDocument, serialise } from '../document.ts';
import type { RuleGroup } from '../prometheus/rules/types.ts';
import type { SecretSpec } from './secrets.ts';

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
}

export interface PrometheusRule {
  apiVersion: string;
  kind: 'PrometheusRule';
  metadata: ObjectMeta;
  spec: { groups: RuleGroup[] };
}

export interface ServiceMonitor {
  apiVersion: string;
  kind: 'ServiceMonitor';
  metadata: ObjectMeta;
  spec: {
    namespaceSelector: { matchNames: string[] };
    selector: { matchLabels: Record<string, string> };
    endpoints: {
      port: string;
      path: string;
      scheme: 'http' | 'https';
      interval?: string;
      authorization?: { type: 'Bearer'; credentials: { name: string; key: string } };
      relabelings: { action: 'replace'; targetLabel: string; replacement: string }[];
    }[];
  };
}

export interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ObjectMeta;
  data: Record<string, string>;
}

/** Labels that make the chart's Prometheus select an object (its ruleSelector / serviceMonitorSelector). */
function selectedLabels(model: Model): Record<string, string> {
  return { ...K8S_PART_OF, [RELEASE_LABEL]: model.kubernetes.releaseName };
}

function meta(model: Model, name: string, labels: Record<string, string>): ObjectMeta {
  return { name, namespace: model.kubernetes.namespace, labels };
}

/** The groups of a rule file's document, as the rules generator built them (`{ groups }`, written as YAML). */
function ruleGroups(doc: OutDocument): RuleGroup[] {
  const value = doc.kind === 'yaml' ? (doc.value as { groups?: unknown } | null) : undefined;
  if (typeof value !== 'object' || value === null || !Array.isArray(value.groups)) {
    throw new Error(`${doc.path} is not a rule file: expected a YAML document with groups`);
  }
  return value.groups as RuleGroup[];
}

/** One PrometheusRule per generated rule file, with exactly its groups. */
export function prometheusRules(model: Model, generated: readonly OutDocument[]): PrometheusRule[] {
  return documentsIn(generated, OUT.rulesDir, '.yml').map(({ file, doc }) => ({
    apiVersion: API.monitoring,
    kind: 'PrometheusRule',
    metadata: meta(model, K8S_NAME.prometheusRule(file), selectedLabels(model)),
    spec: { groups: ruleGroups(doc) },
  }));
}

/**
 * A ServiceMonitor for a service running in the cluster. Its relabelings attach the same target labels as
 * out/prometheus/prometheus.yml — `service` (which every by-service rule groups by), `runtime`, the config's own
 * labels — and the config's job name, replacing the operator's defaults (the Kubernetes Service name).
 */
export function serviceMonitor(model: Model, s: ServiceModel): ServiceMonitor | undefined {
  const k = s.kubernetes;
  if (!s.scrape || k?.discovery !== 'serviceMonitor') return undefined;
  const labels = { [LABEL.job]: s.job, ...s.targetLabels };
  return {
    apiVersion: API.monitoring,
    kind: 'ServiceMonitor',
    metadata: meta(model, K8S_NAME.serviceMonitor(s.name), selectedLabels(model)),
    spec: {
      namespaceSelector: { matchNames: [k.namespace] },
      selector: { matchLabels: k.selector },
      endpoints: [
        {
          port: k.port,
          path: s.scrape.metricsPath,
          scheme: s.scrape.scheme,
          ...(s.scrape.interval ? { interval: s.scrape.interval } : {}),
          ...(s.scrape.auth
            ? {
                authorization: {
                  type: 'Bearer' as const,
                  credentials: { name: metricsTokenSecret(s.name), key: METRICS_TOKEN_KEY },
                },
              }
            : {}),
          relabelings: Object.entries(labels).map(([targetLabel, replacement]) => ({
            action: 'replace' as const,
            targetLabel,
            replacement,
          })),
        },
      ],
    },
  };
}

/**
 * A ConfigMap per dashboard the generate step produced (every `grafana/dashboards/*.json`), labelled for the
 * chart's Grafana sidecar, which loads it into Grafana. No dashboards, no ConfigMaps.
 */
export function dashboardConfigMaps(model: Model, generated: readonly OutDocument[]): ConfigMap[] {
  const seen = new Map<string, string>();
  return documentsIn(generated, OUT.grafanaDashboardsDir, '.json').map(({ file, doc }) => {
    const name = K8S_NAME.dashboard(file);
    const other = seen.get(name);
    if (other !== undefined) throw new Error(`dashboards ${other} and ${file} would share ConfigMap ${name}`);
    seen.set(name, file);
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(model, name, {
        ...K8S_PART_OF,
        [DASHBOARD_SIDECAR_LABEL.label]: DASHBOARD_SIDECAR_LABEL.labelValue,
      }),
      // The dashboard's file as out/grafana/dashboards/ has it, byte for byte.
      data: { [file]: serialise(doc) },
    };
  });
}

/**
 * A Secret as a template: every value empty, each key preceded by a REPLACE_ME comment saying what goes there.
 * Never listed in kustomization.yaml, so `kubectl apply -k` can never overwrite a real Secret with it.
 */
export function secretTemplate(model: Model, spec: SecretSpec, createCommand: string): string {
  const doc = new Document({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(model, spec.name, { ...K8S_PART_OF }),
    type: 'Opaque',
    stringData: Object.fromEntries(spec.keys.map((k) => [k.key, ''])),
  });
  const stringData = doc.get('stringData', true);
  if (isYamlMap(stringData)) {
    for (const pair of stringData.items) {
      const key = isScalar(pair.key) ? pair.key : undefined;
      const what = spec.keys.find((k) => k.key === String(key?.value))?.what;
      if (key && what) key.commentBefore = ` REPLACE_ME: ${what}`;
    }
  }
  doc.commentBefore = [
    ' TEMPLATE without values. Not applied by kustomization.yaml: applying it as it is would empty the Secret.',
    ' Create the Secret from files instead (the values never pass through ghmon or a shell history):',
    `   ${createCommand}`,
    ' or copy this file outside out/, fill in every REPLACE_ME value, apply the copy and never commit it.',
  ].join('\n');
  return `${GENERATED_HEADER}${doc.toString({ lineWidth: 0 })}`;
}

export interface Kustomization {
  apiVersion: string;
  kind: 'Kustomization';
  namespace: string;
  resources: string[];
}

export function kustomization(model: Model, resources: string[]): Kustomization {
  return { apiVersion: API.kustomize, kind: 'Kustomization', namespace: model.kubernetes.namespace, resources };
}
