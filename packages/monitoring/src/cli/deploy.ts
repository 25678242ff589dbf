/**
 * `ghmon deploy <target> [--out DIR] --dry-run`: prints the exact commands that deploy what `ghmon build` wrote
 * to DIR. Targets dispatch by name (`deploy kubernetes`; another target adds its own entry to DEPLOY_TARGETS).
 * Nothing is run: this machine has no cluster, helm or kubectl. Without --dry-run the commands are printed all the
 * same and the exit code is 2.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { UserError } from '../config/errors.ts';
import { OUT } from '../conventions.ts';
import { deployCommands, type KubernetesDeployment } from '../targets/kubernetes/deploy-commands.ts';
import { getPath, isMap } from '../targets/kubernetes/helm.ts';
import type { Io } from './io.ts';

export interface DeployOptions {
  target: string | undefined;
  out: string;
  dryRun: boolean;
  /** deploy grafana: Grafana's root URL, the service account token file, the folder uid. */
  url?: string;
  tokenFile?: string;
  folder?: string;
}

interface DeployTarget {
  description: string;
  /** The commands to print; reads only the files in out/. Throws UserError on missing or unreadable output. */
  commands?(out: string): string[];
  /** A target that deploys itself over an API (no commands to print); returns the exit code. */
  run?(opts: DeployOptions, io: Io): Promise<number>;
}

export const DEPLOY_TARGETS: Record<string, DeployTarget> = {
  kubernetes: {
    description: 'helm upgrade --install kube-prometheus-stack with out/kubernetes/values.yaml, then kubectl apply -k',
    commands: (out) => deployCommands(readKubernetesDeployment(out), `${out}/${OUT.kubernetesDir}`),
  },
  grafana: {
    description: 'POST each out/grafana/dashboards/*.json to Grafana: --url URL --token-file F [--folder UID]',
    run: async (opts, io) =>
      (await import('../deploy/grafana.ts')).deployGrafana(
        { out: opts.out, url: opts.url, tokenFile: opts.tokenFile, folder: opts.folder },
        io,
      ),
  },
};

const usage = () =>
  `Usage: ghmon deploy <target> [--out DIR] --dry-run\n\nTargets:\n${Object.entries(DEPLOY_TARGETS)
    .map(([name, t]) => `  ${name.padEnd(12)} ${t.description}`)
    .join('\n')}`;

export async function deploy(opts: DeployOptions, io: Io): Promise<number> {
  if (opts.target === undefined) throw new UserError(`which target?\n\n${usage()}`);
  const target = DEPLOY_TARGETS[opts.target];
  if (!target) throw new UserError(`unknown deploy target "${opts.target}"\n\n${usage()}`);
  if (target.run) return target.run(opts, io);
  const commands = target.commands?.(opts.out) ?? [];
  for (const line of commands) io.out(line);
  if (opts.dryRun) return 0;
  io.err(
    `ghmon deploy ${opts.target}: only --dry-run is supported here (no cluster, helm or kubectl on this machine): run the commands above yourself`,
  );
  return 2;
}

function readYamlFile(out: string, rel: string): unknown {
  const path = join(out, ...rel.split('/'));
  if (!existsSync(path)) throw new UserError(`${out}/${rel} does not exist: run \`ghmon build --out ${out}\` first`);
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UserError(`${out}/${rel}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

/** The release (helmfile.yaml) and the Secrets to create (the templates in secrets/), from the files in out/. */
export function readKubernetesDeployment(out: string): KubernetesDeployment {
  readYamlFile(out, OUT.kubernetesKustomization);
  readYamlFile(out, OUT.kubernetesValues);
  const helmfile = readYamlFile(out, OUT.kubernetesHelmfile);
  const repo = getPath(helmfile, ['repositories', 0]);
  const release = getPath(helmfile, ['releases', 0]);
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
          const s = readYamlFile(out, `${OUT.kubernetesSecretsDir}/${f}`);
          const data = getPath(s, ['stringData']);
          return {
            name: str(getPath(s, ['metadata', 'name']), `metadata.name in secrets/${f}`),
            keys: Object.keys(isMap(data) ? data : {}),
          };
        })
    : [];
  return {
    release: str(getPath(release, ['name']), 'releases[0].name'),
    namespace: str(getPath(release, ['namespace']), 'releases[0].namespace'),
    repo: {
      name: str(getPath(repo, ['name']), 'repositories[0].name'),
      url: str(getPath(repo, ['url']), 'repositories[0].url'),
    },
    chart: str(getPath(release, ['chart']), 'releases[0].chart'),
    version: str(getPath(release, ['version']), 'releases[0].version'),
    secrets,
  };
}
