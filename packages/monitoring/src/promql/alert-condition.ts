/**
 * Whether an alerting rule's expression has a condition. Prometheus fires an alert for every series the
 * expression returns, so an expression that never filters — `greyhaven:http_errors:rate5m:by_service` with its
 * `> 0.01` forgotten, or a comparison written with `bool` (which returns every series, as 0 or 1) — fires all the
 * time. pint reports the same as `alerts/comparison`.
 *
 * A condition is anything that can drop series: a comparison without `bool` anywhere in the expression (also
 * inside an aggregation, `count(x > 1)` returns nothing when nothing passes), `and`/`unless`, or
 * `absent`/`absent_over_time`. A constant `vector(…)` is an alert that fires on purpose (the Watchdog).
 */
import type { Tree } from '@lezer/common';
import { child, children, functionName } from './parse.ts';

const COMPARISON_OPS = new Set(['Eql', 'Neq', 'Gtr', 'Lss', 'Gte', 'Lte']);
const FILTER_OPS = new Set(['And', 'Unless']);
/** Functions whose result is empty while their argument has series: a condition in an alert. */
export const ABSENT_FUNCTIONS: ReadonlySet<string> = new Set(['absent', 'absent_over_time']);

export type AlertCondition =
  | { readonly kind: 'condition' }
  | { readonly kind: 'constant' }
  /** Comparisons only with `bool`; `from` is the offset of the first `bool`. */
  | { readonly kind: 'bool-only'; readonly from: number }
  | { readonly kind: 'none' };

export function alertCondition(expr: string, tree: Tree): AlertCondition {
  let top = tree.topNode.firstChild;
  while (top?.name === 'ParenExpr') top = top.firstChild;
  if (top?.name === 'FunctionCall' && functionName(expr, top) === 'vector') {
    return { kind: 'constant' };
  }
  let filters = false;
  let boolFrom: number | undefined;
  tree.iterate({
    enter: (ref) => {
      if (filters) return false;
      const node = ref.node;
      if (node.name === 'BinaryExpr') {
        const ops = children(node).map((c) => c.name);
        if (ops.some((o) => FILTER_OPS.has(o))) filters = true;
        else if (ops.some((o) => COMPARISON_OPS.has(o))) {
          const bool = child(node, 'BoolModifier');
          if (bool === undefined) filters = true;
          else boolFrom ??= bool.from;
        }
      } else if (node.name === 'FunctionCall' && ABSENT_FUNCTIONS.has(functionName(expr, node))) {
        filters = true;
      }
      return undefined;
    },
  });
  if (filters) return { kind: 'condition' };
  return boolFrom === undefined ? { kind: 'none' } : { kind: 'bool-only', from: boolFrom };
}
