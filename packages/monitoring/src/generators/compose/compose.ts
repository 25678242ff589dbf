/**
 * out/compose/: Prometheus, Alertmanager, node_exporter and Grafana with Docker Compose, for teams without
 * Kubernetes. Pure: model + the files generated so far → more files. The rule files are mounted from
 * out/prometheus/rules/ as they are; prometheus.yml and alertmanager.yml are the same generators run on the model
 * as it looks inside the Compose network (service names instead of localhost, Compose secrets under /run/secrets).
 */

import { tokenScrapedServices, withTokenFiles } from '../../config/scrape-auth.ts';
import { GRAFANA, JOB, OUT, SECRETS_DIR_VAR } from '../../conventions.ts';
import { DATASOURCE_UID } from '../../model/chart.ts';
import type { Model } from '../../model/model.ts';
import {
  DEFAULT_WEB_USER,
  WEB_PASSWORD_PLACEHOLDER,
  webClientAuth,
  webConfigTemplate,
} from '../../model/web-config.ts';
import { toYaml } from '../../util/yaml.ts';
import { alertmanagerConfig } from '../alertmanager/config.ts';
import { prometheusConfig } from '../prometheus/config/prometheus-yml.ts';

/** Service names in the Compose file (also their host names inside the Compose network). */
export const COMPOSE_SERVICE = {
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  nodeExporter: JOB.nodeExporter,
  grafana: 'grafana',
} as const;

/** Ports, published on 127.0.0.1 only. */
export const COMPOSE_PORT = { prometheus: 9090, alertmanager: 9093, nodeExporter: 9100, grafana: 3000 } as const;

const SECRETS_MOUNT = '/run/secrets';

/**
 * The web-auth secrets, `$GHMON_SECRETS_DIR/<name>/<key>`: the filled web config the servers read, and the password
 * behind its hash. `ghmon web-config` (cli/web-config.ts) writes them where this file mounts them.
 */
export const COMPOSE_WEB_SECRET = {
  webConfig: { name: 'ghmon-web-config', key: 'web-config' },
  webPassword: { name: 'ghmon-web-auth', key: 'password' },
} as const;

interface ComposeSecret {
  /** Compose secret name; mounted at /run/secrets/<id>. */
  id: string;
  /** Path under $GHMON_SECRETS_DIR: the same `<secret name>/<key>` files `ghmon deploy kubernetes` reads. */
  file: string;
}

