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
 * Where the path of a URL or request target starts (see pathOf): 0 for origin-form (`/a?b`), the first `/` after
 * `://` for an absolute URL, or -1 when there is none (the path is then `/`). No URL parsing, no allocation.
 */
export function pathStart(url: string): number {
  if (url.charCodeAt(0) === 47 /* / */) return 0;
  const scheme = url.indexOf('://');
  return scheme === -1 ? -1 : url.indexOf('/', scheme + 3);
}

/** Where the path starting at `start` ends: the first `?` or `#`, or the end of the URL. */
export function pathEnd(url: string, start: number): number {
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 63 /* ? */ || c === 35 /* # */) return i;
  }
  return url.length;
}

/**
 * The path of a URL or request target without query or fragment, with no URL parsing: works on absolute
 * URLs (`Request.url`) and on origin-form targets (node's `req.url`).
 */
export function pathOf(url: string): string {
  const start = pathStart(url);
  if (start === -1) return '/';
  const end = pathEnd(url, start);
  return start === 0 && end === url.length ? url : url.slice(start, end);
}

/*
 * The route normaliser's hot path. Real traffic mostly carries ids, so nearly every raw path is new: a cache of
 * recent paths only helps a benchmark that repeats 100 URLs. Measured on this repo's shared 2-core box (Node 20,
 * 2026-12-03, load average 7–10, so absolute figures run ≈3× a quiet machine's: a bare loop summing the 17
 * characters of such a path took 60–78 ns), on 65,536 distinct `/users/<id>` paths: the regex version
 * (PATH_GATE + split + four anchored regexes per segment + join, behind a 4,096-entry Map) ≈3,500 ns a path on a
 * miss, ≈440 ns on a hit, ≈480–650 ns without the Map; this scanner ≈150–210 ns (best of 40 runs), hit or miss,
 * so it keeps no path cache. In the middleware (bench/per-request.bench.ts, full run, same day): 1,383 ns a
 * request on the repeated mix, 1,493 ns on distinct ids (a miss costs 1.08× a hit; with the regex and cache it
 * was ≈3×); the seed 5,522 ns on the repeated mix in the same run.
 *
 * It is hand-written rather than a regex library's job because the work is one pass over the characters with a
 * 128-entry class table: the rules only ask "all digits / all hex / all token characters with a letter, how long,
 * dashes at 8-13-18-23". It implements PATH_NORMALISER's rules exactly (same order, same character classes, a
 * segment matched in full, the digit gate over the whole path); if the contract's rules ever differ from the ones
 * below, SCANNER_MATCHES_CONTRACT is false and normalizePath falls back to the regex reference (and
 * labels-scanner.test.ts fails, asking for the scanner to be updated). Equivalence is tested on the shared vectors
 * and on random paths against normalizePathReference (fast-check).
 *
 * The result is interned: the scanner hashes the normalised output (FNV-1a over its UTF-16 code units, computed
 * from the pieces without building it) and looks it up in a table of label strings already produced, comparing
 * candidates piece by piece against the URL. A hit allocates nothing and hands the registry a string whose hash
 * V8 has already cached, so its Map lookups stay cheap (a freshly built `/users/:id` would be hashed again on
 * every request). Only a new label allocates.
 */

/** The rules the scanner implements, in the contract's order: if the contract differs, the scanner is off. */
const SCANNER_RULES = [
  { placeholder: ':id', pattern: '[0-9]+' },
  {
    placeholder: ':uuid',
    pattern: '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}',
  },
  { placeholder: ':hash', pattern: '[0-9a-fA-F]{16,}' },
  { placeholder: ':token', pattern: '(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,}' },
] as const;

/** True when PATH_NORMALISER is exactly the rule set the scanner implements. */
export const SCANNER_MATCHES_CONTRACT =
  PATH_NORMALISER.emptyPath === '/' &&
  PATH_NORMALISER.onlyIfPathMatches === '[0-9]' &&
  JSON.stringify(PATH_NORMALISER.segmentRules.map((r) => ({ placeholder: r.placeholder, pattern: r.pattern }))) ===
    JSON.stringify(SCANNER_RULES);

// Piece kinds: KEEP, then one per rule in SCANNER_RULES order (index into PLACEHOLDERS).
const KEEP = 0;
const ID = 1;
const UUID = 2;
const HASH = 3;
const TOKEN = 4;
const PLACEHOLDERS: readonly string[] = ['', ...SCANNER_RULES.map((r) => r.placeholder)];

