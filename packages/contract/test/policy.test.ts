/**
 * The instrumentation policy is usable by both implementations: its JSON is plain data, every capped family is a
 * contract metric, and the normaliser's patterns keep to the regular-expression syntax JavaScript and Python read
 * alike (the shared test vectors then check both implementations' results).
 */
import { describe, expect, it } from 'vitest';
import {
  APPLICATION_METRICS,
  CLIENT_CLOSED_STATUS,
  CLIENT_CLOSED_STATUS_CODE,
  PATH_NORMALISER,
  policyJson,
} from '../src/index.ts';

/**
 * Syntax whose meaning differs between JavaScript (no `u` flag) and Python `re`, or that only one of them reads:
 * shorthand classes (\d and \w are Unicode-aware in Python), anchors (each side anchors the whole segment itself),
 * named groups and lookbehind, inline flags.
 */
const NOT_SHARED = /\\[dDwWsSbB]|[$^]|\(\?<|\(\?P|\(\?[aiLmsux]/;

describe('policyJson()', () => {
  it('is plain JSON data (what python/sync-contract.ts writes is what the Python package reads)', () => {
    const policy = policyJson();
    expect(JSON.parse(JSON.stringify(policy))).toEqual(policy);
  });

  it('caps only metrics of the contract, and its client-closed label is its status code', () => {
    const names = new Set(APPLICATION_METRICS.map((m) => m.name));
    expect(policyJson().cappedMetrics.filter((m) => !names.has(m))).toEqual([]);
    expect(CLIENT_CLOSED_STATUS).toBe(String(CLIENT_CLOSED_STATUS_CODE));
  });

  it.each([PATH_NORMALISER.onlyIfPathMatches, ...PATH_NORMALISER.segmentRules.map((r) => r.pattern)])(
    'pattern %s compiles and uses only syntax JavaScript and Python share',
    (pattern) => {
      expect(() => new RegExp(pattern)).not.toThrow();
      expect(pattern).not.toMatch(NOT_SHARED);
    },
  );

  it('the syntax guard rejects what it is meant to', () => {
    for (const bad of ['\\d+', '^[0-9]+$', '(?<n>x)', '(?P<n>x)', '(?i)abc', '\\w{20,}']) {
      expect(bad, bad).toMatch(NOT_SHARED);
    }
  });

  it('placeholders are distinct and look like route parameters', () => {
    const placeholders = PATH_NORMALISER.segmentRules.map((r) => r.placeholder);
    expect(new Set(placeholders).size).toBe(placeholders.length);
    for (const p of placeholders) expect(p).toMatch(/^:[a-z]+$/);
  });
});