function composeSecrets(model: Model) {
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

const webConfigFlag = (sec: ReturnType<typeof composeSecrets>) =>
  `--web.config.file=${SECRETS_MOUNT}/${sec.webConfig.id}`;

/**
 * Prometheus as generated for the Compose network, plus basic auth (model/web-config.ts) wherever it talks to
 * a web endpoint protected by the web config: its own scrape job, Alertmanager's, node_exporter's, and its
 * Alertmanager client.
 */
export function composePrometheusConfig(model: Model) {
  const sec = composeSecrets(model);
  const auth = webClientAuth(`${SECRETS_MOUNT}/${sec.webPassword.id}`);
  const base = prometheusConfig(composeModel(model));
  // The jobs of the services started with webConfigFlag (composeFile): one secret, the same user and hash.
  const protectedJobs = new Set<string>([JOB.prometheus, JOB.alertmanager, JOB.nodeExporter]);
  return {
    ...base,
    alerting: { ...base.alerting, alertmanagers: base.alerting.alertmanagers.map((a) => ({ ...auth, ...a })) },
    scrape_configs: base.scrape_configs.map((j) => {
      if (!protectedJobs.has(j.job_name)) return j;
      const { static_configs, ...rest } = j;
      return { ...rest, ...auth, static_configs };
    }),
  };
}

/** The model as seen from inside the Compose network. */
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

function dashboards(files: ReadonlyMap<string, string>): string[] {
  const dir = `${OUT.grafanaDashboardsDir}/`;
  return [...files.keys()].filter((p) => p.startsWith(dir) && p.endsWith('.json')).sort();
}

/** Relative to out/compose/ (where docker-compose.yml is), as Compose resolves bind mounts. */
const fromCompose = (outPath: string) =>
  outPath.startsWith('compose/') ? `./${outPath.slice('compose/'.length)}` : `../${outPath}`;

export function composeFile(model: Model, generated: ReadonlyMap<string, string>) {
  const sec = composeSecrets(model);
  const hasDashboards = dashboards(generated).length > 0;
  // The dashboards' provisioning provider: the one the Grafana generator wrote (its folder and path), else ours.
  const provider = generated.has(OUT.grafanaDashboardProvisioning)
    ? OUT.grafanaDashboardProvisioning
    : OUT.composeGrafanaDashboardProviders;
  const publish = (port: number) => [`127.0.0.1:${port}:${port}`];
  const allSecrets = [
    sec.page,
    sec.ticket,
    sec.deadMansSwitch,
    sec.grafanaUser,
    sec.grafanaPassword,
    ...sec.metricsTokens,
    sec.webConfig,
    sec.webPassword,
  ].filter((x): x is ComposeSecret => x !== undefined);
  return {
    services: {
      [COMPOSE_SERVICE.prometheus]: {
        image: model.compose.images.prometheus,
        command: [
          '--config.file=/etc/prometheus/prometheus.yml',
          '--storage.tsdb.path=/prometheus',
          `--storage.tsdb.retention.time=${model.retention}`,
          webConfigFlag(sec),
          ...(model.services.some((s) => s.push) ? ['--web.enable-remote-write-receiver'] : []),
        ],
        volumes: [
          `${fromCompose(OUT.composePrometheusConfig)}:/etc/prometheus/prometheus.yml:ro`,
          `${fromCompose(OUT.rulesDir)}:/etc/prometheus/rules:ro`,
          'prometheus-data:/prometheus',
        ],
        secrets: [sec.webConfig.id, sec.webPassword.id, ...sec.metricsTokens.map((t) => t.id)],
        ports: publish(COMPOSE_PORT.prometheus),
        // Lets a service on the Docker host be scraped as host.docker.internal:<port>.
        extra_hosts: ['host.docker.internal:host-gateway'],
        restart: 'unless-stopped',
      },
      [COMPOSE_SERVICE.alertmanager]: {
        image: model.compose.images.alertmanager,
        command: [
          '--config.file=/etc/alertmanager/alertmanager.yml',
          '--storage.path=/alertmanager',
          webConfigFlag(sec),
        ],
        volumes: [
          `${fromCompose(OUT.composeAlertmanagerConfig)}:/etc/alertmanager/alertmanager.yml:ro`,
          'alertmanager-data:/alertmanager',
        ],
        secrets: [sec.page.id, sec.ticket.id, ...(sec.deadMansSwitch ? [sec.deadMansSwitch.id] : []), sec.webConfig.id],
        ports: publish(COMPOSE_PORT.alertmanager),
        restart: 'unless-stopped',
      },
      [COMPOSE_SERVICE.nodeExporter]: {
        image: model.compose.images.nodeExporter,
        // The host's filesystems and processes, read-only (node_exporter's documented Docker setup); /metrics
        // behind the same basic auth as Prometheus and Alertmanager (the exporter-toolkit web config, as in 1.5).
        command: ['--path.rootfs=/host', webConfigFlag(sec)],
        pid: 'host',
        volumes: ['/:/host:ro,rslave'],
        secrets: [sec.webConfig.id],
        ports: publish(COMPOSE_PORT.nodeExporter),
        restart: 'unless-stopped',
      },
      [COMPOSE_SERVICE.grafana]: {
        image: model.compose.images.grafana,
        environment: {
          GF_SECURITY_ADMIN_USER__FILE: `${SECRETS_MOUNT}/${sec.grafanaUser.id}`,
          GF_SECURITY_ADMIN_PASSWORD__FILE: `${SECRETS_MOUNT}/${sec.grafanaPassword.id}`,
          GF_USERS_ALLOW_SIGN_UP: 'false',
        },
        secrets: [sec.grafanaUser.id, sec.grafanaPassword.id, sec.webPassword.id],
        volumes: [
          'grafana-data:/var/lib/grafana',
          `${fromCompose(OUT.composeGrafanaDatasources)}:/etc/grafana/provisioning/datasources/ghmon.yml:ro`,
          ...(hasDashboards
            ? [
                `${fromCompose(provider)}:/etc/grafana/provisioning/dashboards/ghmon.yaml:ro`,
                `${fromCompose(OUT.grafanaDashboardsDir)}:${GRAFANA.dashboardsPath}:ro`,
              ]
            : []),
        ],
        ports: publish(COMPOSE_PORT.grafana),
        depends_on: [COMPOSE_SERVICE.prometheus, COMPOSE_SERVICE.alertmanager],
        restart: 'unless-stopped',
      },
    },
    volumes: { 'prometheus-data': {}, 'alertmanager-data': {}, 'grafana-data': {} },
    secrets: Object.fromEntries(
      allSecrets.map((s) => [
        s.id,
        { file: `\${${SECRETS_DIR_VAR}:?set ${SECRETS_DIR_VAR}, see README.md}/${s.file}` },
      ]),
    ),
  };
}

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

export function composeFiles(model: Model, generated: ReadonlyMap<string, string>): Map<string, string> {
  const inside = composeModel(model);
  const files = new Map<string, string>();
  files.set(OUT.composeFile, toYaml(composeFile(model, generated), COMPOSE_HEADER));
  files.set(OUT.composePrometheusConfig, toYaml(composePrometheusConfig(model)));
  files.set(OUT.composeWebConfigTemplate, toYaml(webConfigTemplate(), WEB_CONFIG_HEADER));
  files.set(OUT.composeAlertmanagerConfig, toYaml(alertmanagerConfig(inside)));
  files.set(OUT.composeGrafanaDatasources, toYaml(grafanaDatasources(model)));
  if (dashboards(generated).length > 0 && !generated.has(OUT.grafanaDashboardProvisioning)) {
    files.set(OUT.composeGrafanaDashboardProviders, toYaml(grafanaDashboardProviders()));
  }
  files.set(OUT.composeReadme, readme(model));
  return files;
}

// The header does not spell the placeholder: filling replaces every occurrence, and a hash has no place in a comment.
const WEB_CONFIG_HEADER = `# Generated by ghmon: the web.config.file of Prometheus, Alertmanager and node_exporter, a TEMPLATE.
# ghmon never hashes a default password: \`ghmon web-config\` puts the bcrypt hash of your password in place of the
# placeholder below and writes the result as the secret $${SECRETS_DIR_VAR}/${COMPOSE_WEB_SECRET.webConfig.name}/${COMPOSE_WEB_SECRET.webConfig.key} (see README.md), never in out/.
`;

const COMPOSE_HEADER = `# Generated by ghmon from monitoring.config.ts. Do not edit: change the config and run \`ghmon build\`.
# Images are pinned (compose.images in the config); Prometheus, Alertmanager and node_exporter are the versions
# whose promtool/amtool check these files in \`ghmon check\`. The tags were not pulled where this was generated.
# Published ports listen on 127.0.0.1 only. Start: ${SECRETS_DIR_VAR}=/path/to/secrets docker compose up -d
`;

function readme(model: Model): string {
  const sec = composeSecrets(model);
  const files = [
    sec.grafanaUser,
    sec.grafanaPassword,
    sec.page,
    sec.ticket,
    sec.deadMansSwitch,
    ...sec.metricsTokens,
    sec.webConfig,
    sec.webPassword,
  ]
    .filter((x): x is ComposeSecret => x !== undefined)
    .map((s) => `    ${s.file}`);
  const webPasswordFile = sec.webPassword.file;
  const webConfigFile = sec.webConfig.file;
  const pushed = model.services.filter((s) => s.push).map((s) => `\`${s.name}\``);
  // Prometheus' web config takes basic auth only: a Worker sending a bearer token straight to it gets 401.
  const push =
    pushed.length === 0
      ? ''
      : `
${pushed.join(', ')} push${pushed.length === 1 ? 'es' : ''} to Prometheus' remote-write receiver (\`/api/v1/write\`), which is behind the same basic auth:
give \`@greyhaven/metrics/workers\` \`basicAuth: { username: '${DEFAULT_WEB_USER}', password: env.REMOTE_WRITE_PASSWORD }\` with
the password of \`${webPasswordFile}\` as a Workers secret (a bearer token gets 401 here), and reach port
${COMPOSE_PORT.prometheus} (published on 127.0.0.1 only) through HTTPS you put in front of it, e.g. a Cloudflare Tunnel.
`;
  return `# Docker Compose — generated by ghmon, do not edit

Prometheus (${model.compose.images.prometheus}), Alertmanager (${model.compose.images.alertmanager}),
node_exporter (${model.compose.images.nodeExporter}) and Grafana (${model.compose.images.grafana}), reading the
files ghmon generated: \`../prometheus/rules/\` as they are, and \`prometheus/prometheus.yml\` and
\`alertmanager/alertmanager.yml\` here, which differ from \`../prometheus/\` and \`../alertmanager/\` only in host
names (Compose service names) and secret paths (\`/run/secrets/\`).

Secrets are files outside out/ (out/ is replaced on every build), one per value, in \`$${SECRETS_DIR_VAR}\`:

${files.join('\n')}

Prometheus, Alertmanager and node_exporter ask for basic auth (user \`${DEFAULT_WEB_USER}\`): \`${webPasswordFile}\` holds
your password (Prometheus and Grafana send it), \`${webConfigFile}\` is \`web-config.template.yml\` with
\`${WEB_PASSWORD_PLACEHOLDER}\` replaced by its bcrypt hash — ghmon never hashes a default password. Write the password (at
least 12 characters) to \`${webPasswordFile}\`, then, where you ran \`ghmon build\` (with its \`--out DIR\` if that
was not \`out\`), hash it into the template and write the secret:

\`\`\`sh
npx ghmon web-config                 # reads $${SECRETS_DIR_VAR}/${webPasswordFile}
promtool check web-config "$${SECRETS_DIR_VAR}/${webConfigFile}"
\`\`\`

It reads the password only from that file (or \`--password-file F\`, \`-\` for stdin, which it also writes there
when the file is missing), never from the command line, prints only the paths it wrote, and writes atomically
(\`--cost 10\`…\`14\`, default 12). Without ghmon, the hash to put in
place of the placeholder is \`htpasswd -niBC 12 ${DEFAULT_WEB_USER} < "$${SECRETS_DIR_VAR}/${webPasswordFile}" | cut -d: -f2\`.
${push}
Prometheus, Alertmanager and node_exporter run as user nobody and Grafana as 472: Compose mounts the files with
their host owner and mode, so they must be readable by those users. \`ghmon web-config\` writes mode 0444 into a
directory only you can enter (it creates its directories 0700 and refuses one that others can enter; \`--mode 0600\`
if your Docker maps users); do the same for the secrets you write (\`chmod 0444\` the files, \`chmod 700\` their
directories).

\`\`\`sh
export ${SECRETS_DIR_VAR}=/path/to/secrets
docker compose up -d        # from this directory
docker compose up -d --force-recreate   # after \`ghmon build\`: it replaces out/, containers keep the old files
\`\`\`

Prometheus http://127.0.0.1:${COMPOSE_PORT.prometheus}, Alertmanager http://127.0.0.1:${COMPOSE_PORT.alertmanager},
Grafana http://127.0.0.1:${COMPOSE_PORT.grafana}. Data lives in the named volumes prometheus-data, alertmanager-data and
grafana-data (retention ${model.retention}; the volume size is not limited by Compose).
`;
}
