/**
 * The model as seen from inside the Compose network: Compose service names instead of localhost, and every
 * secret file under /run/secrets. prometheus.yml and alertmanager.yml for Compose are the ordinary generators run
 * on it.
 */
import { withTokenFiles } from '../../config/scrape-auth.ts';
import type { Model } from '../../model/model.ts';
import { COMPOSE_PORT, COMPOSE_SERVICE } from './network.ts';
import { composeSecrets, SECRETS_MOUNT } from './secrets.ts';

export function composeModel(model: Model): Model {
  const sec = composeSecrets(model);
  const dms = model.routing.deadMansSwitch;
  const host = (service: string, port: number) => `${service}:${port}`;
  return {
    ...model,
    services: withTokenFiles(model.services, (name, key) => `${SECRETS_MOUNT}/${name}.${key}`),
    prometheusTargets: [host('localhost', COMPOSE_PORT.prometheus)],
    alertmanagerTargets: [host(COMPOSE_SERVICE.alertmanager, COMPOSE_PORT.alertmanager)],
    nodeExporterTargets: [host(COMPOSE_SERVICE.nodeExporter, COMPOSE_PORT.nodeExporter)],
    routing: {
      ...model.routing,
      page: { routingKeyFile: `${SECRETS_MOUNT}/${sec.page.id}` },
      ticket: { routingKeyFile: `${SECRETS_MOUNT}/${sec.ticket.id}` },
      ...(dms
        ? {
            deadMansSwitch: {
              ...dms,
              ...(sec.deadMansSwitch ? { bearerTokenFile: `${SECRETS_MOUNT}/${sec.deadMansSwitch.id}` } : {}),
            },
          }
        : {}),
    },
  };
}
