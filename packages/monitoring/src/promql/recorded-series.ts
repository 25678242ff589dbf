/**
 * The labels of the series the rules themselves write: each recording rule's result (its expression's labels,
 * without `__name__`, plus its static `labels`), and `ALERTS`/`ALERTS_FOR_STATE` (every alert's output labels
 * plus its static labels). Rules read each other across files in any order, so the sets are grown from empty
 * until nothing changes (a fixpoint); sets only grow, so this ends.
 */

import { type KnownSeries, RULE_ENGINE_SERIES } from './known-metrics.ts';
import { type Labels, labelsOf } from './labels.ts';
import type { ParsedPromQL } from './parse.ts';
import { METRIC_NAME_LABEL } from './selectors.ts';

export interface RuleForInference {
  readonly kind: 'record' | 'alert';
  readonly name: string;
  /** The parsed expression; undefined (or with an error) when it does not parse: its labels are then unknown. */
  readonly parsed?: ParsedPromQL;
  readonly staticLabels: readonly string[];
}

/** A generous bound: each round adds at least one label to some set, or stops. */
const MAX_ROUNDS = 1000;

export function recordedSeries(
  rules: readonly RuleForInference[],
  known: ReadonlyMap<string, KnownSeries>,
): Map<string, Labels> {
  const env = new Map<string, Labels>();
  for (const [name, labels] of Object.entries(RULE_ENGINE_SERIES)) env.set(name, new Set(labels));
  for (const r of rules) if (r.kind === 'record') env.set(r.name, new Set());
  const seriesLabels = seriesResolver(env, known);

  for (let round = 0; round < MAX_ROUNDS; round++) {
    let changed = false;
    for (const r of rules) {
      const out = ruleOutput(r, seriesLabels);
      const targets = r.kind === 'record' ? [r.name] : Object.keys(RULE_ENGINE_SERIES);
      for (const t of targets) {
        const before = env.get(t) ?? new Set<string>();
        const after = merge(before, out);
        if (!same(before, after)) {
          env.set(t, after);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return env;
}

/** Labels of a metric name, from the rules' own series and the known ones; undefined for an unknown name. */
export function seriesResolver(
  recorded: ReadonlyMap<string, Labels>,
  known: ReadonlyMap<string, KnownSeries>,
): (name: string) => Labels | undefined {
  return (name) => {
    const own = recorded.get(name);
    const external = known.get(name)?.labels;
    if (own === undefined || external === undefined) return own ?? external;
    return merge(own, external);
  };
}

function ruleOutput(r: RuleForInference, seriesLabels: (name: string) => Labels | undefined): Labels {
  if (r.parsed === undefined || r.parsed.error !== undefined) return 'unknown';
  const labels = labelsOf(r.parsed.tree.topNode, { expr: r.parsed.expr, seriesLabels });
  if (labels === 'unknown') return 'unknown';
  const out = new Set([...labels, ...r.staticLabels]);
  out.delete(METRIC_NAME_LABEL);
  return out;
}

function merge(a: Labels, b: Labels): Labels {
  return a === 'unknown' || b === 'unknown' ? 'unknown' : new Set([...a, ...b]);
}

function same(a: Labels, b: Labels): boolean {
  if (a === 'unknown' || b === 'unknown') return a === b;
  return a.size === b.size && [...a].every((l) => b.has(l));
}
