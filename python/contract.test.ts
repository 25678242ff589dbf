/**
 * The Python package cannot drift from the TypeScript contract:
 *   - its shipped contract.json and policy.json are exactly what `contractJson()` and `policyJson()` produce
 *     (UPDATE_GOLDEN=1 rewrites them, as does `npx tsx python/sync-contract.ts`), and it reads them as such;
 *   - both packages take their defaults (label-set cap, route length, status 500 pre-init, capped families) and
 *     the client-closed status from the policy, so they match by construction; checked here on the built objects;
 *   - the label helpers it ports (path normaliser, method normalisation, label-value sanitising) give the TypeScript
 *     results on the same inputs (beyond the shared table packages/contract/test-vectors/labels.json).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENT_CLOSED_STATUS_CODE, contractJson, metricsOverflowTotal, policyJson } from '@greyhaven/metric-contract';
import { HttpMetrics, METHOD_VALUES, methodIndex, normalizePath } from '@greyhaven/metrics';
import { describe, expect, it } from 'vitest';
import { sanitizeLabelValue } from '../packages/metrics/src/core/exposition.ts';
import { CONTRACT_COPY, contractText, POLICY_COPY, policyText, syncContract } from './sync-contract.ts';

const PYTHON_DIR = dirname(fileURLToPath(import.meta.url));

/** Runs `code` under /usr/bin/python3 with the package importable; `input` arrives as JSON in `data`. */
function python(code: string, input: unknown = null): unknown {
  const script = `import json, sys\ndata = json.loads(sys.stdin.read())\n${code}`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], {
    cwd: PYTHON_DIR,
    input: JSON.stringify(input),
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: PYTHON_DIR, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.status !== 0) throw new Error(`python exited ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('python/greyhaven_metrics/contract.json', () => {
  it('is exactly what contractJson() produces', () => {
    if (process.env.UPDATE_GOLDEN === '1') syncContract();
    expect(readFileSync(CONTRACT_COPY, 'utf8')).toBe(contractText());
    // And the package reads it as the same contract.
    const loaded = python(
      `from greyhaven_metrics import CONTRACT as c
print(json.dumps({"version": c.version, "serviceLabel": c.service_label, "scrapeLabels": c.scrape_labels,
  "httpMethods": c.http_methods, "otherMethod": c.other_method, "unmatchedRoute": c.unmatched_route,
  "overflowLabelValue": c.overflow_label_value,
  "metrics": [dict({"name": m.name, "type": m.type, "help": m.help, "labels": m.labels},
                   **({"buckets": m.buckets} if m.buckets is not None else {})) for m in c.metrics]}))`,
    );
    expect(loaded).toEqual(JSON.parse(JSON.stringify(contractJson())));
  });
});

describe('python/greyhaven_metrics/policy.json', () => {
  it('is exactly what policyJson() produces, and the package reads it as such', () => {
    if (process.env.UPDATE_GOLDEN === '1') syncContract();
    expect(readFileSync(POLICY_COPY, 'utf8')).toBe(policyText());
    const loaded = python(
      `from greyhaven_metrics import POLICY as p
print(json.dumps({"version": p.version, "maxLabelSets": p.max_label_sets, "maxRouteLength": p.max_route_length,
  "preInitServerErrors": p.pre_init_server_errors, "cappedMetrics": p.capped_metrics,
  "clientClosedStatus": p.client_closed_status,
  "pathNormaliser": {"emptyPath": p.empty_path, "onlyIfPathMatches": p.only_if_path_matches.pattern,
    "segmentRules": [{"placeholder": r.placeholder, "pattern": r.pattern.pattern} for r in p.segment_rules]}}))`,
    );
    expect(loaded).toEqual(JSON.parse(JSON.stringify(policyJson())));
  });

  it('gives both packages the same defaults and constants', () => {
    const py = python(
      `import inspect
from greyhaven_metrics import CLIENT_CLOSED_STATUS, GreyHavenMetrics
from greyhaven_metrics._contract import OVERFLOW_METRIC_LABEL
from greyhaven_metrics._metrics import CAPPED_FAMILIES
p = inspect.signature(GreyHavenMetrics).parameters
m = GreyHavenMetrics()
print(json.dumps({"clientClosed": CLIENT_CLOSED_STATUS, "overflowLabel": OVERFLOW_METRIC_LABEL,
  "capped": CAPPED_FAMILIES, "maxLabelSets": [p["max_label_sets"].default, m.max_label_sets],
  "maxRouteLength": [p["max_route_length"].default, m.max_route_length],
  "preInit": [p["pre_init_server_errors"].default, m.pre_init_server_errors]}))`,
    );
    const ts = new HttpMetrics();
    const policy = policyJson();
    expect(py).toEqual({
      clientClosed: CLIENT_CLOSED_STATUS_CODE,
      overflowLabel: metricsOverflowTotal.labels[0],
      capped: policy.cappedMetrics,
      maxLabelSets: [policy.maxLabelSets, ts.maxLabelSets],
      maxRouteLength: [policy.maxRouteLength, ts.maxRouteLength],
      preInit: [policy.preInitServerErrors, ts.preInitServerErrors],
    });
  });
});

describe('label helpers give the TypeScript results', () => {
  const paths = [
    '',
    '/',
    '/health',
    '/users/42',
    '/users/abc',
    '/users/42/',
    '//users//42',
    '/orders/7/items',
    '/o/550e8400-e29b-41d4-a716-446655440000',
    '/o/550E8400-E29B-41D4-A716-446655440000',
    '/blob/0123456789abcdef0123',
    '/blob/0123456789abcde',
    '/blob/deadbeefdeadbeefcafe/1',
    '/t/abcdefghij0123456789_-',
    '/t/abcdefghij012345678',
    '/slug/this-is-a-long-slug-name/2',
    '/short/a1',
    '/v2/files/12.5',
    '/ünï/123',
    '/x/１２３',
    '/a/b/c/d/e/f/1/2/3',
  ];
  const methods = ['GET', 'get', 'Post', 'PATCH', 'PURGE', 'PROPFIND', 'M-SEARCH', '', 'X'.repeat(17), 'options'];
  const values: [string, number][] = [
    ['abc', 2],
    ['a\tb\nc', 10],
    ['a\u0001\u007fb', 10],
    ['x'.repeat(300), 200],
    ['ok "quoted" \\ back', 200],
    ['\u0000', 1],
  ];

  it('normalize_path', () => {
    expect(
      python(
        'from greyhaven_metrics import normalize_path\nprint(json.dumps([normalize_path(p) for p in data]))',
        paths,
      ),
    ).toEqual(paths.map(normalizePath));
  });

  it('method normalisation', () => {
    expect(
      python(
        'from greyhaven_metrics import normalize_method\nprint(json.dumps([normalize_method(m) for m in data]))',
        methods,
      ),
    ).toEqual(methods.map((m) => METHOD_VALUES[methodIndex(m)]));
  });

  it('label-value sanitising', () => {
    expect(
      python(
        'from greyhaven_metrics import sanitize_label_value\nprint(json.dumps([sanitize_label_value(v, n) for v, n in data]))',
        values,
      ),
    ).toEqual(values.map(([v, n]) => sanitizeLabelValue(v, n)));
  });
});
