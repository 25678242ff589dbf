/**
 * `kubernetes/amtool`: the Alertmanager configuration the chart will actually render — values.yaml's
 * `alertmanager.config` merged over the chart's default `alertmanager.config` the way Helm merges values (maps
 * merge key by key, lists replace) — passes `amtool check-config`, and every alert of the PrometheusRules, routed
 * through it by `amtool config routes test`, reaches a receiver that notifies someone (as amtool/routes does for
 * out/alertmanager/: the chart's defaults, such as its `null` receiver, could otherwise swallow alerts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OUT } from '../conventions.ts';
import { readRuleFile } from '../outdir/rule-files.ts';
import type { Finding } from '../util/finding.ts';
import { getPath, isMap } from '../util/helm.ts';
import { findBinary, missingTool, runTool, toolFindings } from '../util/tool.ts';
import { toYaml } from '../util/yaml.ts';
import { routingFindings } from './amtool-routes.ts';
import type { Check } from './lib/context.ts';
import { effectiveValues, readKubernetesOutput } from './lib/kubernetes.ts';

export const KUBERNETES_AMTOOL = 'kubernetes/amtool';

export const kubernetesAmtool: Check = {
  id: KUBERNETES_AMTOOL,
  description: "amtool check-config and routes test on alertmanager.config as Helm merges it with the chart's default",
  async run(ctx) {
    const bin = findBinary('amtool');
    if (!bin) return [missingTool(KUBERNETES_AMTOOL, 'amtool', 'prometheus-alertmanager')];
    // One read of out/kubernetes/: values.yaml for the config, the PrometheusRules for the routing test. Only
    // values.yaml's own problems are this check's; the other files' are kubernetes/schema's findings.
    const read: Finding[] = [];
    const k8s = readKubernetesOutput(ctx, KUBERNETES_AMTOOL, read);
    const findings = read.filter((f) => f.file === OUT.kubernetesValues);
    const values = k8s.values;
    if (!values) return findings;
    const config = getPath(effectiveValues(isMap(values.value) ? values.value : {}), ['alertmanager', 'config']);
    const tmp = mkdtempSync(join(tmpdir(), 'ghmon-k8s-'));
    try {
      const file = join(tmp, 'alertmanager.yaml');
      const text = toYaml(config, '');
      writeFileSync(file, text);
      const result = await runTool(bin, ['check-config', file]);
      for (const f of toolFindings(KUBERNETES_AMTOOL, OUT.kubernetesValues, result)) {
        findings.push({ ...f, message: `alertmanager.config: ${f.message.replaceAll(file, 'alertmanager.yaml')}` });
      }
      if (result.code === 0) {
        const rules = k8s.objects
          .filter((o) => o.kind === 'PrometheusRule')
          .flatMap((o) => {
            const groups = getPath(o.object, ['spec', 'groups']) ?? [];
            return readRuleFile(o.file.path, toYaml({ groups }, '')).rules;
          });
        findings.push(
          ...(await routingFindings({
            check: KUBERNETES_AMTOOL,
            bin,
            config: { path: file, text },
            rules,
          })),
        );
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    return findings;
  },
};
