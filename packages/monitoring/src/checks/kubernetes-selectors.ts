/**
 * `kubernetes/selectors`: what the chart will actually pick up, predicted from values.yaml merged over the chart's
 * defaults (as Helm merges them) and the release in helmfile.yaml:
 * - every PrometheusRule and ServiceMonitor matches the Prometheus resource's ruleSelector / serviceMonitorSelector
 *   (with the chart's default `*SelectorNilUsesHelmValues: true` that means the label `release: <release name>`;
 *   without it the chart's Prometheus silently ignores the object);
 * - every dashboard ConfigMap carries the Grafana sidecar's label and value;
 * - every file the Alertmanager config reads (`*_file`) is in a Secret listed in `alertmanagerSpec.secrets`, with a
 *   template for it in secrets/;
 * - Grafana's admin password comes from an existing Secret (with a template), never from `adminPassword`;
 * - the NetworkPolicies let in this release's Grafana.
 */
import { OUT } from '../conventions.ts';
import { ALERTMANAGER_SECRETS_DIR, RELEASE_LABEL } from '../model/chart.ts';
import type { Finding } from '../util/finding.ts';
import { chartSelector, describeSelector, getPath, isMap, selectorMatches, type Values } from '../util/helm.ts';
import type { Check, CheckContext } from './lib/context.ts';
import { effectiveValues, labelsOf, readKubernetesOutput, readYaml } from './lib/kubernetes.ts';

export const KUBERNETES_SELECTORS = 'kubernetes/selectors';

/** Every `<something>_file` string in an Alertmanager config, with its key path. */
export function filesRead(
  config: unknown,
  path: (string | number)[] = [],
): { path: (string | number)[]; file: string }[] {
  if (Array.isArray(config)) return config.flatMap((v, i) => filesRead(v, [...path, i]));
  if (!isMap(config)) return [];
  return Object.entries(config).flatMap(([k, v]) =>
    /_file$/.test(k) && typeof v === 'string' ? [{ path: [...path, k], file: v }] : filesRead(v, [...path, k]),
  );
}

/** Keys of each Secret template in secrets/, by Secret name. */
function secretTemplates(ctx: CheckContext, findings: Finding[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const path of ctx.list(OUT.kubernetesSecretsDir, '.yaml')) {
    const file = readYaml(ctx, KUBERNETES_SELECTORS, path, findings);
    const name = getPath(file?.value, ['metadata', 'name']);
    const data = { ...(getPath(file?.value, ['data']) as object), ...(getPath(file?.value, ['stringData']) as object) };
    if (typeof name === 'string') out.set(name, new Set(Object.keys(data)));
  }
  return out;
}

