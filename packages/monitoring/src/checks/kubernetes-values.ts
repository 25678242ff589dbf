/**
 * `kubernetes/values`: every key of out/kubernetes/values.yaml exists in the values of the chart it is for
 * (kube-prometheus-stack, with its grafana subchart under `grafana.`), with the same kind of value. Helm silently
 * ignores a key the chart does not read, so a typo such as `retension` would deploy the chart's default instead.
 *
 * Below a few keys the chart takes free-form content it does not declare key by key; those subtrees are on
 * FREE_FORM, an explicit list with the reason for each, and are validated by other checks where a tool exists.
 */
import { OUT } from '../conventions.ts';
import { didYouMean } from '../promql/suggest.ts';
import type { Finding } from '../util/finding.ts';
import { isMap } from '../util/helm.ts';
import type { Check } from './lib/context.ts';
import { chartDefaults, readYaml } from './lib/kubernetes.ts';

export const KUBERNETES_VALUES = 'kubernetes/values';

/** Subtrees whose keys are not the chart's to declare. Keep this short, with a reason per entry. */
export const FREE_FORM: readonly { path: string; why: string }[] = [
  {
    path: 'prometheus.prometheusSpec.additionalScrapeConfigs',
    why: 'a list of Prometheus scrape_config entries, appended verbatim to prometheus.yml (kubernetes/promtool runs promtool check config on them)',
  },
  {
    path: 'prometheus.prometheusSpec.storageSpec',
    why: "copied verbatim into the Prometheus resource's storage (a PVC template); the chart shows volumeClaimTemplate only in a comment",
  },
  {
    path: 'prometheus.prometheusSpec.externalLabels',
    why: 'a map of label name → value, `{}` in the chart',
  },
  {
    path: 'prometheus.prometheusSpec.remoteWrite',
    why: "a list of the operator's RemoteWriteSpec (longTerm); kubernetes/promtool maps each back to prometheus.yml remote_write and runs promtool check config on it",
  },
  {
    path: 'alertmanager.config',
    why: "the Alertmanager configuration file itself (kubernetes/amtool runs amtool check-config on it, merged with the chart's default as Helm merges it)",
  },
  {
    path: 'defaultRules.disabled',
    why: 'a map of alert name → true, `{}` in the chart, which documents it as such',
  },
];

const FREE = new Set(FREE_FORM.map((f) => f.path));

export interface ValueProblem {
  path: string[];
  message: string;
}

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : isMap(v) ? 'a map' : `a ${typeof v}`);

/** Every key path of `values` that the chart's `defaults` do not have, or where the kind of value differs. */
export function valueProblems(
  values: unknown,
  defaults: unknown,
  path: string[] = [],
  free: ReadonlySet<string> = FREE,
): ValueProblem[] {
  const here = path.join('.');
  if (free.has(here)) return [];
  const problems: ValueProblem[] = [];
  if (isMap(values)) {
    if (!isMap(defaults)) {
      return [{ path, message: `the chart has ${kind(defaults)} here, not a map` }];
    }
    if (Object.keys(defaults).length === 0) {
      return [
        {
          path,
          message:
            'the chart has an empty map here, so keys below it cannot be checked: if the chart documents it as free-form, add it to FREE_FORM with the reason',
        },
      ];
    }
    for (const [key, value] of Object.entries(values)) {
      if (!Object.hasOwn(defaults, key)) {
        const suggestion = didYouMean(key, Object.keys(defaults));
        problems.push({
          path: [...path, key],
          message: `unknown key${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: the chart has no such value, Helm would silently ignore it`,
        });
      } else {
        problems.push(...valueProblems(value, defaults[key], [...path, key], free));
      }
    }
    return problems;
  }
  if (Array.isArray(values)) {
    if (defaults !== null && defaults !== undefined && !Array.isArray(defaults)) {
      return [{ path, message: `the chart has ${kind(defaults)} here, not a list` }];
    }
    if (values.some((v) => isMap(v) || Array.isArray(v))) {
      return [
        {
          path,
          message: 'a list of maps, whose keys the chart does not declare: add it to FREE_FORM with the reason',
        },
      ];
    }
    return [];
  }
  if (isMap(defaults) || Array.isArray(defaults)) {
    return [{ path, message: `the chart has ${kind(defaults)} here, not ${kind(values)}` }];
  }
  if (defaults !== null && defaults !== undefined && values !== null && typeof defaults !== typeof values) {
    return [{ path, message: `the chart has ${kind(defaults)} here, not ${kind(values)} (${JSON.stringify(values)})` }];
  }
  return [];
}

export const kubernetesValues: Check = {
  id: KUBERNETES_VALUES,
  description: "every key of kubernetes/values.yaml exists in the chart's values",
  async run(ctx) {
    const findings: Finding[] = [];
    const values = readYaml(ctx, KUBERNETES_VALUES, OUT.kubernetesValues, findings);
    if (!values) return findings;
    for (const p of valueProblems(values.value, chartDefaults())) {
      const line = values.line(p.path);
      findings.push({
        check: KUBERNETES_VALUES,
        severity: 'error',
        file: OUT.kubernetesValues,
        ...(line !== undefined ? { line } : {}),
        message: `${p.path.join('.') || '(top level)'}: ${p.message}`,
      });
    }
    return findings;
  },
};
