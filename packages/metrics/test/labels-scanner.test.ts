/**
 * The single-pass path normaliser (labels.ts) against the contract's regexes (normalizePathReference, the rules
 * the Python package applies): the same output on the shared vectors, on hand-picked edges of every rule, and on
 * random paths built from the characters the rules care about. The segment-trie route matcher against a naive
 * one that tries each template.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  normalizePath,
  normalizePathReference,
  normalizeRange,
  pathEnd,
  pathOf,
  pathStart,
  routeLabelOfUrl,
  SCANNER_MATCHES_CONTRACT,
} from '../src/core/labels.ts';
import { createRouteMatcher } from '../src/core/route-matcher.ts';

const here = dirname(fileURLToPath(import.meta.url));
const vectors = JSON.parse(readFileSync(join(here, '../../contract/test-vectors/labels.json'), 'utf8')) as {
  normalizePath: { path: string; route: string }[];
};

describe('path normaliser: scanner = contract regexes', () => {
  it('implements the contract rules as they stand (else it falls back to the regexes: update the scanner)', () => {
    expect(SCANNER_MATCHES_CONTRACT).toBe(true);
  });

  it.each(vectors.normalizePath)('shared vector $path → $route (scanner and reference)', ({ path, route }) => {
    expect(normalizePath(path)).toBe(route);
    expect(normalizePathReference(path)).toBe(route);
  });

  // Edges of each rule: lengths just under/at the threshold, a character outside the class, dash positions.
  const uuid = '550e8400-e29b-41d4-a716-446655440000';
  it.each([
    '/a/0',
    '/a/00x',
    '//1//',
    '1',
    '/1/',
    `/x/${uuid}`,
    `/x/${uuid.toUpperCase()}`,
    `/x/${uuid}0`,
    `/x/${uuid.slice(1)}`,
    `/x/${uuid.replace('-', 'x')}`,
    `/x/${uuid.replace('e29b', 'g29b')}`,
    '/aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', // a uuid with no digit: the gate keeps it
    '/1/aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa',
    '/1/abcdefabcdefabc', // 15 hex
    '/1/abcdefabcdefabcd', // 16 hex
    '/1/ABCDEF0123456789',
    '/1/abcdefghijklmnopqrs', // 19 token characters
    '/1/abcdefghijklmnopqrst', // 20
    '/1/____________________', // 20 token characters, no letter
    '/1/--------------------9',
    '/1/é_______________________',
    '/1/abcdefghijklmnopqrstü',
    '/users/42?x',
    '/a b/1',
    'no-slash-1',
  ])('%s', (path) => {
    expect(normalizePath(path)).toBe(normalizePathReference(path));
  });

  const pathChar = fc.constantFrom(...'0123456789abcdefABCDEFgzGZ-_/./%é\u00ff\u0660 '.split(''), '/', '/', '-');
  const segmentLike = fc.oneof(
    fc.uuid().map((u) => `/${u}`),
    fc.stringMatching(/^[0-9a-f]{14,18}$/).map((s) => `/${s}`),
    fc.stringMatching(/^[A-Za-z0-9_-]{18,22}$/).map((s) => `/${s}`),
    fc.nat().map((n) => `/${n}`),
    fc.array(pathChar, { maxLength: 12 }).map((cs) => cs.join('')),
  );
  const randomPath = fc.array(segmentLike, { maxLength: 8 }).map((parts) => parts.join(''));

  it('agrees with the regexes on random paths (fast-check)', () => {
    fc.assert(
      fc.property(randomPath, (path) => normalizePath(path) === normalizePathReference(path)),
      { numRuns: 20_000 },
    );
  });

  it('agrees on any string, including non-ASCII and lone surrogates (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (path) => {
        return normalizePath(path) === normalizePathReference(path);
      }),
      { numRuns: 2_000 },
    );
  });

  it('returns the same (interned) label for different paths with the same route, and normalises in place', () => {
    const a = normalizePath('/users/1');
    expect(normalizePath('/users/22')).toBe(a);
    const url = 'http://h/users/333?x=/4';
    expect(normalizeRange(url, pathStart(url), pathEnd(url, pathStart(url)))).toBe('/users/:id');
    expect(routeLabelOfUrl(undefined, 200, url)).toBe('/users/:id');
    expect(routeLabelOfUrl(undefined, 200, 'http://h')).toBe('/');
    expect(routeLabelOfUrl(undefined, 404, url)).not.toBe('/users/:id');
    expect(routeLabelOfUrl('/t', 200, url)).toBe('/t');
  });

  it('stays right past the label table bound (cleared when full) and across hash chains', () => {
    for (let i = 0; i < 10_000; i++) {
      const path = `/s${i.toString(36)}x/${i}`;
      expect(normalizePath(path)).toBe(normalizePathReference(path));
    }
    expect(normalizePath('/users/5')).toBe('/users/:id');
  });

  it('pathOf still cuts query and fragment, on absolute and origin-form URLs', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (u) => {
        const url = new URL(u);
        return pathOf(url.href) === url.pathname;
      }),
      { numRuns: 2_000 },
    );
  });
});

/**
 * The obvious matcher: try each template in turn, keep the best by literal > param > splat, position by position
 * (the first template wins a tie).
 */
