/**
 * model → files, through one registry: every generator of out/, in order, with the folder of out/ it owns and a
 * line on what it writes (out/README.md lists them). Generators are pure `model → documents`; this serialises
 * every document once into a map of path (relative to out/, with `/`) → content. Only util/write.ts touches the
 * disk.
 */
import { contractJson } from '@greyhaven/metric-contract';
import { OUT, RULE_PREFIX } from './conventions.ts';
import { alertmanagerDocuments } from './generators/alertmanager/index.ts';
import { composeDocuments } from './generators/compose/index.ts';
import { jsonDocument, type OutDocument, serialise, textDocument } from './generators/document.ts';
import { grafanaDocuments } from './generators/grafana/index.ts';
import { kubernetesDocuments } from './generators/kubernetes/index.ts';
import { prometheusConfigDocuments, replicaNames } from './generators/prometheus/config/prometheus-yml.ts';
import { ruleFileDocuments } from './generators/prometheus/rules/index.ts';
import { alertTestDocuments } from './generators/prometheus/tests/index.ts';
import { outReadme } from './generators/readme.ts';
import { victoriaMetricsDocuments } from './generators/victoriametrics/index.ts';
import { CHART } from './model/chart.ts';
import type { Model } from './model/model.ts';
import { VM_FILES } from './model/scale.ts';

export type Files = Map<string, string>;

/** One entry of the registry: a generator and the part of out/ that is its alone. */
export interface Generator {
  /** Short name of the group. */
  id: string;
  /** The folder of out/ it owns (`''`: out/ itself). */
  folder: string;
  /** Whether it owns the folder's subfolders too; if not, only the files directly in the folder. */
  subfolders: boolean;
  /** What out/README.md lists for it: its file, file pattern or folder. */
  files: string;
  /** One line on what it writes, for out/README.md. */
  what: (model: Model) => string;
  /** Whether the model asks for its files (an optional part of out/, such as victoriametrics/); always if absent. */
  enabled?: (model: Model) => boolean;
  /** Its documents, from the model and (for the deploy targets, which wrap them) the documents written before it. */
  documents: (model: Model, earlier: readonly OutDocument[]) => OutDocument[];
}

/** The folder of a path in out/ (`''` for a file directly in out/). */
function folderOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/**
 * Every generator, in the order they run and out/README.md lists them. The deploy targets (kubernetes, compose)
 * wrap the rule files and dashboards written before them: they stay after every other generator.
 */
