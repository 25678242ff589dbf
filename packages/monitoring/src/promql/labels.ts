/**
 * Label inference: which labels the series an expression returns can carry, propagated bottom-up through the
 * tree the way the Prometheus engine builds result labels (selectors, aggregations, functions, vector
 * matching). On the way it reports every label that a matcher, `by`/`without`, `on`/`ignoring` or
 * `group_left`/`group_right` names but the expression it applies to cannot carry.
 *
 * A label set of 'unknown' means "could be anything" (unknown metric, unmodelled function): nothing is
 * reported against it, so the analysis has no false positives where it cannot tell.
 */
import type { SyntaxNode } from '@lezer/common';
import { child, children, functionName, text, unquote } from './parse.ts';
import { RATE_LIKE_FUNCTIONS } from './range-windows.ts';
import { METRIC_NAME_LABEL, readSelector } from './selectors.ts';

export type Labels = ReadonlySet<string> | 'unknown';

export type Value =
  | { readonly kind: 'scalar' }
  | { readonly kind: 'string'; readonly value: string }
  | {
      readonly kind: 'vector' | 'matrix';
      readonly labels: Labels;
      /** What produced these labels, for messages: a metric name or an expression in backticks. */
      readonly origin: string;
    };

export interface LabelIssue {
  readonly label: string;
  /** 0-based offset of the label name in the expression. */
  readonly from: number;
  /** The metric name or expression that cannot carry the label. */
  readonly origin: string;
  /** The labels it can carry (without `__name__`), sorted. */
  readonly has: readonly string[];
}

export interface LabelContext {
  /** The expression text the tree was parsed from. */
  readonly expr: string;
  /** Labels a series of this metric name carries (without `__name__`); undefined for an unknown name. */
  seriesLabels(name: string): Labels | undefined;
  /** Called for each label used where it cannot exist. Omit it to infer without reporting. */
  onIssue?(issue: LabelIssue): void;
}

/** The labels the series of an expression can carry ('unknown' when it cannot tell); scalars carry none. */
export function labelsOf(node: SyntaxNode, ctx: LabelContext): Labels {
  const v = infer(node, ctx);
  return v.kind === 'vector' || v.kind === 'matrix' ? v.labels : new Set();
}

const UNKNOWN = 'unknown' as const;

export function infer(node: SyntaxNode, ctx: LabelContext): Value {
  switch (node.name) {
    case 'PromQL':
    case 'ParenExpr':
    case 'OffsetExpr':
    case 'StepInvariantExpr':
    case 'AnchoredExpr':
    case 'SmoothedExpr': {
      const inner = children(node)[0];
      return inner === undefined ? unknownVector(ctx, node) : infer(inner, ctx);
    }
    case 'NumberDurationLiteral':
      return { kind: 'scalar' };
    case 'StringLiteral':
      return { kind: 'string', value: unquote(text(ctx.expr, node)) };
    case 'UnaryExpr': {
      const inner = children(node).at(-1);
      const v = inner === undefined ? unknownVector(ctx, node) : infer(inner, ctx);
      return isSeries(v) ? { ...v, labels: minus(v.labels, [METRIC_NAME_LABEL]) } : v;
    }
    case 'VectorSelector':
      return selector(node, ctx);
    case 'MatrixSelector':
    case 'SubqueryExpr': {
      const inner = children(node)[0];
      const v = inner === undefined ? unknownVector(ctx, node) : infer(inner, ctx);
      return isSeries(v) ? { ...v, kind: 'matrix' } : unknownVector(ctx, node, 'matrix');
    }
    case 'AggregateExpr':
      return aggregate(node, ctx);
    case 'FunctionCall':
      return call(node, ctx);
    case 'BinaryExpr':
      return binary(node, ctx);
    default:
      return unknownVector(ctx, node);
  }
}

function isSeries(v: Value): v is Extract<Value, { kind: 'vector' | 'matrix' }> {
  return v.kind === 'vector' || v.kind === 'matrix';
}

function unknownVector(ctx: LabelContext, node: SyntaxNode, kind: 'vector' | 'matrix' = 'vector'): Value {
  return { kind, labels: UNKNOWN, origin: describe(ctx, node) };
}

/** An expression as shown in messages: one line, in backticks, shortened. */
function describe(ctx: LabelContext, node: SyntaxNode): string {
  const flat = text(ctx.expr, node).replace(/\s+/g, ' ').trim();
  return `\`${flat.length > 60 ? `${flat.slice(0, 57)}...` : flat}\``;
}