// Character classes of ASCII code units (anything else is in none: the rules are ASCII-only).
const C_DIGIT = 1;
const C_HEX = 2;
const C_TOKEN = 4;
const C_LETTER = 8;
const CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) CLASS[c] = C_DIGIT | C_HEX | C_TOKEN;
for (let c = 65; c <= 90; c++) CLASS[c] = C_TOKEN | C_LETTER | (c <= 70 ? C_HEX : 0);
for (let c = 97; c <= 122; c++) CLASS[c] = C_TOKEN | C_LETTER | (c <= 102 ? C_HEX : 0);
CLASS[45 /* - */] = C_TOKEN;
CLASS[95 /* _ */] = C_TOKEN;

/**
 * Scratch for one scan: the end offset and kind of each `/`-separated piece. Module-level (the scan is
 * synchronous and not re-entrant), grown when a path has more pieces, so a scan allocates nothing.
 */
let pieceEnd = new Int32Array(32);
let pieceKind = new Uint8Array(32);

function growPieces(): void {
  const end = new Int32Array(pieceEnd.length * 2);
  end.set(pieceEnd);
  pieceEnd = end;
  const kind = new Uint8Array(pieceKind.length * 2);
  kind.set(pieceKind);
  pieceKind = kind;
}

function isUuid(url: string, s: number): boolean {
  for (let j = 0; j < 36; j++) {
    const c = url.charCodeAt(s + j);
    if (j === 8 || j === 13 || j === 18 || j === 23) {
      if (c !== 45) return false;
    } else if (c >= 128 || ((CLASS[c] as number) & C_HEX) === 0) return false;
  }
  return true;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function hashRange(s: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

function hashString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** Whether `label` is the normalised output of the scanned pieces (compared in place, no allocation). */
function isOutput(label: string, url: string, start: number, n: number, gated: boolean): boolean {
  let p = 0;
  let s = start;
  for (let k = 0; k < n; k++) {
    if (k > 0) {
      if (label.charCodeAt(p) !== 47) return false;
      p++;
    }
    const e = pieceEnd[k] as number;
    const kind = gated ? KEEP : (pieceKind[k] as number);
    if (kind === KEEP) {
      if (p + (e - s) > label.length) return false;
      for (let i = s; i < e; i++, p++) if (label.charCodeAt(p) !== url.charCodeAt(i)) return false;
    } else {
      const ph = PLACEHOLDERS[kind] as string;
      if (!label.startsWith(ph, p)) return false;
      p += ph.length;
    }
    s = e + 1;
  }
  return p === label.length;
}

function buildOutput(url: string, start: number, end: number, n: number, gated: boolean): string {
  let replaced = false;
  if (!gated) for (let k = 0; k < n && !replaced; k++) replaced = pieceKind[k] !== KEEP;
  if (!replaced) return start === 0 && end === url.length ? url : url.slice(start, end);
  let out = '';
  let s = start;
  for (let k = 0; k < n; k++) {
    if (k > 0) out += '/';
    const e = pieceEnd[k] as number;
    const kind = pieceKind[k] as number;
    out += kind === KEEP ? url.slice(s, e) : PLACEHOLDERS[kind];
    s = e + 1;
  }
  return out;
}

/**
 * Labels produced so far: an open-addressing table (hash → label, linear probing) rather than a Map, so a
 * lookup is an Int32Array probe with no boxing of the hash. Bounded: cleared when it holds LABEL_LIMIT labels
 * (half full), so a scan of distinct slugs (kept by the normaliser) cannot grow it.
 */
const TABLE_SIZE = 8192;
const TABLE_MASK = TABLE_SIZE - 1;
const LABEL_LIMIT = TABLE_SIZE / 2;
const tableHash = new Int32Array(TABLE_SIZE);
const tableLabel: (string | undefined)[] = new Array<string | undefined>(TABLE_SIZE).fill(undefined);
let labelCount = 0;

/**
 * The normalised route of url[start, end) (see normalizePath), interned. One pass over the characters splits
 * the path at `/` (pieceEnd/pieceKind), classifies each piece by the first rule it matches in full, and hashes
 * the output with placeholders as it goes (the path as is when the digit gate keeps everything); then a table
 * probe compares the candidate label in place.
 */
export function normalizeRange(url: string, start: number, end: number): string {
  if (!SCANNER_MATCHES_CONTRACT) return normalizePathReference(url.slice(start, end));
  if (start >= end) return PATH_NORMALISER.emptyPath;
  let n = 0;
  let s = start;
  let all = C_DIGIT | C_HEX | C_TOKEN; // classes every character of the piece is in
  let any = 0; // classes some character of the piece is in
  let digit = 0; // some character of the path is a digit
  let hOut = FNV_OFFSET; // hash of the output up to the current piece
  let hPiece = FNV_OFFSET; // hOut continued over the current piece's characters (the output if it is kept)
  for (let i = start; i <= end; i++) {
    const c = i < end ? url.charCodeAt(i) : 47;
    if (c !== 47) {
      const k = c < 128 ? (CLASS[c] as number) : 0;
      all &= k;
      any |= k;
      hPiece = Math.imul(hPiece ^ c, FNV_PRIME);
      continue;
    }
    if (n === pieceEnd.length) growPieces();
    pieceEnd[n] = i;
    const len = i - s;
    let kind = KEEP;
    if (len > 0) {
      digit |= any & C_DIGIT;
      if (all & C_DIGIT) kind = ID;
      else if (len === 36 && isUuid(url, s)) kind = UUID;
      else if (all & C_HEX && len >= 16) kind = HASH;
      else if (all & C_TOKEN && len >= 20 && any & C_LETTER) kind = TOKEN;
    }
    pieceKind[n] = kind;
    n++;
    hOut = kind === KEEP ? hPiece : hashString(hOut, PLACEHOLDERS[kind] as string);
    if (i < end) hOut = Math.imul(hOut ^ 47, FNV_PRIME);
    hPiece = hOut;
    s = i + 1;
    all = C_DIGIT | C_HEX | C_TOKEN;
    any = 0;
  }
  // No digit: the gate keeps the path as is (a second pass, only then: most labelled paths have a digit).
  const gated = digit === 0;
  const h = gated ? hashRange(url, start, end) : hOut;
  let slot = h & TABLE_MASK;
  for (let label = tableLabel[slot]; label !== undefined; label = tableLabel[slot]) {
    if (tableHash[slot] === h && isOutput(label, url, start, n, gated)) return label;
    slot = (slot + 1) & TABLE_MASK;
  }
  const label = buildOutput(url, start, end, n, gated);
  if (labelCount >= LABEL_LIMIT) {
    tableLabel.fill(undefined);
    labelCount = 0;
    slot = h & TABLE_MASK;
  }
  tableHash[slot] = h;
  tableLabel[slot] = label;
  labelCount++;
  return label;
}

/**
 * Collapses the variable parts of a path so that a route without a router template still has bounded
 * cardinality, by the contract's rules (PATH_NORMALISER): in a path with a digit, all-digit segments become
 * `:id`, UUIDs `:uuid`, hex strings of 16+ characters (hashes, object ids) `:hash`, and letter-digit tokens of
 * 20+ characters (`[A-Za-z0-9_-]`) `:token`. A path without a digit is kept: the cardinality cap bounds what
 * this cannot see (slugs, scans).
 */
export function normalizePath(path: string): string {
  return normalizeRange(path, 0, path.length);
}

/** The contract's path normaliser, compiled once: each rule's pattern anchored to match a whole segment. */
const PATH_GATE = new RegExp(PATH_NORMALISER.onlyIfPathMatches);
const SEGMENT_RULES: readonly { readonly pattern: RegExp; readonly placeholder: string }[] =
  PATH_NORMALISER.segmentRules.map((r) => ({ pattern: new RegExp(`^(?:${r.pattern})$`), placeholder: r.placeholder }));

/**
 * The reference normaliser: PATH_NORMALISER's regexes applied as the contract states them (the Python package
 * does the same). Not on the hot path: the scanner above must give the same output (tests hold them together).
 */
export function normalizePathReference(path: string): string {
  if (path.length === 0) return PATH_NORMALISER.emptyPath;
  if (!PATH_GATE.test(path)) return path;
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (segment.length === 0) continue;
    for (const rule of SEGMENT_RULES) {
      if (rule.pattern.test(segment)) {
        segments[i] = rule.placeholder;
        break;
      }
    }
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

/** routeLabel for the path of a whole URL (see pathStart), without slicing the path out of it. */
export function routeLabelOfUrl(template: string | undefined, status: number, url: string): string {
  if (template !== undefined && template !== '') return template;
  if (status === 404) return UNMATCHED_ROUTE;
  const start = pathStart(url);
  return start === -1 ? '/' : normalizeRange(url, start, pathEnd(url, start));
}