export const GENERATORS: readonly Generator[] = [
  {
    id: 'prometheus',
    folder: folderOf(OUT.prometheusConfig),
    subfolders: false,
    files: OUT.prometheusConfig,
    what: (model) =>
      `Prometheus config: ${model.scrapeInterval} scrape/evaluation, one job per service with a \`service\` target label${
        model.ha.prometheusReplicas > 1
          ? `; with HA, one config per replica beside it (\`${replicaNames(model)
              .map((r) => OUT.prometheusReplicaConfig(r))
              .join('`, `')}\`)`
          : ''
      }`,
    documents: prometheusConfigDocuments,
  },
  {
    id: 'rules',
    folder: OUT.rulesDir,
    subfolders: true,
    files: `${OUT.rulesDir}/*.yml`,
    what: () => `recording rules (\`${RULE_PREFIX}:*\`) and alerts`,
    documents: ruleFileDocuments,
  },
  {
    id: 'tests',
    folder: OUT.testsDir,
    subfolders: true,
    files: `${OUT.testsDir}/*.test.yml`,
    what: () =>
      `promtool unit tests of the alerts, one file per alert (per alert and service where its rules are per service): \`promtool test rules ${OUT.testsDir}/*.test.yml\``,
    documents: alertTestDocuments,
  },
  {
    id: 'alertmanager',
    folder: folderOf(OUT.alertmanagerConfig),
    subfolders: true,
    files: OUT.alertmanagerConfig,
    what: (model) =>
      `Alertmanager: PagerDuty Events API v2, routing key read from a file${
        model.ha.alertmanagerPeers > 1
          ? `; with ${model.ha.alertmanagerPeers} peers, \`${OUT.alertmanagerCluster}\`: each peer's cluster flags`
          : ''
      }`,
    documents: alertmanagerDocuments,
  },
  {
    id: 'contract',
    folder: folderOf(OUT.contract),
    subfolders: true,
    files: OUT.contract,
    what: () => 'the metric contract, for the Python instrumentation',
    documents: () => [jsonDocument(OUT.contract, contractJson())],
  },
  {
    id: 'grafana',
    folder: folderOf(OUT.grafanaDashboardsDir),
    subfolders: true,
    files: `${folderOf(OUT.grafanaDashboardsDir)}/`,
    what: () =>
      `Grafana: the dashboards (\`${OUT.grafanaDashboardsDir}/*.json\`), and the provisioning of the Prometheus datasource and of those dashboards`,
    documents: grafanaDocuments,
  },
  {
    id: 'victoriametrics',
    folder: VM_FILES.dir,
    subfolders: true,
    files: `${VM_FILES.dir}/`,
    enabled: (model) => model.scale !== undefined,
    what: () =>
      'with `scale`: vmagent members, vmalert replicas and VictoriaMetrics: their scrape config, the rules as vmalert runs them, every process and its flags',
    documents: victoriaMetricsDocuments,
  },
  {
    id: 'kubernetes',
    folder: OUT.kubernetesDir,
    subfolders: true,
    files: `${OUT.kubernetesDir}/`,
    what: () =>
      `kube-prometheus-stack ${CHART.version}: Helm values, the release, the rules, ServiceMonitors, dashboards and NetworkPolicies to apply, Secret templates (\`${OUT.kubernetesReadme}\`)`,
    documents: kubernetesDocuments,
  },
  {
    id: 'compose',
    folder: folderOf(OUT.composeFile),
    subfolders: true,
    files: `${folderOf(OUT.composeFile)}/`,
    what: () =>
      `Docker Compose: Prometheus, Alertmanager, node_exporter and Grafana with the configs they mount (\`${OUT.composeReadme}\`)`,
    documents: composeDocuments,
  },
  {
    id: 'readme',
    folder: folderOf(OUT.readme),
    subfolders: false,
    files: OUT.readme,
    what: () => 'this file',
    documents: (model) => [
      textDocument(
        OUT.readme,
        outReadme(
          model,
          GENERATORS.filter((g) => g.enabled?.(model) ?? true).map((g) => ({ files: g.files, what: g.what(model) })),
        ),
      ),
    ],
  },
];

/** Whether a path of out/ lies in the part of out/ a generator owns. */
export function owns(generator: Pick<Generator, 'folder' | 'subfolders'>, path: string): boolean {
  const folder = folderOf(path);
  if (folder === generator.folder) return true;
  return generator.subfolders && (generator.folder === '' || folder.startsWith(`${generator.folder}/`));
}

/** The generators of a registry that own a path: exactly one for every path a generator writes. */
export function ownersOf(path: string, generators: readonly Generator[] = GENERATORS): Generator[] {
  return generators.filter((g) => owns(g, path));
}

/**
 * Every document of out/, in registry order. Throws when a generator writes a path that another one owns too, or
 * that is not its own, or that was written already: each file of out/ has exactly one generator.
 */
export function generateDocuments(model: Model, generators: readonly Generator[] = GENERATORS): OutDocument[] {
  const docs: OutDocument[] = [];
  const writer = new Map<string, string>();
  for (const g of generators) {
    for (const doc of g.documents(model, docs)) {
      const owners = ownersOf(doc.path, generators).map((o) => o.id);
      if (owners.length !== 1 || owners[0] !== g.id) {
        throw new Error(
          `generator ${g.id} wrote ${doc.path}, which ${owners.length === 0 ? 'no generator owns' : `${owners.join(' and ')} own${owners.length === 1 ? 's' : ''}`}`,
        );
      }
      const earlier = writer.get(doc.path);
      if (earlier !== undefined) throw new Error(`generators ${earlier} and ${g.id} both wrote ${doc.path}`);
      writer.set(doc.path, g.id);
      docs.push(doc);
    }
  }
  return docs;
}

/** Path → content of every file of out/, sorted by path. */
export function generate(model: Model): Files {
  const files = generateDocuments(model).map((d): [string, string] => [d.path, serialise(d)]);
  return new Map(files.sort(([a], [b]) => a.localeCompare(b)));
}