function minus(labels: Labels, drop: readonly string[]): Labels {
  if (labels === UNKNOWN) return UNKNOWN;
  const out = new Set(labels);
  for (const l of drop) out.delete(l);
  return out;
}

function plus(labels: Labels, add: readonly string[]): Labels {
  return labels === UNKNOWN ? UNKNOWN : new Set([...labels, ...add]);
}

/** The labels of `names` that `labels` has; with unknown labels, all of `names` may be there. */
function keepOnly(labels: Labels, names: readonly string[]): Set<string> {
  return new Set(labels === UNKNOWN ? names : names.filter((n) => labels.has(n)));
}

function union(a: Labels, b: Labels): Labels {
  return a === UNKNOWN || b === UNKNOWN ? UNKNOWN : new Set([...a, ...b]);
}

interface LabelRef {
  readonly name: string;
  readonly from: number;
}

/** Report `ref` unless a series of `v` can carry it. */
function needLabel(ctx: LabelContext, v: Value, ref: LabelRef): void {
  if (!isSeries(v) || v.labels === UNKNOWN || v.labels.has(ref.name)) return;
  ctx.onIssue?.({
    label: ref.name,
    from: ref.from,
    origin: v.origin,
    has: [...v.labels].filter((l) => l !== METRIC_NAME_LABEL).sort(),
  });
}

function groupingLabels(ctx: LabelContext, node: SyntaxNode | undefined): LabelRef[] {
  if (node === undefined) return [];
  return children(node).map((n) => ({
    name: n.name === 'QuotedLabelName' ? unquote(text(ctx.expr, n)) : text(ctx.expr, n),
    from: n.from,
  }));
}

function selector(node: SyntaxNode, ctx: LabelContext): Value {
  const sel = readSelector(ctx.expr, node);
  if (sel.name === undefined) return unknownVector(ctx, node);
  const known = ctx.seriesLabels(sel.name);
  const labels: Labels = known === undefined || known === UNKNOWN ? UNKNOWN : plus(known, [METRIC_NAME_LABEL]);
  const v: Value = { kind: 'vector', labels, origin: sel.name };
  for (const m of sel.matchers) needLabel(ctx, v, { name: m.label, from: m.from });
  return v;
}

/** Aggregations whose result keeps each input series whole (grouping only chooses the groups). */
const SELECTING_AGGREGATIONS = new Set(['topk', 'bottomk', 'limitk', 'limit_ratio']);

function aggregate(node: SyntaxNode, ctx: LabelContext): Value {
  const op = text(ctx.expr, child(node, 'AggregateOp') ?? node).toLowerCase();
  const body = child(node, 'FunctionCallBody');
  const args = (body === undefined ? [] : children(body)).map((a) => infer(a, ctx));
  const inner = args.at(-1) ?? unknownVector(ctx, node);
  const modifier = child(node, 'AggregateModifier');
  const mode = modifier === undefined ? undefined : child(modifier, 'By', 'Without')?.name;
  const grouping = groupingLabels(ctx, modifier === undefined ? undefined : child(modifier, 'GroupingLabels'));
  for (const ref of grouping) needLabel(ctx, inner, ref);

  if (!isSeries(inner)) return unknownVector(ctx, node);
  if (SELECTING_AGGREGATIONS.has(op)) return { ...inner, kind: 'vector' };

  const names = grouping.map((g) => g.name);
  let labels: Labels;
  if (mode === 'By') {
    labels = keepOnly(inner.labels, names);
  } else if (mode === 'Without') {
    labels = minus(inner.labels, [...names, METRIC_NAME_LABEL]);
  } else {
    labels = new Set();
  }
  labels = minus(labels, [METRIC_NAME_LABEL]);
  if (op === 'count_values') {
    const param = args[0];
    labels = param?.kind === 'string' ? plus(labels, [param.value]) : UNKNOWN;
  }
  return { kind: 'vector', labels, origin: describe(ctx, node) };
}

/** Range functions: result has the input's labels without the metric name. */
const RANGE_FUNCTIONS = new Set([
  ...RATE_LIKE_FUNCTIONS,
  'resets',
  'changes',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'quantile_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'mad_over_time',
  'present_over_time',
  'ts_of_min_over_time',
  'ts_of_max_over_time',
  'ts_of_first_over_time',
  'ts_of_last_over_time',
]);

