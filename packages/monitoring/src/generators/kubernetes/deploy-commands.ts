/**
 * The exact helm and kubectl commands that deploy out/kubernetes/, in order. One function, used by the generated
 * out/kubernetes/README.md (from the model) and by `ghmon deploy kubernetes` (from the files in out/), so the two
 * cannot drift apart. Secret values are read from files under `$GHMON_SECRETS_DIR/<secret name>/<key>`.
 */
import { SECRETS_DIR_VAR } from '../../conventions.ts';

export interface KubernetesDeployment {
  release: string;
  namespace: string;
  repo: { name: string; url: string };
  /** `<repo name>/<chart name>` */
  chart: string;
  version: string;
  secrets: { name: string; keys: string[] }[];
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function secretCreateCommand(namespace: string, secret: { name: string; keys: string[] }): string {
  // `${VAR:?}`: the shell stops with an error when the variable is unset, instead of reading /<secret>/<key>.
  const fromFiles = secret.keys.map((k) => `--from-file=${k}="\${${SECRETS_DIR_VAR}:?}/${secret.name}/${k}"`);
  return [
    'kubectl create secret generic',
    secret.name,
    `--namespace=${namespace}`,
    ...fromFiles,
    '--dry-run=client --output=yaml | kubectl apply --server-side --filename=-',
  ].join(' ');
}

/**
 * `dir` is the out/kubernetes directory as the user should type it. Returns the lines to print: `#` comments and
 * commands, each command on one line.
 */
export function deployCommands(d: KubernetesDeployment, dir: string): string[] {
  const q = shellQuote;
  const path = (file: string) => q(dir === '.' ? file : `${dir}/${file}`);
  return [
    `# kube-prometheus-stack ${d.version} as Helm release "${d.release}" in namespace "${d.namespace}"`,
    `# 1. Namespace and Secrets, each value from a file $${SECRETS_DIR_VAR}/<secret>/<key> (templates: ${path('secrets/')})`,
    `kubectl create namespace ${d.namespace} --dry-run=client --output=yaml | kubectl apply --server-side --filename=-`,
    ...d.secrets.map((s) => secretCreateCommand(d.namespace, s)),
    '# 2. The chart: CRDs, Prometheus, Alertmanager, Grafana, node-exporter, kube-state-metrics',
    `helm repo add ${d.repo.name} ${q(d.repo.url)}`,
    `helm repo update ${d.repo.name}`,
    [
      'helm upgrade --install',
      d.release,
      d.chart,
      `--namespace ${d.namespace}`,
      `--version ${d.version}`,
      `--values ${path('values.yaml')}`,
    ].join(' '),
    "# 3. ghmon's objects: PrometheusRules, ServiceMonitors, dashboard ConfigMaps, NetworkPolicies (after the chart: it installs the CRDs)",
    `kubectl apply --server-side --kustomize ${q(dir)}`,
  ];
}
