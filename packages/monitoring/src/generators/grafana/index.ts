/**
 * Grafana dashboards (current schema, schemaVersion 42, built with the foundation SDK) and their provisioning
 * files: model → files, pure. Dashboards are written to out/grafana/dashboards/<uid>.json.
 */
import { OUT } from '../../conventions.ts';
import type { Model } from '../../model/model.ts';
import { toYaml } from '../../util/yaml.ts';
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

export function dashboardJsonText(d: DashboardJson): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}

/** Every Grafana file of out/: dashboards and the two provisioning files. */
export function grafanaFiles(model: Model): Map<string, string> {
  const files = new Map<string, string>();
  for (const d of grafanaDashboards(model)) files.set(dashboardFile(d.uid), dashboardJsonText(d));
  files.set(OUT.grafanaDatasourceProvisioning, toYaml(datasourceProvisioning(model)));
  files.set(OUT.grafanaDashboardProvisioning, toYaml(dashboardProvisioning()));
  return files;
}
