/**
 * The shared table packages/contract/test-vectors/labels.json, run through this package: python/tests/
 * test_contract_vectors.py runs the same table through greyhaven_metrics, so both implementations of the policy
 * (path normaliser, method labels, label-value sanitising, label-set cap, route length, client-closed status)
 * are checked against the same expected values.
 */
import { readFileSync } from 'node:fs';
import { CLIENT_CLOSED_STATUS, CLIENT_CLOSED_STATUS_CODE } from '@greyhaven/metric-contract';
import { describe, expect, it } from 'vitest';
import { sanitizeLabelValue } from '../src/core/exposition.ts';
import { METHOD_VALUES, methodIndex, normalizePath } from '../src/core/labels.ts';
import { HttpMetrics } from '../src/core/registry.ts';

interface Vectors {
  defaults: {
    maxLabelSets: number;
    maxRouteLength: number;
    preInitServerErrors: boolean;
    clientClosedStatus: number;
    clientClosedLabel: string;
  };
  routeTooLong: { route: string; expected: string };
  normalizePath: { path: string; route: string }[];
  normalizeMethod: { method: string; label: string }[];
  sanitizeLabelValue: { value: string; maxLength: number; expected: string }[];
  cap: {
    maxLabelSets: number;
    requests: [string, string, number][];
    series: Row[];
    labelSets: number;
    folded: number;
  };
}

const vectors = JSON.parse(
  readFileSync(new URL('../../contract/test-vectors/labels.json', import.meta.url), 'utf8'),
) as Vectors;

type Row = [string, string, string, number];

/** Rows in one fixed order, for comparing as sets. */
function sorted(rows: readonly Row[]): Row[] {
  return [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

/** Every label set of `metrics` as [method, route, status, count], sorted. */
function series(metrics: HttpMetrics): Row[] {
  const out: Row[] = [];
  metrics.forEachLabelSet((method, route, status, values) => out.push([method, route, status, values.count]));
  return sorted(out);
}

describe('packages/contract/test-vectors/labels.json', () => {
  it('has rows in every table (a table that went missing would pass vacuously)', () => {
    for (const table of [vectors.normalizePath, vectors.normalizeMethod, vectors.sanitizeLabelValue]) {
      expect(table.length).toBeGreaterThan(5);
    }
  });

  it.each(vectors.normalizePath)('normalizePath($path) is $route', ({ path, route }) => {
    expect(normalizePath(path)).toBe(route);
  });

  it.each(vectors.normalizeMethod)('method $method is labelled $label', ({ method, label }) => {
    expect(METHOD_VALUES[methodIndex(method)]).toBe(label);
  });

  it.each(vectors.sanitizeLabelValue)('sanitizeLabelValue($value, $maxLength)', ({ value, maxLength, expected }) => {
    expect(sanitizeLabelValue(value, maxLength)).toBe(expected);
  });

  it('defaults and the client-closed status', () => {
    const { defaults } = vectors;
    const metrics = new HttpMetrics();
    expect({
      maxLabelSets: metrics.maxLabelSets,
      maxRouteLength: metrics.maxRouteLength,
      preInitServerErrors: metrics.preInitServerErrors,
      clientClosedStatus: CLIENT_CLOSED_STATUS_CODE,
      clientClosedLabel: CLIENT_CLOSED_STATUS,
    }).toEqual(defaults);
  });

  it('the default label-set cap folds the first label set past it', () => {
    const metrics = new HttpMetrics({ onError: () => {} });
    // Status 500: no pre-initialised twin, so each request is exactly one label set.
    for (let i = 0; i <= vectors.defaults.maxLabelSets; i++) metrics.observe(methodIndex('GET'), `/r${i}`, 500, 0.01);
    expect([metrics.labelSetCount, metrics.foldedCount]).toEqual([vectors.defaults.maxLabelSets, 1]);
  });

  it('the default route length cuts a longer route', () => {
    const metrics = new HttpMetrics();
    metrics.observe(methodIndex('GET'), vectors.routeTooLong.route, 500, 0.01); // 500: no pre-initialised twin
    expect(series(metrics).map(([, route]) => route)).toEqual([vectors.routeTooLong.expected]);
  });

  it('a small cap folds the same requests into the same series', () => {
    const { cap } = vectors;
    const metrics = new HttpMetrics({ maxLabelSets: cap.maxLabelSets });
    for (const [method, route, status] of cap.requests) metrics.observe(methodIndex(method), route, status, 0.01);
    expect(series(metrics)).toEqual(sorted(cap.series));
    expect([metrics.labelSetCount, metrics.foldedCount]).toEqual([cap.labelSets, cap.folded]);
  });
});