export const kubernetesSelectors: Check = {
  id: KUBERNETES_SELECTORS,
  description: "the chart's Prometheus, Grafana and Alertmanager pick up every rule, monitor, dashboard and secret",
  async run(ctx) {
    const findings: Finding[] = [];
    const k8s = readKubernetesOutput(ctx, KUBERNETES_SELECTORS, findings);
    if (!k8s.values || !k8s.release) return findings;
    const ours = isMap(k8s.values.value) ? k8s.values.value : {};
    const values = effectiveValues(ours);
    const spec = getPath(values, ['prometheus', 'prometheusSpec']);
    const error = (file: string, message: string, line?: number) =>
      findings.push({ check: KUBERNETES_SELECTORS, severity: 'error', file, ...(line ? { line } : {}), message });
    const valuesLine = (path: (string | number)[]) => k8s.values?.line(path);

    // Prometheus: ruleSelector and serviceMonitorSelector.
    for (const [kind, selectorKind] of [
      ['PrometheusRule', 'rule'],
      ['ServiceMonitor', 'serviceMonitor'],
    ] as const) {
      const selector = chartSelector(spec, selectorKind, k8s.release.name, RELEASE_LABEL);
      for (const o of k8s.objects.filter((x) => x.kind === kind)) {
        if (!selectorMatches(selector, labelsOf(o))) {
          error(
            o.file.path,
            `${kind} ${String(o.metadata.name)} is not selected by the chart's Prometheus, whose ${selectorKind}Selector for Helm release "${k8s.release.name}" is ${describeSelector(selector)}: Prometheus would silently ignore it`,
            o.file.line(['metadata', 'labels']),
          );
        }
      }
      const nsSelector = getPath(spec, [`${selectorKind}NamespaceSelector`]);
      if (isMap(nsSelector) && Object.keys(nsSelector).length > 0) {
        findings.push({
          check: KUBERNETES_SELECTORS,
          severity: 'warning',
          file: OUT.kubernetesValues,
          message: `prometheus.prometheusSpec.${selectorKind}NamespaceSelector is set: whether namespace ${k8s.release.namespace} matches depends on its labels in the cluster`,
        });
      }
    }

    // Grafana: the dashboard sidecar.
    const sidecar = getPath(values, ['grafana', 'sidecar', 'dashboards']);
    const label = getPath(sidecar, ['label']);
    const labelValue = getPath(sidecar, ['labelValue']);
    const dashboards = k8s.objects.filter((o) => o.file.path.startsWith(`${OUT.kubernetesDashboardsDir}/`));
    if (dashboards.length > 0 && getPath(sidecar, ['enabled']) !== true) {
      error(OUT.kubernetesValues, 'grafana.sidecar.dashboards.enabled is not true: no dashboard ConfigMap is loaded');
    }
    for (const o of dashboards) {
      const labels = labelsOf(o);
      if (
        typeof label !== 'string' ||
        labels[label] === undefined ||
        (labelValue !== '' && labels[label] !== String(labelValue))
      ) {
        error(
          o.file.path,
          `dashboard ConfigMap lacks the Grafana sidecar's label ${String(label)}: "${String(labelValue)}": Grafana would not load it`,
          o.file.line(['metadata', 'labels']),
        );
      }
    }

    // NetworkPolicies: the Grafana they let through is this release's (the subchart labels its pods
    // app.kubernetes.io/instance: <release>); another release's label would lock Grafana out of Prometheus.
    for (const o of k8s.objects.filter((x) => x.kind === 'NetworkPolicy')) {
      const ingress = getPath(o.object, ['spec', 'ingress']);
      for (const [i, rule] of (Array.isArray(ingress) ? ingress : []).entries()) {
        const from = getPath(rule, ['from']);
        for (const [j, peer] of (Array.isArray(from) ? from : []).entries()) {
          const labels = getPath(peer, ['podSelector', 'matchLabels']);
          if (!isMap(labels) || labels['app.kubernetes.io/name'] !== 'grafana') continue;
          if (labels['app.kubernetes.io/instance'] !== k8s.release.name) {
            error(
              o.file.path,
              `NetworkPolicy ${String(o.metadata.name)} lets in Grafana of release "${String(labels['app.kubernetes.io/instance'])}", not "${k8s.release.name}" (helmfile.yaml): this release's Grafana would be cut off`,
              o.file.line(['spec', 'ingress', i, 'from', j]),
            );
          }
        }
      }
    }

    // Alertmanager: every file it reads is in a mounted Secret with a template.
    const templates = secretTemplates(ctx, findings);
    const mounted = getPath(values, ['alertmanager', 'alertmanagerSpec', 'secrets']);
    const mountedNames = new Set(Array.isArray(mounted) ? mounted.filter((x) => typeof x === 'string') : []);
    const config = getPath(ours, ['alertmanager', 'config']);
    for (const { path, file } of filesRead(config)) {
      const line = valuesLine(['alertmanager', 'config', ...path]);
      const m = file.match(new RegExp(`^${ALERTMANAGER_SECRETS_DIR}/([^/]+)/([^/]+)$`));
      if (!m) {
        error(
          OUT.kubernetesValues,
          `${file} is not in a Secret mounted through alertmanagerSpec.secrets (${ALERTMANAGER_SECRETS_DIR}/<secret>/<key>): the Alertmanager pod has no such file`,
          line,
        );
        continue;
      }
      const [, secret, key] = m as unknown as [string, string, string];
      if (!mountedNames.has(secret)) {
        error(
          OUT.kubernetesValues,
          `${file}: Secret ${secret} is not listed in alertmanager.alertmanagerSpec.secrets, so it is not mounted`,
          line,
        );
      }
      if (!templates.get(secret)?.has(key)) {
        error(
          OUT.kubernetesValues,
          `${file}: no template for Secret ${secret} with key ${key} in ${OUT.kubernetesSecretsDir}/`,
          line,
        );
      }
    }

    // Grafana admin credentials: from an existing Secret only.
    if (getPath(ours, ['grafana', 'adminPassword']) !== undefined) {
      error(
        OUT.kubernetesValues,
        'grafana.adminPassword is set: the password would be in values.yaml; use grafana.admin.existingSecret',
        valuesLine(['grafana', 'adminPassword']),
      );
    }
    const admin = getPath(values, ['grafana', 'admin']) as Values | undefined;
    const existing = getPath(admin, ['existingSecret']);
    if (typeof existing !== 'string' || existing === '') {
      error(
        OUT.kubernetesValues,
        'grafana.admin.existingSecret is not set: the chart would generate an admin password',
      );
    } else {
      for (const keyName of ['userKey', 'passwordKey']) {
        const key = getPath(admin, [keyName]);
        if (typeof key !== 'string' || !templates.get(existing)?.has(key)) {
          error(
            OUT.kubernetesValues,
            `grafana.admin.${keyName}: no template for Secret ${existing} with key ${String(key)} in ${OUT.kubernetesSecretsDir}/`,
            valuesLine(['grafana', 'admin', keyName]),
          );
        }
      }
    }
    return findings;
  },
};
