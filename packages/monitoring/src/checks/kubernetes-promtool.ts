/**
 * `kubernetes/promtool`: the rule groups inside each PrometheusRule, written to a rule file of their own, pass
 * `promtool check rules`; the additionalScrapeConfigs in values.yaml, in a prometheus.yml of their own, pass
 * `promtool check config`, and so does `remoteWrite` mapped back to prometheus.yml's `remote_write`. That is what
 * the operator and Prometheus will load in the cluster.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OUT } from '../conventions.ts';
import { prometheusRemoteWrite } from '../model/remote-write.ts';
import type { Finding } from '../util/finding.ts';
import { getPath, isMap } from '../util/helm.ts';
import { findBinary, missingTool, runTool, toolFindings } from '../util/tool.ts';
import { toYaml } from '../util/yaml.ts';
import type { Check } from './lib/context.ts';
import { stageWithCredentialStubs } from './lib/credential-stubs.ts';
import { readKubernetesOutput } from './lib/kubernetes.ts';

export const KUBERNETES_PROMTOOL = 'kubernetes/promtool';

export const kubernetesPromtool: Check = {
  id: KUBERNETES_PROMTOOL,
  description: 'promtool check rules on each PrometheusRule, check config on additionalScrapeConfigs and remoteWrite',
  async run(ctx) {
    const bin = findBinary('promtool');
    if (!bin) return [missingTool(KUBERNETES_PROMTOOL, 'promtool', 'prometheus')];
    const findings: Finding[] = [];
    const k8s = readKubernetesOutput(ctx, KUBERNETES_PROMTOOL, findings);
    const lineOf = (path: (string | number)[]) => {
      const line = k8s.values?.line(path);
      return line !== undefined ? { line } : {};
    };
    const rules = k8s.objects.filter((o) => o.kind === 'PrometheusRule');
    if (rules.length === 0 && k8s.kustomization) {
      findings.push({
        check: KUBERNETES_PROMTOOL,
        severity: 'error',
        file: OUT.kubernetesKustomization,
        message: 'no PrometheusRule',
      });
    }
    const tmp = mkdtempSync(join(tmpdir(), 'ghmon-k8s-'));
    try {
      for (const [i, o] of rules.entries()) {
        const file = join(tmp, `rules-${i}.yml`);
        writeFileSync(file, toYaml({ groups: getPath(o.object, ['spec', 'groups']) ?? [] }, ''));
        const result = await runTool(bin, ['check', 'rules', file]);
        for (const f of toolFindings(KUBERNETES_PROMTOOL, o.file.path, result)) {
          findings.push({ ...f, message: f.message.replaceAll(file, 'spec.groups') });
        }
      }
      const remoteWrite = getPath(k8s.values?.value, ['prometheus', 'prometheusSpec', 'remoteWrite']);
      const remote = (Array.isArray(remoteWrite) ? remoteWrite : []).map((spec, i) => {
        const { config, unknown } = prometheusRemoteWrite(isMap(spec) ? spec : {});
        for (const k of unknown) {
          findings.push({
            check: KUBERNETES_PROMTOOL,
            severity: 'error',
            file: OUT.kubernetesValues,
            ...lineOf(['prometheus', 'prometheusSpec', 'remoteWrite', i, ...k.split('.')]),
            message: `prometheus.prometheusSpec.remoteWrite[${i}].${k}: not a RemoteWriteSpec field ghmon generates`,
          });
        }
        return config;
      });
      const scrape = getPath(k8s.values?.value, ['prometheus', 'prometheusSpec', 'additionalScrapeConfigs']);
      /** A section of values.yaml as a prometheus.yml of its own through `promtool check config`. */
      const checkConfig = async (valuesKey: string, config: Record<string, unknown>) => {
        // Secret files (tokens) exist only in the Prometheus pods: stubs here (checks/lib/credential-stubs.ts).
        const { file } = stageWithCredentialStubs(toYaml(config, ''), tmp, tmp);
        const result = await runTool(bin, ['check', 'config', file]);
        for (const f of toolFindings(KUBERNETES_PROMTOOL, OUT.kubernetesValues, result)) {
          findings.push({
            ...f,
            message: `prometheus.prometheusSpec.${valuesKey}: ${f.message.replaceAll(file, 'prometheus.yml')}`,
          });
        }
      };
      if (remote.length > 0) await checkConfig('remoteWrite', { remote_write: remote });
      if (scrape !== undefined) await checkConfig('additionalScrapeConfigs', { scrape_configs: scrape });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    return findings;
  },
};
