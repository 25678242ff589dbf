/**
 * The request mixes of per-request.bench.ts and the check that keeps its figures honest, shared with
 * test/bench-honesty.test.ts:
 * - the repeated mix: 100 URLs (ids 1000–1099, GET /users/<id>?q=1 and POST /orders/<id>/items, alternating),
 *   cycled, as the benchmark has always used; every URL comes back every 100 requests, so any per-path cache hits;
 * - the distinct-id mix: 65,536 different URLs of the same two shapes, as real traffic with ids looks: ids are
 *   a fixed bijection of the index (multiplication by an odd constant mod 2^32), so the set is the same on every
 *   run and no two URLs share an id;
 * - verifySeries: after a run, the series each implementation holds must be exactly the ones the requests sent
 *   imply (label set → count), or the benchmark fails: a fast wrong implementation cannot post a figure.
 */

/** One request of a mix: what is sent, and the route template it was generated from. */
export interface MixEntry {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  /** The template (`/users/:id`): also what PATH_NORMALISER makes of the URL's path. */
  readonly route: string;
}

export const REPEATED_MIX_SIZE = 100;
export const DISTINCT_MIX_SIZE = 65_536;

function entry(i: number, id: number): MixEntry {
  return i % 2 === 0
    ? { method: 'GET', url: `http://svc/users/${id}?q=1`, route: '/users/:id' }
    : { method: 'POST', url: `http://svc/orders/${id}/items`, route: '/orders/:id/items' };
}

/** The repeated mix: 100 URLs, ids 1000 + i (the benchmark's original requests). */
export function repeatedMix(): MixEntry[] {
  return Array.from({ length: REPEATED_MIX_SIZE }, (_, i) => entry(i, 1000 + i));
}

/** The distinct-id mix: `size` URLs with pairwise different ids (2654435761 · i mod 2^32, a bijection). */
export function distinctMix(size = DISTINCT_MIX_SIZE): MixEntry[] {
  return Array.from({ length: size }, (_, i) => entry(i, Math.imul(i, 0x9e3779b1) >>> 0));
}

/** The Request objects of mix entries (built outside timing: building a Request costs more than the middleware). */
export function requestsOf(mix: readonly MixEntry[]): Request[] {
  return mix.map((e) => new Request(e.url, { method: e.method }));
}

/**
 * Requests sent per mix entry. The benchmark sends `n` requests starting at entry `offset` (wrapping) and
 * records that here after each timed batch, outside the timing.
 */
export class Tally {
  readonly sent: number[];
  constructor(readonly mix: readonly MixEntry[]) {
    this.sent = mix.map(() => 0);
  }

  add(offset: number, n: number): void {
    const len = this.mix.length;
    for (let i = 0; i < n; i++) {
      const k = (offset + i) % len;
      this.sent[k] = (this.sent[k] as number) + 1;
    }
  }
}

/** A label set as one string: JSON of [method, route, status], unambiguous whatever the values hold. */
export const seriesKey = (method: string, route: string, status: string): string =>
  JSON.stringify([method, route, status]);

/**
 * The series the tallied requests imply (all answered 200): label set → requests. `routeOf` gives an entry's
 * expected `route` label (the template for ours, the raw path for the seed).
 */
export function expectedSeries(tallies: readonly Tally[], routeOf: (e: MixEntry) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const tally of tallies) {
    tally.mix.forEach((e, i) => {
      const n = tally.sent[i] as number;
      if (n === 0) return;
      const key = seriesKey(e.method, routeOf(e), '200');
      out.set(key, (out.get(key) ?? 0) + n);
    });
  }
  return out;
}

/** What an implementation holds, label set → count; series at zero (pre-initialised `status="500"`) left out. */
export function nonZero(series: Iterable<[string, number]>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, count] of series) if (count !== 0) out.set(key, (out.get(key) ?? 0) + count);
  return out;
}

/**
 * Compares the series an implementation holds with the ones expected: every expected label set present with
 * exactly its count, nothing else. Returns the problems (empty when right), at most `limit` of them.
 */
export function verifySeries(
  name: string,
  expected: ReadonlyMap<string, number>,
  actual: ReadonlyMap<string, number>,
  limit = 5,
): string[] {
  const problems: string[] = [];
  for (const [key, count] of expected) {
    const got = actual.get(key);
    if (got !== count) problems.push(`${name}: ${key} counted ${got ?? 'no series'}, sent ${count}`);
  }
  for (const [key, count] of actual) {
    if (!expected.has(key)) problems.push(`${name}: unexpected series ${key} = ${count}`);
  }
  const sent = [...expected.values()].reduce((a, b) => a + b, 0);
  const counted = [...actual.values()].reduce((a, b) => a + b, 0);
  if (sent !== counted) problems.push(`${name}: ${counted} requests counted in all, ${sent} sent`);
  return problems.length > limit
    ? [...problems.slice(0, limit), `${name}: … ${problems.length - limit} more`]
    : problems;
}

/** The label sets of an HttpMetrics (anything with forEachLabelSet), as seriesKey → count. */
export function httpMetricsSeries(metrics: {
  forEachLabelSet(fn: (method: string, route: string, status: string, v: { readonly count: number }) => void): void;
}): Map<string, number> {
  const out: [string, number][] = [];
  metrics.forEachLabelSet((method, route, status, v) => out.push([seriesKey(method, route, status), v.count]));
  return nonZero(out);
}

/** The label sets of a prom-client counter with method/route/status labels (the seed's), as seriesKey → count. */
export async function promClientSeries(counter: {
  get(): Promise<{ values: readonly { labels: Partial<Record<string, string | number>>; value: number }[] }>;
}): Promise<Map<string, number>> {
  const { values } = await counter.get();
  return nonZero(
    values.map((v): [string, number] => [
      seriesKey(String(v.labels.method), String(v.labels.route), String(v.labels.status)),
      v.value,
    ]),
  );
}
