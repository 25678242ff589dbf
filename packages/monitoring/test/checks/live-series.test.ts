/**
 * live/series against a fake Prometheus (its /api/v1/series answered from a fixed list of series): a metric with
 * no series and a selector whose label values match none are warnings; an unreachable Prometheus is one error.
 * The real-Prometheus cases are in test/live-series.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkContext } from '../../src/checks/lib/context.ts';
import { LIVE_SERIES, liveSeries } from '../../src/checks/live-series.ts';
import { OUT } from '../../src/conventions.ts';
import { type Finding, formatFinding } from '../../src/util/finding.ts';
import { tempDir } from '../helpers.ts';

/** The series the fake Prometheus has. */
const SERIES: Record<string, string>[] = [
  { __name__: 'http_requests_total', job: 'web', instance: 'a:1', service: 'web', route: '/', status: '200' },
  { __name__: 'up', job: 'web', instance: 'a:1', service: 'web' },
];

/** Matches `{__name__="x"}` or `x{label="v",…}` (equality only, as the cases use) against SERIES. */
function answer(match: string): Record<string, string>[] {
  const m = /^([a-zA-Z_:][\w:]*)?\{(.*)\}$/.exec(match);
  if (m === null) return [];
  const matchers: [string, string][] = [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, l, v]) => [
    l ?? '',
    v ?? '',
  ]);
  if (m[1] !== undefined) matchers.push(['__name__', m[1]]);
  return SERIES.filter((s) => matchers.every(([l, v]) => s[l] === v));
}

let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    const match = new URL(req.url ?? '/', 'http://x').searchParams.get('match[]') ?? '';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data: answer(match) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(() => {
  server?.close();
});

/** An out/ with one rule file holding these expressions (as recording rules of group `g`). */
function outWith(exprs: string[]): string {
  const out = join(tempDir('ghmon-live-table-'), 'out');
  mkdirSync(join(out, OUT.rulesDir), { recursive: true });
  const rules = exprs.map((expr, i) => ({ record: `case:rule_${i}`, expr }));
  writeFileSync(join(out, OUT.rulesDir, 'case.yml'), stringify({ groups: [{ name: 'g', rules }] }));
  return out;
}

describe('live/series (each broken input fires, each counterpart passes)', () => {
  it.each<{ name: string; exprs: string[]; unreachable?: boolean; expected: Partial<Finding>[] }>([
    {
      name: 'metrics with series, selectors that match them',
      exprs: ['sum(rate(http_requests_total{service="web"}[5m]))', 'up == 0'],
      expected: [],
    },
    {
      name: 'a metric with no series',
      exprs: ['sum(rate(http_request_duration_seconds_count[5m]))'],
      expected: [{ check: LIVE_SERIES, severity: 'warning', file: 'prometheus/rules/case.yml', rule: 'case:rule_0' }],
    },
    {
      name: 'a selector whose label values match no series',
      exprs: ['up{service="demo"} == 0'],
      expected: [{ check: LIVE_SERIES, severity: 'warning', group: 'g', rule: 'case:rule_0' }],
    },
    {
      name: 'a selector inside absent(), expected to be empty at times',
      exprs: ['absent(up{service="demo"})'],
      expected: [],
    },
    {
      name: 'an unreachable Prometheus',
      exprs: ['up == 0'],
      unreachable: true,
      expected: [{ check: LIVE_SERIES, severity: 'error', file: '-' }],
    },
  ])('$name', async ({ exprs, unreachable, expected }) => {
    const check = liveSeries({ url: unreachable ? 'http://127.0.0.1:1' : url });
    const findings = await check.run(checkContext(outWith(exprs)));
    expect(findings, findings.map(formatFinding).join('\n')).toHaveLength(expected.length);
    expected.forEach((e, i) => {
      expect(findings[i]).toMatchObject(e);
    });
  });

  it('says what it saw', async () => {
    const findings = await liveSeries({ url }).run(
      checkContext(outWith(['http_request_duration_seconds_count', 'up{service="demo"}'])),
    );
    expect(findings.map((f) => f.message)).toEqual([
      `no series named http_request_duration_seconds_count in ${url} over the last hour: nothing emits it, or nothing scrapes what does`,
      `up has series in ${url}, but none match up{service="demo"} over the last hour (values seen — service: web)`,
    ]);
  });
});
