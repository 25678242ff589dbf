/**
 * Grafana dashboards (current schema, schemaVersion 42, built with the foundation SDK) and their provisioning
 * files: model → documents, pure. Dashboards are written to out/grafana/dashboards/<uid>.json.
 */
import { OUT } from '../../conventions.ts';
import type { Model } from '../../model/model.ts';
import { jsonDocument, type OutDocument, yamlDocument } from '../document.ts';
import type { DashboardJson } from './common.ts';
import { goldenSignalsDashboard } from './golden-signals.ts';
import { dashboardProvisioning, datasourceProvisioning } from './provisioning.ts';
import { saturationDashboard } from './saturation.ts';
import { serviceOverviewDashboard } from './service-overview.ts';
import { sloDashboard } from './slo.ts';

export type { DashboardJson } from './common.ts';

export function grafanaDashboards(model: Model): DashboardJson[] {
  return [goldenSignalsDashboard, serviceOverviewDashboard, sloDashboard, saturationDashboard].map((d) => d(model));
}

export function dashboardFile(uid: string): string {
  return `${OUT.grafanaDashboardsDir}/${uid}.json`;
}

/** Every Grafana file of out/: dashboards and the two provisioning files. */
export function grafanaDocuments(model: Model): OutDocument[] {
  return [
    ...grafanaDashboards(model).map((d) => jsonDocument(dashboardFile(d.uid), d)),
    yamlDocument(OUT.grafanaDatasourceProvisioning, datasourceProvisioning(model)),
    yamlDocument(OUT.grafanaDashboardProvisioning, dashboardProvisioning()),
  ];
}
