/**
 * `web.config.file` for Prometheus, Alertmanager and node_exporter (the exporter-toolkit format, checked by
 * `promtool check web-config`): bcrypt-hashed basic auth and, when certificates are given, TLS.
 *
 * ghmon never hashes a default password: `ghmon build` never sees one, and the bcrypt hash is made from the user's
 * own password by `ghmon web-config` (cli/web-config.ts, from the password file) or by the user (e.g.
 * `htpasswd -niBC 12 ghmon < password-file | cut -d: -f2`). The generated file is a template whose hash is the
 * placeholder `WEB_PASSWORD_BCRYPT`, filled at deploy time by `fillWebConfig` — so the filled file is itself a
 * secret (mounted, never written to out/). Prometheus' own scrape jobs for itself, Alertmanager and node_exporter,
 * and its Alertmanager client, then send `basic_auth` with `password_file` (`webClientAuth`).
 */

export const WEB_PASSWORD_PLACEHOLDER = 'WEB_PASSWORD_BCRYPT';
export const DEFAULT_WEB_USER = 'ghmon';

export interface WebConfigOptions {
  /** Basic-auth user name (default `ghmon`). */
  user?: string;
  /** TLS: server certificate and key files (as mounted where Prometheus/Alertmanager run). */
  tls?: { certFile: string; keyFile: string; clientCaFile?: string };
}

export interface WebConfig {
  basic_auth_users: Record<string, string>;
  tls_server_config?: { cert_file: string; key_file: string; client_ca_file?: string; min_version: 'TLS12' };
  http_server_config?: { http2: boolean };
}

/** The web-config template: the user's bcrypt hash replaces `WEB_PASSWORD_BCRYPT` at deploy time. */
export function webConfigTemplate(options: WebConfigOptions = {}): WebConfig {
  const tls = options.tls;
  return {
    basic_auth_users: { [options.user ?? DEFAULT_WEB_USER]: WEB_PASSWORD_PLACEHOLDER },
    ...(tls
      ? {
          tls_server_config: {
            cert_file: tls.certFile,
            key_file: tls.keyFile,
            ...(tls.clientCaFile ? { client_ca_file: tls.clientCaFile } : {}),
            min_version: 'TLS12' as const,
          },
        }
      : {}),
  };
}

const BCRYPT = /^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;

/**
 * Fills a template with the bcrypt hash read from the user's secret (an htpasswd line `user:hash` or the bare
 * hash). Refuses anything that is not a bcrypt hash (a plain password pasted by mistake must not end up there).
 */
export function fillWebConfig(templateText: string, hashFileContent: string): string {
  const line = hashFileContent.trim();
  const hash = line.includes(':') ? line.slice(line.indexOf(':') + 1) : line;
  if (!BCRYPT.test(hash)) {
    throw new Error('expected a bcrypt hash ($2y$…, e.g. from `htpasswd -nbBC 12 user password`), not a password');
  }
  if (!templateText.includes(WEB_PASSWORD_PLACEHOLDER)) throw new Error('not a ghmon web-config template');
  // Quoted: a bcrypt hash contains `$` and `/`, which YAML would otherwise read as plain text anyway, but the
  // quotes keep it one scalar whatever it holds.
  return templateText.replaceAll(WEB_PASSWORD_PLACEHOLDER, JSON.stringify(hash));
}

/** What Prometheus sends to a web endpoint protected by that config (scrape jobs, the Alertmanager client). */
export function webClientAuth(passwordFile: string, user = DEFAULT_WEB_USER) {
  return { basic_auth: { username: user, password_file: passwordFile } };
}
