/**
 * What Helm and the chart do with values, as pure functions, so that a test or a check can predict the effective
 * configuration without a cluster: Helm's merge of user values over chart defaults, and how the chart turns
 * `ruleSelector`/`ruleSelectorNilUsesHelmValues` (and the ServiceMonitor equivalents) into a label selector.
 */

export type Values = Record<string, unknown>;

export function isMap(v: unknown): v is Values {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Helm's coalescing of user values over chart defaults: maps merge key by key, anything else (lists, scalars)
 * replaces the default, and `null` removes the default key.
 */
export function helmMerge(defaults: unknown, values: unknown): unknown {
  if (!isMap(defaults) || !isMap(values)) return values === undefined ? defaults : values;
  const out: Values = { ...defaults };
  for (const [k, v] of Object.entries(values)) {
    if (v === null) delete out[k];
    else out[k] = helmMerge(defaults[k], v);
  }
  return out;
}

/** The value at a key path (list items by number), or undefined. */
export function getPath(tree: unknown, path: readonly (string | number)[]): unknown {
  let node = tree;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === 'number') node = node[key];
    else if (isMap(node)) node = node[key];
    else return undefined;
  }
  return node;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/**
 * The selector kube-prometheus-stack puts on the Prometheus resource (templates/prometheus/prometheus.yaml):
 * a non-empty `<kind>Selector` is used as given; otherwise, when `<kind>SelectorNilUsesHelmValues` is true (the
 * default), `matchLabels: {release: <release name>}`; otherwise `{}`, which selects every object.
 */
export function chartSelector(
  prometheusSpec: unknown,
  kind: 'rule' | 'serviceMonitor',
  releaseName: string,
  releaseLabel: string,
): LabelSelector {
  const selector = getPath(prometheusSpec, [`${kind}Selector`]);
  if (isMap(selector) && Object.keys(selector).length > 0) return selector as LabelSelector;
  if (getPath(prometheusSpec, [`${kind}SelectorNilUsesHelmValues`]) === true) {
    return { matchLabels: { [releaseLabel]: releaseName } };
  }
  return {};
}

/** Kubernetes label-selector semantics: every matchLabels pair and every expression must hold; `{}` matches all. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    const ok =
      e.operator === 'In'
        ? has && values.includes(value as string)
        : e.operator === 'NotIn'
          ? !has || !values.includes(value as string)
          : e.operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

export function describeSelector(selector: LabelSelector): string {
  const parts = [
    ...Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(selector.matchExpressions ?? []).map(
      (e) => `${e.key} ${e.operator}${e.values ? ` (${e.values.join(', ')})` : ''}`,
    ),
  ];
  return parts.length === 0 ? '{} (everything)' : parts.join(', ');
}
