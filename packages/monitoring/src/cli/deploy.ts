/**
 * `ghmon deploy <target> [--out DIR] ...`: deploys what `ghmon build` wrote to DIR. Targets dispatch by name through
 * DEPLOY_TARGETS (`deploy kubernetes`; another target adds its own entry). `deploy kubernetes --dry-run` prints the
 * exact helm and kubectl commands; nothing is run (this machine has no cluster, helm or kubectl): without --dry-run
 * the commands are printed all the same and the exit code is 2.
 */

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OUT } from '../conventions.ts';
import { deployCommands, type KubernetesDeployment } from '../generators/kubernetes/deploy-commands.ts';
import { outFiles } from '../outdir/files.ts';
import { helmfileRelease, parseYaml, secretTemplate } from '../outdir/kubernetes.ts';
import { UserError } from '../util/errors.ts';
import type { Io } from './io.ts';

export interface DeployOptions {
  target: string | undefined;
  out: string;
  dryRun: boolean;
  /** Options of other targets (e.g. a Grafana URL), passed through to them. */
  url?: string | undefined;
  tokenFile?: string | undefined;
  folder?: string | undefined;
}

export interface DeployTarget {
  description: string;
  /** Deploys (or, with --dry-run, says how); reads only the files in out/. Bad input throws UserError. */
  run(opts: DeployOptions, io: Io): Promise<number>;
}

export const DEPLOY_TARGETS: Record<string, DeployTarget> = {
  kubernetes: {
    description: 'helm upgrade --install kube-prometheus-stack with out/kubernetes/values.yaml, then kubectl apply -k',
    async run(opts, io) {
      const commands = deployCommands(readKubernetesDeployment(opts.out), `${opts.out}/${OUT.kubernetesDir}`);
      for (const line of commands) io.out(line);
      if (opts.dryRun) return 0;
      io.err(
        'ghmon deploy kubernetes: only --dry-run is supported here (no cluster, helm or kubectl on this machine): run the commands above yourself',
      );
      return 2;
    },
  },
  grafana: {
    description: 'save out/grafana/dashboards/*.json in Grafana: --url URL --token-file F [--folder UID]',
    async run(opts, io) {
      const { deployGrafana } = await import('../deploy/grafana.ts');
      return deployGrafana({ out: opts.out, url: opts.url, tokenFile: opts.tokenFile, folder: opts.folder }, io);
    },
  },
};

const usage = () =>
  `Usage: ghmon deploy <target> [--out DIR] ...\n\nTargets:\n${Object.entries(DEPLOY_TARGETS)
    .map(([name, t]) => `  ${name.padEnd(12)} ${t.description}`)
    .join('\n')}`;

export async function deploy(opts: DeployOptions, io: Io): Promise<number> {
  if (opts.target === undefined) throw new UserError(`which target?\n\n${usage()}`);
  const target = DEPLOY_TARGETS[opts.target];
  if (!target) throw new UserError(`unknown deploy target "${opts.target}"\n\n${usage()}`);
  return target.run(opts, io);
}

function readYamlFile(out: string, rel: string): unknown {
  const files = outFiles(out);
  if (!files.exists(rel)) throw new UserError(`${out}/${rel} does not exist: run \`ghmon build --out ${out}\` first`);
  const parsed = parseYaml(rel, files.read(rel));
  if ('errors' in parsed) throw new UserError(`${out}/${rel}: ${parsed.errors[0]?.reason ?? 'not YAML'}`);
  return parsed.file.value;
}

/** The release (helmfile.yaml) and the Secrets to create (the templates in secrets/), from the files in out/. */
export function readKubernetesDeployment(out: string): KubernetesDeployment {
  readYamlFile(out, OUT.kubernetesKustomization);
  readYamlFile(out, OUT.kubernetesValues);
  const { release, repo } = helmfileRelease(readYamlFile(out, OUT.kubernetesHelmfile));
  const str = (v: unknown, what: string) => {
    if (typeof v !== 'string' || v === '') throw new UserError(`${out}/${OUT.kubernetesHelmfile}: no ${what}`);
    return v;
  };
  const secretsDir = join(out, ...OUT.kubernetesSecretsDir.split('/'));
  const secrets = existsSync(secretsDir)
    ? readdirSync(secretsDir)
        .filter((f) => f.endsWith('.yaml'))
        .sort()
        .map((f) => {
          const s = secretTemplate(readYamlFile(out, `${OUT.kubernetesSecretsDir}/${f}`));
          return { name: str(s.name, `metadata.name in secrets/${f}`), keys: s.keys };
        })
    : [];
  return {
    release: str(release.name, 'releases[0].name'),
    namespace: str(release.namespace, 'releases[0].namespace'),
    repo: {
      name: str(repo.name, 'repositories[0].name'),
      url: str(repo.url, 'repositories[0].url'),
    },
    chart: str(release.chart, 'releases[0].chart'),
    version: str(release.version, 'releases[0].version'),
    secrets,
  };
}
