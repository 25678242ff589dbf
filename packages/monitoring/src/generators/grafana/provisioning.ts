/**
 * Grafana provisioning files: the Prometheus datasource (stable uid, so dashboards and the `$datasource`
 * variable find it) and a file provider that loads out/grafana/dashboards/ into one folder. Both are plain
 * data; generate.ts writes them as YAML. The datasource URL is Prometheus as Grafana reaches it: by default the
 * config's first Prometheus target (`http://localhost:9090` for the seed), or with `scale` the store's query API;
 * other targets (Docker Compose,
 * Kubernetes) pass their own.
 */
import { GRAFANA } from '../../conventions.ts';
import type { Model } from '../../model/model.ts';
import { longTermDatasources } from './long-term-datasources.ts';

export function prometheusUrl(model: Model): string {
  // With `scale` no Prometheus answers queries: the store does, with the same query API (and the recorded rules).
  if (model.scale) return model.scale.queryUrl;
  return `http://${model.prometheusTargets[0] ?? 'localhost:9090'}`;
}

export function datasourceProvisioning(model: Model, url = prometheusUrl(model)) {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: GRAFANA.datasourceName,
        type: 'prometheus',
        uid: GRAFANA.datasourceUid,
        access: 'proxy',
        url,
        isDefault: true,
        editable: false,
        jsonData: {
          httpMethod: 'POST',
          prometheusType: 'Prometheus',
          // The scrape interval: Grafana's $__rate_interval is at least four times this.
          timeInterval: model.scrapeInterval,
        },
      },
      // With `longTerm`: the long-term store, selectable in every dashboard's $datasource variable.
      ...longTermDatasources(model),
    ],
  };
}

export function dashboardProvisioning(path: string = GRAFANA.dashboardsPath) {
  return {
    apiVersion: 1,
    providers: [
      {
        name: GRAFANA.tag,
        orgId: 1,
        folder: GRAFANA.folder,
        folderUid: GRAFANA.folderUid,
        type: 'file',
        disableDeletion: false,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path, foldersFromFilesStructure: false },
      },
    ],
  };
}
