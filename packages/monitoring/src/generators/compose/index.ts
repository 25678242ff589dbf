/**
 * out/compose/: Prometheus, Alertmanager, node_exporter and Grafana with Docker Compose, for teams without
 * Kubernetes. Pure: model + the documents generated so far → more documents. The rule files are mounted from
 * out/prometheus/rules/ as they are; prometheus.yml and alertmanager.yml are the same generators run on the model
 * as it looks inside the Compose network (model.ts).
 */
import { OUT } from '../../conventions.ts';
import type { Model } from '../../model/model.ts';
import { webConfigTemplate } from '../../model/web-config.ts';
import { type OutDocument, textDocument, yamlDocument } from '../document.ts';
import { COMPOSE_HEADER, composeFile } from './compose-file.ts';
import { composeAlertmanagerConfig, composePrometheusConfig, WEB_CONFIG_HEADER } from './configs.ts';
import { grafanaDashboardProviders, grafanaDatasources } from './provisioning.ts';
import { composeReadme } from './readme.ts';

export function composeDocuments(model: Model, generated: readonly OutDocument[]): OutDocument[] {
  const dashboardsDir = `${OUT.grafanaDashboardsDir}/`;
  const hasDashboards = generated.some((d) => d.path.startsWith(dashboardsDir) && d.path.endsWith('.json'));
  // The dashboards' provisioning provider: the one the Grafana generator wrote (its folder and path), else ours.
  const ownProvider = hasDashboards && !generated.some((d) => d.path === OUT.grafanaDashboardProvisioning);
  const provider = !hasDashboards
    ? undefined
    : ownProvider
      ? OUT.composeGrafanaDashboardProviders
      : OUT.grafanaDashboardProvisioning;
  return [
    yamlDocument(OUT.composeFile, composeFile(model, provider), COMPOSE_HEADER),
    yamlDocument(OUT.composePrometheusConfig, composePrometheusConfig(model)),
    yamlDocument(OUT.composeWebConfigTemplate, webConfigTemplate(), WEB_CONFIG_HEADER),
    yamlDocument(OUT.composeAlertmanagerConfig, composeAlertmanagerConfig(model)),
    yamlDocument(OUT.composeGrafanaDatasources, grafanaDatasources(model)),
    ...(ownProvider ? [yamlDocument(OUT.composeGrafanaDashboardProviders, grafanaDashboardProviders())] : []),
    textDocument(OUT.composeReadme, composeReadme(model)),
  ];
}