function naiveMatch(templates: readonly string[], path: string): string | undefined {
  const segs = path.split('/').filter((s) => s !== '');
  let best: { route: string; rank: number[] } | undefined;
  for (const t of templates) {
    const ts = t.split('/').filter((s) => s !== '');
    const rank: number[] = [];
    let matched = false;
    for (let i = 0; ; i++) {
      if (i === ts.length) {
        matched = i === segs.length;
        break;
      }
      const seg = ts[i] as string;
      if (seg === '*' || seg === '$') {
        rank.push(2); // a splat takes the rest, possibly nothing
        matched = true;
        break;
      }
      if (i >= segs.length) break;
      if (seg.startsWith(':')) rank.push(1);
      else if (seg === segs[i]) rank.push(0);
      else break;
    }
    if (!matched) continue;
    if (best === undefined || compareRank(rank, best.rank) < 0) best = { route: t, rank };
  }
  return best?.route;
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length; // equal prefix: the path ends here (shorter) beats a splat taking nothing
}

describe('route matcher: segment trie = trying each template', () => {
  const words = ['users', 'me', 'orders', 'items', 'a', 'b'];
  const templateSeg = fc.constantFrom(...words, ':id', ':x');
  const template = fc
    .tuple(fc.array(templateSeg, { minLength: 0, maxLength: 4 }), fc.boolean())
    .map(([segs, splat]) => `/${[...segs, ...(splat ? ['*'] : [])].join('/')}`);
  const pathSeg = fc.constantFrom(...words, '1', '42', 'zz');
  const path = fc.array(pathSeg, { maxLength: 5 }).map((s) => `/${s.join('/')}`);

  it('finds the same route on random tables and paths (fast-check)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(template, { maxLength: 8 }), fc.array(path, { maxLength: 10 }), (templates, paths) => {
        // Identical shapes (`:id` and `:x` at the same place): both keep the first template.
        const match = createRouteMatcher(templates);
        for (const p of paths) if (match(p) !== naiveMatch(templates, p)) return false;
        return true;
      }),
      { numRuns: 2_000 },
    );
  });

  it('matches with repeated and trailing slashes and in long paths, and gives up past 64 segments', () => {
    const match = createRouteMatcher(['/users/:id', '/files/*']);
    expect(match('//users//7/')).toBe('/users/:id');
    expect(match(`/files/${'x/'.repeat(63)}`)).toBe('/files/*');
    expect(match(`/files/${'x/'.repeat(64)}`)).toBeUndefined();
  });
});
