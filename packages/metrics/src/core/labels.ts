/**
 * Label values on the request hot path: `method` normalisation, path extraction and the route normaliser
 * used when no router template is known. Everything here is allocation-light and never throws on input.
 */
import { HTTP_METHODS, OTHER_METHOD, PATH_NORMALISER, UNMATCHED_ROUTE } from '@greyhaven/metric-contract';

/** `method` label values, indexed by method index: the contract's HTTP_METHODS, then OTHER_METHOD. */
export const METHOD_VALUES: readonly string[] = [...HTTP_METHODS, OTHER_METHOD];
export const OTHER_METHOD_INDEX = HTTP_METHODS.length;

const METHOD_INDEX = new Map<string, number>(HTTP_METHODS.map((m, i) => [m, i]));

/** Index into METHOD_VALUES for a request method; unknown verbs (and non-strings) map to `other`. */
export function methodIndex(method: unknown): number {
  if (typeof method !== 'string') return OTHER_METHOD_INDEX;
  const i = METHOD_INDEX.get(method);
  if (i !== undefined) return i;
  if (method.length > 16) return OTHER_METHOD_INDEX;
  return METHOD_INDEX.get(method.toUpperCase()) ?? OTHER_METHOD_INDEX;
}

/**
 * The path of a URL or request target without query or fragment, with no URL parsing: works on absolute
 * URLs (`Request.url`) and on origin-form targets (node's `req.url`).
 */
export function pathOf(url: string): string {
  let start = 0;
  if (url.charCodeAt(0) !== 47 /* / */) {
    const scheme = url.indexOf('://');
    if (scheme === -1) return '/';
    start = url.indexOf('/', scheme + 3);
    if (start === -1) return '/';
  }
  let end = url.length;
  for (let i = start; i < end; i++) {
    const c = url.charCodeAt(i);
    if (c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
  }
  return start === 0 && end === url.length ? url : url.slice(start, end);
}

/** The contract's path normaliser, compiled once: each rule's pattern anchored to match a whole segment. */
const PATH_GATE = new RegExp(PATH_NORMALISER.onlyIfPathMatches);
const SEGMENT_RULES: readonly { readonly pattern: RegExp; readonly placeholder: string }[] =
  PATH_NORMALISER.segmentRules.map((r) => ({ pattern: new RegExp(`^(?:${r.pattern})$`), placeholder: r.placeholder }));

/** The placeholder of the first rule `segment` matches in full, or undefined to keep the segment. */
function placeholder(segment: string): string | undefined {
  for (const rule of SEGMENT_RULES) if (rule.pattern.test(segment)) return rule.placeholder;
  return undefined;
}

/**
 * Collapses the variable parts of a path so that a route without a router template still has bounded
 * cardinality, by the contract's rules (PATH_NORMALISER): in a path with a digit, all-digit segments become
 * `:id`, UUIDs `:uuid`, hex strings of 16+ characters (hashes, object ids) `:hash`, and letter-digit tokens of
 * 20+ characters (`[A-Za-z0-9_-]`) `:token`. A path without a digit is kept: the cardinality cap bounds what
 * this cannot see (slugs, scans).
 */
export function normalizePath(path: string): string {
  const cached = normalized.get(path);
  if (cached !== undefined) return cached;
  const result = collapse(path);
  if (normalized.size >= CACHE_SIZE) normalized.clear();
  normalized.set(path, result);
  return result;
}

/** Recent normaliser results (bounded: cleared when full, so a URL scan cannot grow it). */
const normalized = new Map<string, string>();
const CACHE_SIZE = 4096;

function collapse(path: string): string {
  if (path.length === 0) return PATH_NORMALISER.emptyPath;
  if (!PATH_GATE.test(path)) return path;
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (segment.length === 0) continue;
    const p = placeholder(segment);
    if (p !== undefined) segments[i] = p;
  }
  return segments.join('/');
}

/**
 * The `route` label: the router's template when the adapter knows one; otherwise UNMATCHED_ROUTE for a 404
 * (no route matched, so a URL scan cannot mint series); otherwise the normalised path.
 */
export function routeLabel(template: string | undefined, status: number, path: string): string {
  if (template !== undefined && template !== '') return template;
  if (status === 404) return UNMATCHED_ROUTE;
  return normalizePath(path);
}
