/**
 * Reading vector selectors out of a parsed PromQL tree: the metric name (written bare or as `__name__="…"`),
 * and each label matcher with the offset of its label name.
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import { child, children, text, unquote } from './parse.ts';

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  readonly label: string;
  /** 0-based offset of the label name in the expression. */
  readonly from: number;
  readonly op: MatchOp;
  readonly value: string;
}

export interface Selector {
  readonly node: SyntaxNode;
  /** The metric name, when the selector names exactly one. */
  readonly name?: string;
  /** 0-based offset of the metric name (of the `__name__` matcher's value when written that way). */
  readonly nameFrom: number;
  readonly matchers: readonly Matcher[];
}

export const METRIC_NAME_LABEL = '__name__';

export function readSelector(expr: string, node: SyntaxNode): Selector {
  const matchers: Matcher[] = [];
  const list = child(node, 'LabelMatchers');
  for (const m of list === undefined ? [] : children(list)) {
    const labelNode = m.name === 'QuotedLabelMatcher' ? child(m, 'QuotedLabelName') : child(m, 'LabelName');
    const opNode = child(m, 'MatchOp');
    const valueNode = children(m).at(-1);
    if (labelNode === undefined || opNode === undefined || valueNode?.name !== 'StringLiteral') continue;
    const raw = text(expr, labelNode);
    matchers.push({
      label: m.name === 'QuotedLabelMatcher' ? unquote(raw) : raw,
      from: labelNode.from,
      op: text(expr, opNode) as MatchOp,
      value: unquote(text(expr, valueNode)),
    });
  }
  const ident = child(node, 'Identifier');
  if (ident !== undefined) return { node, name: text(expr, ident), nameFrom: ident.from, matchers };
  // `{"metric.name", …}`: a quoted metric name inside the braces (UTF-8 names).
  const quotedName = list === undefined ? undefined : child(list, 'QuotedLabelName');
  if (quotedName !== undefined) {
    return { node, name: unquote(text(expr, quotedName)), nameFrom: quotedName.from, matchers };
  }
  const byMatcher = matchers.find((m) => m.label === METRIC_NAME_LABEL && m.op === '=');
  if (byMatcher !== undefined) return { node, name: byMatcher.value, nameFrom: byMatcher.from, matchers };
  return { node, nameFrom: node.from, matchers };
}

/** Every vector selector in the tree, in source order. */
export function selectors(expr: string, tree: Tree): Selector[] {
  const out: Selector[] = [];
  tree.iterate({
    enter(ref) {
      if (ref.name !== 'VectorSelector') return undefined;
      out.push(readSelector(expr, ref.node));
      return false;
    },
  });
  return out;
}