/** Range functions that return the sampled series unchanged, metric name included. */
const RANGE_KEEPING_NAME = new Set(['last_over_time', 'first_over_time']);

/** Per-sample functions: result has the input's labels without the metric name. */
const ELEMENTWISE = new Set([
  'abs',
  'ceil',
  'floor',
  'exp',
  'ln',
  'log2',
  'log10',
  'sqrt',
  'round',
  'sgn',
  'clamp',
  'clamp_min',
  'clamp_max',
  'sin',
  'sinh',
  'asin',
  'asinh',
  'cos',
  'cosh',
  'acos',
  'acosh',
  'tan',
  'tanh',
  'atan',
  'atanh',
  'deg',
  'rad',
  'timestamp',
  'histogram_count',
  'histogram_sum',
  'histogram_avg',
  'histogram_stddev',
  'histogram_stdvar',
]);

/** Date functions: like ELEMENTWISE, but with no argument they read `vector(time())`, which has no labels. */
const DATE_FUNCTIONS = new Set([
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'hour',
  'minute',
  'month',
  'year',
]);

const SORTING = new Set(['sort', 'sort_desc', 'sort_by_label', 'sort_by_label_desc']);

function call(node: SyntaxNode, ctx: LabelContext): Value {
  const fn = functionName(ctx.expr, node);
  const body = child(node, 'FunctionCallBody');
  const argNodes = body === undefined ? [] : children(body);
  const args = argNodes.map((a) => infer(a, ctx));
  const series = args.find(isSeries);
  const matrix = args.find((a) => a.kind === 'matrix');
  const vector = args.find((a) => a.kind === 'vector');
  const strings = args.map((a) => (a.kind === 'string' ? a.value : undefined));
  const own = describe(ctx, node);

  if (RANGE_FUNCTIONS.has(fn) || RANGE_KEEPING_NAME.has(fn)) {
    if (matrix === undefined || !isSeries(matrix)) return unknownVector(ctx, node);
    const drop = RANGE_KEEPING_NAME.has(fn) ? [] : [METRIC_NAME_LABEL];
    return { kind: 'vector', labels: minus(matrix.labels, drop), origin: matrix.origin };
  }
  if (ELEMENTWISE.has(fn) || DATE_FUNCTIONS.has(fn)) {
    if (vector === undefined || !isSeries(vector)) {
      return DATE_FUNCTIONS.has(fn) ? { kind: 'vector', labels: new Set(), origin: own } : unknownVector(ctx, node);
    }
    return { kind: 'vector', labels: minus(vector.labels, [METRIC_NAME_LABEL]), origin: vector.origin };
  }
  if (SORTING.has(fn)) return series === undefined ? unknownVector(ctx, node) : { ...series, kind: 'vector' };
  switch (fn) {
    case 'histogram_quantile':
    case 'histogram_fraction':
      if (vector === undefined || !isSeries(vector)) return unknownVector(ctx, node);
      return { kind: 'vector', labels: minus(vector.labels, ['le', METRIC_NAME_LABEL]), origin: own };
    case 'label_replace':
    case 'label_join': {
      if (vector === undefined || !isSeries(vector)) return unknownVector(ctx, node);
      const dst = strings[1];
      // label_replace(v, dst, replacement, src, regex); label_join(v, dst, separator, src...)
      const srcIndexes = fn === 'label_replace' ? [3] : argNodes.map((_, i) => i).filter((i) => i >= 3);
      for (const i of srcIndexes) {
        const src = strings[i];
        const at = argNodes[i];
        if (src !== undefined && src !== '' && at !== undefined)
          needLabel(ctx, vector, { name: src, from: at.from + 1 });
      }
      return { kind: 'vector', labels: dst === undefined ? UNKNOWN : plus(vector.labels, [dst]), origin: own };
    }
    case 'vector':
      return { kind: 'vector', labels: new Set(), origin: own };
    case 'absent':
    case 'absent_over_time':
      return { kind: 'vector', labels: absentLabels(argNodes[0], ctx), origin: own };
    case 'time':
    case 'pi':
    case 'scalar':
      return { kind: 'scalar' };
    default:
      return unknownVector(ctx, node);
  }
}

