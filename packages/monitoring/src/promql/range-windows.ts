/**
 * The range selectors of functions that need at least two samples in their window (`rate`, `irate`,
 * `increase`, `delta`, `idelta`, `deriv`, `predict_linear`, `holt_winters` / `double_exponential_smoothing`):
 * with fewer they return nothing, so a window shorter than two sample intervals gives an empty series or an
 * alert that cannot fire. `*_over_time` work on one sample and are left out; so are subqueries (their step is
 * their own) and ranges written with anything but a duration literal.
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import { parseDuration } from '../util/duration.ts';
import { child, functionName, text } from './parse.ts';
import { readSelector } from './selectors.ts';

/** The functions that need two samples in their window (see above); their result drops the metric name. */
export const RATE_LIKE_FUNCTIONS: ReadonlySet<string> = new Set([
  'rate',
  'irate',
  'increase',
  'delta',
  'idelta',
  'deriv',
  'predict_linear',
  'holt_winters',
  'double_exponential_smoothing',
]);

export interface RangeWindow {
  /** The function the range is an argument of. */
  readonly fn: string;
  /** The metric the range selects, when it names exactly one. */
  readonly name?: string;
  readonly rangeMs: number;
  /** The range as written (`1m`). */
  readonly range: string;
  /** 0-based offset of the range's duration in the expression. */
  readonly from: number;
}

export function rangeWindows(expr: string, tree: Tree): RangeWindow[] {
  const out: RangeWindow[] = [];
  tree.iterate({
    enter: (ref) => {
      if (ref.name !== 'MatrixSelector') return;
      const node = ref.node;
      const fn = enclosingFunction(expr, node);
      const vector = child(node, 'VectorSelector');
      const duration = child(node, 'DurationExpr');
      if (fn === undefined || !RATE_LIKE_FUNCTIONS.has(fn) || vector === undefined || duration === undefined) return;
      const range = text(expr, duration);
      const rangeMs = parseDuration(range);
      if (rangeMs === undefined) return;
      const { name } = readSelector(expr, vector);
      out.push({ fn, ...(name === undefined ? {} : { name }), rangeMs, range, from: duration.from });
    },
  });
  return out;
}

/** The function a range selector is an argument of (through parentheses and `offset`/`@`), if any. */
function enclosingFunction(expr: string, node: SyntaxNode): string | undefined {
  let up = node.parent;
  while (
    up !== null &&
    ['ParenExpr', 'OffsetExpr', 'StepInvariantExpr', 'AnchoredExpr', 'SmoothedExpr'].includes(up.name)
  ) {
    up = up.parent;
  }
  if (up?.name !== 'FunctionCallBody') return undefined;
  return up.parent === null ? undefined : functionName(expr, up.parent);
}
