/**
 * model → files. Every generator is a pure function; this assembles their output into a map of
 * path (relative to out/, with `/`) → content. Only util/write.ts touches the disk.
 */
import { contractJson } from '@greyhaven/metric-contract';
import { OUT } from './conventions.ts';
import { alertmanagerClusterDoc } from './generators/alertmanager/cluster.ts';
import { alertmanagerConfig } from './generators/alertmanager/config.ts';
import { composeFiles } from './generators/compose/compose.ts';
import { grafanaFiles } from './generators/grafana/index.ts';
import { kubernetesFiles } from './generators/kubernetes/index.ts';
import { prometheusConfig, replicaConfigs } from './generators/prometheus/config/prometheus-yml.ts';
import { ruleFiles } from './generators/prometheus/rules/index.ts';
import { alertTestFiles } from './generators/prometheus/tests/index.ts';
import { outReadme } from './generators/readme.ts';
import type { Model } from './model/model.ts';
import { toYaml } from './util/yaml.ts';

export type Files = Map<string, string>;

export function generate(model: Model): Files {
  const files: Files = new Map();
  files.set(OUT.prometheusConfig, toYaml(prometheusConfig(model)));
  for (const { replica, config } of replicaConfigs(model)) {
    files.set(OUT.prometheusReplicaConfig(replica), toYaml(config));
  }
  if (model.ha.alertmanagerPeers > 1) files.set(OUT.alertmanagerCluster, alertmanagerClusterDoc(model));
  for (const rf of ruleFiles(model)) {
    files.set(`${OUT.rulesDir}/${rf.file}`, toYaml({ groups: rf.groups }));
  }
  for (const [path, test] of alertTestFiles(model)) files.set(path, toYaml(test));
  files.set(OUT.alertmanagerConfig, toYaml(alertmanagerConfig(model)));
  files.set(OUT.contract, `${JSON.stringify(contractJson(), null, 2)}\n`);
  files.set(OUT.readme, outReadme(model));
  for (const [path, content] of grafanaFiles(model)) files.set(path, content);
  // Deploy targets wrap the files above (rule files, dashboards): keep them after every other generator.
  for (const target of [kubernetesFiles(model, files), composeFiles(model, files)]) {
    for (const [path, content] of target) files.set(path, content);
  }
  return new Map([...files.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