/** `absent(sel)` returns one series whose labels are the selector's equality matchers. */
function absentLabels(arg: SyntaxNode | undefined, ctx: LabelContext): Labels {
  let node = arg;
  while (node !== undefined && (node.name === 'ParenExpr' || node.name === 'MatrixSelector')) {
    node = children(node)[0];
  }
  if (node?.name !== 'VectorSelector') return new Set();
  const sel = readSelector(ctx.expr, node);
  return new Set(sel.matchers.filter((m) => m.op === '=' && m.label !== METRIC_NAME_LABEL).map((m) => m.label));
}

const COMPARISONS = new Set(['Eql', 'Neq', 'Gtr', 'Gte', 'Lss', 'Lte']);
const SET_OPERATORS = new Set(['And', 'Or', 'Unless']);

interface Matching {
  readonly on: boolean;
  readonly labels: readonly LabelRef[];
  readonly card: 'one-to-one' | 'many-to-one' | 'one-to-many';
  readonly include: readonly LabelRef[];
}

function readMatching(ctx: LabelContext, node: SyntaxNode): Matching {
  const clause = child(node, 'MatchingModifierClause');
  if (clause === undefined) return { on: false, labels: [], card: 'one-to-one', include: [] };
  const parts = children(clause);
  const on = parts[0]?.name === 'On';
  const groupAt = parts.findIndex((p) => p.name === 'GroupLeft' || p.name === 'GroupRight');
  const group = groupAt === -1 ? undefined : parts[groupAt];
  const includeNode = groupAt === -1 ? undefined : parts[groupAt + 1];
  return {
    on,
    labels: groupingLabels(ctx, parts[1]?.name === 'GroupingLabels' ? parts[1] : undefined),
    card: group === undefined ? 'one-to-one' : group.name === 'GroupLeft' ? 'many-to-one' : 'one-to-many',
    include: groupingLabels(ctx, includeNode?.name === 'GroupingLabels' ? includeNode : undefined),
  };
}

function binary(node: SyntaxNode, ctx: LabelContext): Value {
  const parts = children(node);
  const lhsNode = parts[0];
  const opNode = parts[1];
  const rhsNode = parts.at(-1);
  if (lhsNode === undefined || opNode === undefined || rhsNode === undefined) return unknownVector(ctx, node);
  const lhs = infer(lhsNode, ctx);
  const rhs = infer(rhsNode, ctx);
  const op = opNode.name;
  const bool = child(node, 'BoolModifier') !== undefined;
  const dropsName = bool || !COMPARISONS.has(op);
  const own = describe(ctx, node);

  if (!isSeries(lhs) && !isSeries(rhs)) return { kind: 'scalar' };
  if (!isSeries(lhs) || !isSeries(rhs)) {
    const v = (isSeries(lhs) ? lhs : rhs) as Extract<Value, { kind: 'vector' | 'matrix' }>;
    return dropsName ? { kind: 'vector', labels: minus(v.labels, [METRIC_NAME_LABEL]), origin: v.origin } : v;
  }

  const m = readMatching(ctx, node);
  for (const ref of m.labels) {
    if (m.on) {
      needLabel(ctx, lhs, ref);
      needLabel(ctx, rhs, ref);
    } else if (!canCarry(lhs.labels, ref.name) && !canCarry(rhs.labels, ref.name)) {
      needLabel(ctx, lhs, ref);
    }
  }

  if (SET_OPERATORS.has(op)) {
    if (op === 'Or') return { kind: 'vector', labels: union(lhs.labels, rhs.labels), origin: own };
    return { ...lhs, kind: 'vector' };
  }

  const [many, one] = m.card === 'one-to-many' ? [rhs, lhs] : [lhs, rhs];
  for (const ref of m.include) needLabel(ctx, one, ref);
  let labels = dropsName ? minus(many.labels, [METRIC_NAME_LABEL]) : many.labels;
  if (m.card === 'one-to-one') {
    const names = m.labels.map((l) => l.name);
    // on(L) keeps exactly the matching labels the series have.
    if (m.on) labels = keepOnly(labels, names);
    else labels = minus(labels, names);
  } else {
    labels = plus(
      labels,
      m.include.map((l) => l.name),
    );
  }
  return { kind: 'vector', labels, origin: own };
}

function canCarry(labels: Labels, name: string): boolean {
  return labels === UNKNOWN || labels.has(name);
}
