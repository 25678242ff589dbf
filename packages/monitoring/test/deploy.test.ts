/**
 * `ghmon deploy kubernetes --dry-run`: the exact commands, read from the files in out/, identical to the ones in
 * out/kubernetes/README.md — and run by a real shell against stub `helm` and `kubectl` that check every file and
 * directory they are given exists (no cluster, helm or kubectl here: the stubs prove the shell syntax, quoting and
 * paths, not what the real tools would do).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readKubernetesDeployment } from '../src/cli/deploy.ts';
import { validateConfig } from '../src/config/load.ts';
import type { MonitoringInput } from '../src/config/schema.ts';
import { OUT } from '../src/conventions.ts';
import { generate } from '../src/generate.ts';
import { deployCommands } from '../src/generators/kubernetes/deploy-commands.ts';
import { buildModel } from '../src/model/model.ts';
import { writeOutput } from '../src/util/write.ts';
import { GREYHAVEN_CONFIG, ghmon, tempDir } from './helpers.ts';

async function builtGreyhaven(dir = tempDir()): Promise<string> {
  const out = join(dir, 'out');
  const r = await ghmon('build', '--config', GREYHAVEN_CONFIG, '--out', out);
  expect(r.code, r.err).toBe(0);
  return out;
}

function built(input: MonitoringInput): string {
  const out = join(tempDir(), 'out');
  writeOutput(out, generate(buildModel(validateConfig(input))));
  return out;
}

const EXPECTED = (k: string) => [
  '# kube-prometheus-stack 88.5.3 as Helm release "prometheus" in namespace "monitoring"',
  `# 1. Namespace and Secrets, each value from a file $GHMON_SECRETS_DIR/<secret>/<key> (templates: ${k}/secrets/)`,
  'kubectl create namespace monitoring --dry-run=client --output=yaml | kubectl apply --server-side --filename=-',
  `kubectl create secret generic ghmon-grafana-admin --namespace=monitoring --from-file=admin-user="\${GHMON_SECRETS_DIR:?}/ghmon-grafana-admin/admin-user" --from-file=admin-password="\${GHMON_SECRETS_DIR:?}/ghmon-grafana-admin/admin-password" --dry-run=client --output=yaml | kubectl apply --server-side --filename=-`,
  `kubectl create secret generic ghmon-metrics-token-backend --namespace=monitoring --from-file=token="\${GHMON_SECRETS_DIR:?}/ghmon-metrics-token-backend/token" --dry-run=client --output=yaml | kubectl apply --server-side --filename=-`,
  `kubectl create secret generic ghmon-pagerduty --namespace=monitoring --from-file=page-routing-key="\${GHMON_SECRETS_DIR:?}/ghmon-pagerduty/page-routing-key" --from-file=ticket-routing-key="\${GHMON_SECRETS_DIR:?}/ghmon-pagerduty/ticket-routing-key" --dry-run=client --output=yaml | kubectl apply --server-side --filename=-`,
  '# 2. The chart: CRDs, Prometheus, Alertmanager, Grafana, node-exporter, kube-state-metrics',
  'helm repo add prometheus-community https://prometheus-community.github.io/helm-charts',
  'helm repo update prometheus-community',
  `helm upgrade --install prometheus prometheus-community/kube-prometheus-stack --namespace monitoring --version 88.5.3 --values ${k}/values.yaml`,
  "# 3. ghmon's objects: PrometheusRules, ServiceMonitors, dashboard ConfigMaps, NetworkPolicies (after the chart: it installs the CRDs)",
  `kubectl apply --server-side --kustomize ${k}`,
];

/** Stub helm and kubectl: log argv, fail when a file or directory they are given does not exist. */
function stubs(): { bin: string; log: string } {
  const bin = join(tempDir('ghmon-stubs-'), 'bin');
  mkdirSync(bin);
  const log = join(bin, '..', 'calls.log');
  const stub = `#!/bin/sh
echo "$(basename "$0") $*" >> ${JSON.stringify(log)}
for a in "$@"; do
  case "$a" in
    --from-file=*) f="\${a#*=}"; f="\${f#*=}"; [ -f "$f" ] || { echo "no such file: $f" >&2; exit 1; } ;;
  esac
done
prev=""
for a in "$@"; do
  case "$prev" in
    --values) [ -f "$a" ] || { echo "no values file: $a" >&2; exit 1; } ;;
    --kustomize) [ -f "$a/kustomization.yaml" ] || { echo "no kustomization in $a" >&2; exit 1; } ;;
  esac
  prev="$a"
done
# Like kubectl, apply fails on empty input (e.g. when the create before the pipe failed).
case " $* " in *" --filename=- "*) [ -n "$(cat)" ] || { echo "error: no objects passed to apply" >&2; exit 1; } ;; *" --output=yaml "*) echo "kind: Stub" ;; esac
`;
  for (const name of ['helm', 'kubectl']) {
    writeFileSync(join(bin, name), stub);
    chmodSync(join(bin, name), 0o755);
  }
  return { bin, log };
}

function runInShell(lines: string[], env: Record<string, string>, cwd?: string) {
  const script = `set -eu\n${lines.filter((l) => !l.startsWith('#')).join('\n')}\n`;
  return spawnSync('sh', ['-c', script], { env: { ...process.env, ...env }, encoding: 'utf8', cwd });
}

