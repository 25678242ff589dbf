/**
 * The Compose secrets: one file per value under `$GHMON_SECRETS_DIR/<secret name>/<key>` (the same files
 * `ghmon deploy kubernetes` reads), each mounted at /run/secrets/<id>.
 */
import { tokenScrapedServices } from '../../config/scrape-auth.ts';
import type { Model } from '../../model/model.ts';

/** Where Compose mounts every secret inside a container. */
export const SECRETS_MOUNT = '/run/secrets';

/**
 * The web-auth secrets, `$GHMON_SECRETS_DIR/<name>/<key>`: the filled web config the servers read, and the password
 * behind its hash. `ghmon web-config` (cli/web-config.ts) writes them where this file mounts them.
 */
export const COMPOSE_WEB_SECRET = {
  webConfig: { name: 'ghmon-web-config', key: 'web-config' },
  webPassword: { name: 'ghmon-web-auth', key: 'password' },
} as const;

export interface ComposeSecret {
  /** Compose secret name; mounted at /run/secrets/<id>. */
  id: string;
  /** Path under $GHMON_SECRETS_DIR: the same `<secret name>/<key>` files `ghmon deploy kubernetes` reads. */
  file: string;
}

export function composeSecrets(model: Model) {
  const s = model.kubernetes.secrets;
  const secret = (name: string, key: string): ComposeSecret => ({ id: `${name}.${key}`, file: `${name}/${key}` });
  return {
    page: secret(s.pagerduty.name, s.pagerduty.pageKey),
    ticket: secret(s.pagerduty.name, s.pagerduty.ticketKey),
    deadMansSwitch: model.routing.deadMansSwitch?.bearerTokenFile
      ? secret(s.deadMansSwitch.name, s.deadMansSwitch.key)
      : undefined,
    grafanaUser: secret(s.grafanaAdmin.name, s.grafanaAdmin.userKey),
    grafanaPassword: secret(s.grafanaAdmin.name, s.grafanaAdmin.passwordKey),
    /** Bearer tokens Prometheus sends to services' `/metrics`. */
    metricsTokens: tokenScrapedServices(model.services).map((t) => secret(t.secret, t.key)),
    /** Prometheus', Alertmanager's and node_exporter's web.config.file: the template, filled with the bcrypt hash. */
    webConfig: secret(COMPOSE_WEB_SECRET.webConfig.name, COMPOSE_WEB_SECRET.webConfig.key),
    /** The password behind that hash, for Prometheus' own clients and Grafana's datasources. */
    webPassword: secret(COMPOSE_WEB_SECRET.webPassword.name, COMPOSE_WEB_SECRET.webPassword.key),
  };
}

export type ComposeSecrets = ReturnType<typeof composeSecrets>;
