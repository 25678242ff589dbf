/**
 * Matches a request path against a list of route templates, for runtimes that do not hand the adapter a
 * template (plain node:http, a bare fetch handler, TanStack Start's global request middleware). Understands
 * `:param` (Express, Hono; a Hono `{regex}` suffix is ignored), `$param` (TanStack), a splat as the last
 * segment (`*`, `*name`, TanStack's `$`) and TanStack's optional `{-$param}`. Literal segments win over
 * parameters, parameters over splats. Trailing and repeated slashes are ignored.
 */

/** A template, or a label to report (e.g. a TanStack route id) with the path pattern that matches it. */
export type RouteSpec = string | { readonly route: string; readonly path: string };

interface Node {
  readonly literal: Map<string, Node>;
  param?: Node;
  /** The route reported when a splat matches the rest of the path here. */
  splat?: string;
  /** The route reported when the path ends here. */
  end?: string;
}

const newNode = (): Node => ({ literal: new Map() });

/** Paths with more segments than this are not matched (the caller falls back to the normaliser). */
const MAX_SEGMENTS = 64;

function segmentsOf(path: string): string[] {
  const out: string[] = [];
  for (const s of path.split('/')) if (s !== '') out.push(s);
  return out;
}

type SegmentKind = { kind: 'literal'; value: string } | { kind: 'param' } | { kind: 'optional' } | { kind: 'splat' };

function kindOf(segment: string): SegmentKind {
  if (segment === '$' || segment.startsWith('*')) return { kind: 'splat' };
  if (segment.startsWith('{-$') && segment.endsWith('}')) return { kind: 'optional' };
  if (segment.startsWith(':') || segment.startsWith('$')) return { kind: 'param' };
  return { kind: 'literal', value: segment };
}

function insert(node: Node, segments: readonly string[], index: number, route: string): void {
  if (index === segments.length) {
    node.end ??= route;
    return;
  }
  const kind = kindOf(segments[index] as string);
  switch (kind.kind) {
    case 'splat':
      node.splat ??= route;
      return;
    case 'optional':
      insert(node, segments, index + 1, route); // absent
      node.param ??= newNode();
      insert(node.param, segments, index + 1, route); // present
      return;
    case 'param':
      node.param ??= newNode();
      insert(node.param, segments, index + 1, route);
      return;
    case 'literal': {
      let child = node.literal.get(kind.value);
      if (child === undefined) {
        child = newNode();
        node.literal.set(kind.value, child);
      }
      insert(child, segments, index + 1, route);
    }
  }
}

function find(node: Node, segments: readonly string[], index: number): string | undefined {
  if (index === segments.length) return node.end ?? node.splat;
  const segment = segments[index] as string;
  const literal = node.literal.get(segment);
  if (literal !== undefined) {
    const found = find(literal, segments, index + 1);
    if (found !== undefined) return found;
  }
  if (node.param !== undefined) {
    const found = find(node.param, segments, index + 1);
    if (found !== undefined) return found;
  }
  return node.splat;
}

/** Builds a matcher: path → the template (or the spec's `route`) of the best matching route, or undefined. */
export function createRouteMatcher(routes: Iterable<RouteSpec>): (path: string) => string | undefined {
  const root = newNode();
  for (const spec of routes) {
    const route = typeof spec === 'string' ? spec : spec.route;
    const pattern = typeof spec === 'string' ? spec : spec.path;
    insert(root, segmentsOf(pattern), 0, route);
  }
  // Recent results, bounded (cleared when full) so a URL scan cannot grow it; `null` caches "no match".
  const cache = new Map<string, string | null>();
  return (path: string) => {
    const cached = cache.get(path);
    if (cached !== undefined) return cached ?? undefined;
    const segments = segmentsOf(path);
    const found = segments.length > MAX_SEGMENTS ? undefined : find(root, segments, 0);
    if (cache.size >= 4096) cache.clear();
    cache.set(path, found ?? null);
    return found;
  };
}
