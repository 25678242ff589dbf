/**
 * Parsing PromQL with the official Prometheus lezer grammar, and the few tree helpers the analyses share.
 * lezer never throws: it marks what it could not parse with error nodes (⚠). `parsePromQL` reports the first
 * of them as a 0-based offset into the expression plus a short reason.
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';

export interface PromQLSyntaxError {
  /** 0-based offset of the first error in the expression. */
  readonly from: number;
  readonly message: string;
}

export interface ParsedPromQL {
  readonly expr: string;
  readonly tree: Tree;
  /** The first syntax error, if the expression does not parse. */
  readonly error?: PromQLSyntaxError;
}

export function parsePromQL(expr: string): ParsedPromQL {
  const tree = parser.parse(expr);
  if (expr.trim() === '') {
    return { expr, tree, error: { from: 0, message: 'empty expression' } };
  }
  let first: SyntaxNode | undefined;
  tree.iterate({
    enter(ref) {
      if (first !== undefined) return false;
      if (ref.type.isError) {
        first = ref.node;
        return false;
      }
      return undefined;
    },
  });
  if (first === undefined) return { expr, tree };
  return { expr, tree, error: { from: first.from, message: describeError(expr, first) } };
}

function describeError(expr: string, node: SyntaxNode): string {
  const prev = node.prevSibling;
  const at = expr.slice(node.from, node.to).trim() || expr.slice(node.from).trim().slice(0, 1);
  if (at.startsWith('(') && prev?.name === 'Identifier') {
    return `unknown function "${text(expr, prev)}"`;
  }
  if (at === '') return 'unexpected end of expression';
  const shown = at.length > 20 ? `${at.slice(0, 20)}…` : at;
  return `unexpected "${shown}"`;
}

/** The source text a node spans. */
export function text(expr: string, node: SyntaxNode): string {
  return expr.slice(node.from, node.to);
}

/** The name of the function a `FunctionCall` node calls (`rate`), as written. */
export function functionName(expr: string, call: SyntaxNode): string {
  return text(expr, child(call, 'FunctionIdentifier') ?? call);
}

/** A node's direct children, in order, without comments. */
export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c !== null; c = c.nextSibling) {
    if (c.name !== 'LineComment') out.push(c);
  }
  return out;
}

/** The first direct child with one of the given node names. */
export function child(node: SyntaxNode, ...names: string[]): SyntaxNode | undefined {
  for (let c = node.firstChild; c !== null; c = c.nextSibling) {
    if (names.includes(c.name)) return c;
  }
  return undefined;
}

/** The value of a PromQL string literal ("…", '…' or `…`), escapes resolved for the common cases. */
export function unquote(literal: string): string {
  if (literal.length < 2) return literal;
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  return body.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}
