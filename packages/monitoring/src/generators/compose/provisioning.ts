/**
 * Grafana provisioning for Compose: the datasources as Grafana reaches them inside the Compose network, and a
 * dashboard provider for when the Grafana generator wrote none.
 */
import { GRAFANA } from '../../conventions.ts';
import { DATASOURCE_UID } from '../../model/chart.ts';
import type { Model } from '../../model/model.ts';
import { DEFAULT_WEB_USER } from '../../model/web-config.ts';
import { COMPOSE_PORT, COMPOSE_SERVICE } from './network.ts';
import { composeSecrets, SECRETS_MOUNT } from './secrets.ts';

/**
 * Grafana datasources: Prometheus with the uid and name the generated dashboards default to (as in
 * out/grafana/provisioning/, whose URL is for a Grafana on the host), reached by its Compose service name.
 */
export function grafanaDatasources(model: Model) {
  // Prometheus and Alertmanager ask for basic auth (their web config): Grafana reads the password from its secret.
  const basicAuth = {
    basicAuth: true,
    basicAuthUser: DEFAULT_WEB_USER,
    secureJsonData: { basicAuthPassword: `$__file{${SECRETS_MOUNT}/${composeSecrets(model).webPassword.id}}` },
  };
  return {
    apiVersion: 1,
    datasources: [
      {
        name: GRAFANA.datasourceName,
        uid: GRAFANA.datasourceUid,
        type: 'prometheus',
        access: 'proxy',
        url: `http://${COMPOSE_SERVICE.prometheus}:${COMPOSE_PORT.prometheus}`,
        isDefault: true,
        ...basicAuth,
        jsonData: { timeInterval: model.scrapeInterval },
      },
      {
        name: 'Alertmanager',
        uid: DATASOURCE_UID.alertmanager,
        type: 'alertmanager',
        access: 'proxy',
        url: `http://${COMPOSE_SERVICE.alertmanager}:${COMPOSE_PORT.alertmanager}`,
        ...basicAuth,
        jsonData: { implementation: 'prometheus' },
      },
    ],
  };
}

/** Only when the Grafana generator wrote no provider of its own. */
export function grafanaDashboardProviders() {
  return {
    apiVersion: 1,
    providers: [
      {
        name: GRAFANA.tag,
        folder: GRAFANA.folder,
        type: 'file',
        disableDeletion: false,
        allowUiUpdates: false,
        options: { path: GRAFANA.dashboardsPath },
      },
    ],
  };
}