function secretsDir(): string {
  const dir = tempDir('ghmon-secrets-');
  for (const f of [
    'ghmon-grafana-admin/admin-user',
    'ghmon-grafana-admin/admin-password',
    'ghmon-pagerduty/page-routing-key',
    'ghmon-pagerduty/ticket-routing-key',
    'ghmon-metrics-token-backend/token',
  ]) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), 'not-a-real-value\n');
  }
  return dir;
}

describe('ghmon deploy kubernetes', () => {
  it('--dry-run prints the exact helm and kubectl commands and exits 0', async () => {
    const out = await builtGreyhaven();
    const r = await ghmon('deploy', 'kubernetes', '--out', out, '--dry-run');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual(EXPECTED(`${out}/kubernetes`));
  });

  it('without --dry-run prints the same commands, says it cannot run them here, and exits 2', async () => {
    const out = await builtGreyhaven();
    const r = await ghmon('deploy', 'kubernetes', '--out', out);
    expect(r.code).toBe(2);
    expect(r.out.split('\n')).toEqual(EXPECTED(`${out}/kubernetes`));
    expect(r.err).toMatch(/only --dry-run is supported here \(no cluster, helm or kubectl/);
  });

  it('prints what out/kubernetes/README.md says, paths aside', async () => {
    const out = await builtGreyhaven();
    const readme = readFileSync(join(out, OUT.kubernetesReadme), 'utf8');
    const block = readme
      .match(/```sh\n([\s\S]*?)```/)?.[1]
      ?.trimEnd()
      .split('\n');
    expect(block).toEqual(deployCommands(readKubernetesDeployment(out), '.'));
    expect(block).toEqual(
      EXPECTED('.').map((l) =>
        l
          .replace('--values ./values.yaml', '--values values.yaml')
          .replace('(templates: ./secrets/)', '(templates: secrets/)'),
      ),
    );
  });

  it('follows the configured release, namespace and secrets', async () => {
    const out = built({
      services: [{ name: 'web', runtime: 'typescript', scrape: { targets: ['web:80'] } }],
      routing: { deadMansSwitch: { url: 'https://hb.example.com/', bearerTokenFile: '/x' } },
      kubernetes: { namespace: 'observability', releaseName: 'kps', secrets: { pagerduty: { name: 'pd' } } },
    });
    const r = await ghmon('deploy', 'kubernetes', '--out', out, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `helm upgrade --install kps prometheus-community/kube-prometheus-stack --namespace observability --version 88.5.3 --values ${out}/kubernetes/values.yaml`,
    );
    expect(r.out).toContain('kubectl create secret generic pd --namespace=observability');
    expect(r.out).toContain(
      `kubectl create secret generic ghmon-deadmans-switch --namespace=observability --from-file=bearer-token="\${GHMON_SECRETS_DIR:?}/ghmon-deadmans-switch/bearer-token"`,
    );
  });

  it('prints commands that a shell runs: every secret file, the values and the kustomization are found', async () => {
    const out = await builtGreyhaven(join(tempDir(), 'dir with space'));
    const r = await ghmon('deploy', 'kubernetes', '--out', out, '--dry-run');
    expect(r.out).toContain(`--values '${out}/kubernetes/values.yaml'`);
    const { bin, log } = stubs();
    const env = { PATH: `${bin}:${process.env.PATH}`, GHMON_SECRETS_DIR: secretsDir() };
    const run = runInShell(r.out.split('\n'), env);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls.filter((c) => c.startsWith('helm upgrade --install prometheus'))).toHaveLength(1);
    // Grafana admin, PagerDuty, backend's /metrics token (`api` pushes: no scrape token).
    expect(calls.filter((c) => c.startsWith('kubectl create secret generic'))).toHaveLength(3);
    expect(calls.at(-1)).toBe(`kubectl apply --server-side --kustomize ${out}/kubernetes`);
  });

  it('the README commands run from out/kubernetes/; they stop when GHMON_SECRETS_DIR is unset', async () => {
    const out = await builtGreyhaven();
    const lines = deployCommands(readKubernetesDeployment(out), '.');
    const { bin } = stubs();
    const ok = runInShell(
      lines,
      { PATH: `${bin}:${process.env.PATH}`, GHMON_SECRETS_DIR: secretsDir() },
      join(out, 'kubernetes'),
    );
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    delete env.GHMON_SECRETS_DIR;
    const unset = spawnSync('sh', ['-c', `set -eu\n${lines.filter((l) => !l.startsWith('#')).join('\n')}`], {
      env,
      encoding: 'utf8',
      cwd: join(out, 'kubernetes'),
    });
    expect(unset.status).not.toBe(0);
    expect(unset.stderr).toMatch(/GHMON_SECRETS_DIR/);
  });

  it.each([
    [['deploy'], /which target\?[\s\S]*kubernetes/],
    [['deploy', 'nomad', '--dry-run'], /unknown deploy target "nomad"/],
    [['deploy', 'kubernetes', 'extra', '--dry-run'], /unexpected argument: extra/],
  ])('exits 2 on %j', async (argv, message) => {
    const r = await ghmon(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('says to build first when out/kubernetes is missing', async () => {
    const out = join(tempDir(), 'none');
    const r = await ghmon('deploy', 'kubernetes', '--out', out, '--dry-run');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`run \`ghmon build --out ${out}\` first`);
  });
});
