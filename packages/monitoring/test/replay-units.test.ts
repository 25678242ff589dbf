/**
 * The replay's parts on their own: promtool's output parser (on output captured from the real binary), the
 * expanding-notation encoder, rule-set reading, the analysis of firing alerts, the scenario library.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyse, checkGoal } from '../src/replay/analyse.ts';
import { parsePromtoolOutput } from '../src/replay/promtool-output.ts';
import { evaluationOrder, loadRuleSet, longestRangeIn, mentions, parseDuration } from '../src/replay/ruleset.ts';
import { chooseStep, defaultWarmup } from '../src/replay/run.ts';
import { formatSeconds, SCENARIOS, scenarioById } from '../src/replay/scenarios.ts';
import { encodeSamples } from '../src/replay/series.ts';
import { tempDir } from './helpers.ts';

/**
 * `promtool test rules` (2.42.0+ds, Debian) on a test file whose alert tests expect nothing: one alert firing
 * at 5m; at 8m two alerts with the same name (critical and warning), a label value with quotes; then a rule
 * that hits the 10,000-sample limit. stdout and stderr concatenated, as the replay reads them.
 */
const CAPTURED = `Unit Testing:  t.yml
  FAILED:
    alertname: ErrorBudgetBurn, time: 5m, 
        exp:[], 
        got:[
            0:
              Labels:{alertname="ErrorBudgetBurn", instance="api:8080", job="api", note="a \\"quoted\\" value", service="api", severity="critical"}
              Annotations:{summary="Burn on api: \\"fast\\""}
            ]

    alertname: ErrorBudgetBurn, time: 8m, 
        exp:[], 
        got:[
            0:
              Labels:{alertname="ErrorBudgetBurn", instance="api:8080", job="api", note="a \\"quoted\\" value", service="api", severity="critical"}
              Annotations:{summary="Burn on api: \\"fast\\""},
            1:
              Labels:{alertname="ErrorBudgetBurn", instance="api:8080", job="api", note="a \\"quoted\\" value", service="api", severity="warning"}
              Annotations:{}
            ]

    rule: TooLong, time: 41h40m0s, err: query processing would load too many samples into memory in query execution


`;

describe('promtool output parser', () => {
  it('reads which alerts fired when, with their labels, from real promtool output', () => {
    const out = parsePromtoolOutput(CAPTURED.slice(0, CAPTURED.indexOf('    rule: TooLong')));
    expect(out.errors).toEqual([]);
    expect(out.fired).toEqual([
      {
        alertname: 'ErrorBudgetBurn',
        time: 300,
        labels: {
          alertname: 'ErrorBudgetBurn',
          instance: 'api:8080',
          job: 'api',
          note: 'a "quoted" value',
          service: 'api',
          severity: 'critical',
        },
      },
      expect.objectContaining({ time: 480, labels: expect.objectContaining({ severity: 'critical' }) }),
      expect.objectContaining({ time: 480, labels: expect.objectContaining({ severity: 'warning' }) }),
    ]);
  });

  it('reports a rule evaluation error instead of reading it as "nothing fired"', () => {
    const out = parsePromtoolOutput(CAPTURED);
    expect(out.fired).toHaveLength(3);
    expect(out.errors).toEqual([
      'rule TooLong failed at 41h40m0s: query processing would load too many samples into memory in query execution',
    ]);
  });

  it('reports lines it does not understand (a YAML error, a changed format)', () => {
    const out = parsePromtoolOutput('Unit Testing:  t.yml\n  FAILED:\n    yaml: unmarshal errors:\n');
    expect(out.errors).toEqual(['yaml: unmarshal errors:']);
  });

  it('reads a passing run as nothing fired', () => {
    expect(parsePromtoolOutput('Unit Testing:  t.yml\n  SUCCESS\n\n')).toEqual({ fired: [], errors: [] });
  });

  it('reads times of a day and more (model.Duration prints days)', () => {
    const out = parsePromtoolOutput(
      '    alertname: A, time: 3d1h15s, \n        exp:[], \n        got:[\n            0:\n              Labels:{alertname="A", severity="warning"}\n              Annotations:{}\n            ]\n',
    );
    expect(out.fired[0]?.time).toBe(3 * 86400 + 3600 + 15);
  });
});

describe('expanding notation', () => {
  it.each([
    [[0, 1, 2, 3], '0+1x3'],
    [[5], '5'],
    [[0, 0, 0], '0+0x2'],
    [[0, 2, 4, 'stale', null, null, 0, 1], '0+2x2 stale _x2 0+1x1'],
    [[10, 8, 6], '10-2x2'],
    [[0, 1, 2, 2.5, 3], '0+1x2 2.5+0.5x1'],
    [['stale', null], 'stale _'],
    [[0.015625, 0.03125], '0.015625+0.015625x1'],
  ] as const)('%j → %s', (samples, expected) => {
    expect(encodeSamples(samples as unknown as (number | 'stale' | null)[])).toBe(expected);
  });
});

describe('rule sets', () => {
  it('parses durations and finds the longest range an expression reads', () => {
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('3d')).toBe(259200);
    expect(parseDuration('5x')).toBeUndefined();
    expect(longestRangeIn('sum(rate(x[5m])) / sum(rate(x[3d]))')).toBe(259200);
    expect(longestRangeIn('max_over_time(x[1h:5m]) offset 1d')).toBe(3600 + 86400);
    expect(longestRangeIn('greyhaven:slo_errors:ratio_rate1h > 14.4 * 0.001')).toBe(0);
  });

  it('orders groups after the groups whose recordings they read', () => {
    const g = (name: string, records: string[], exprs: string[]) => ({ file: 'f.yml', name, records, exprs });
    const order = evaluationOrder([
      g('alerts', [], ['a:ratio_rate5m > 0.1', 'b:x > 1']),
      g('ratios', ['a:ratio_rate5m'], ['sum(rate(a:errors:rate5m[5m]))']),
      g('base', ['a:errors:rate5m', 'b:x'], ['rate(x[5m])']),
    ]);
    expect(order).toEqual(['base', 'ratios', 'alerts']);
    expect(mentions('a:ratio_rate5m > 1', 'a:ratio_rate5')).toBe(false);
  });

  it('measures the history alerts read through their recording rules, ignoring recordings no alert reads', () => {
    const file = join(tempDir(), 'rules.yml');
    writeFileSync(
      file,
      `groups:
  - name: r
    rules:
      - record: x:ratio_rate3d
        expr: sum(rate(x[3d]))
      - record: x:ratio_rate5m
        expr: sum(rate(x[5m]))
      - record: x:smoothed
        expr: avg_over_time(x:ratio_rate5m[1h])
      - record: x:budget
        expr: sum_over_time(x:ratio_rate5m[30d])
  - name: a
    rules:
      - alert: Slow
        expr: x:ratio_rate3d > 0.001 and x:ratio_rate5m > 0.001
        labels: { severity: warning }
      - alert: Smooth
        expr: max_over_time(x:smoothed[10m]) > 1
        labels: { severity: critical }
      - alert: Watchdog
        expr: vector(1)
        labels: { severity: none }
`,
    );
    const rs = loadRuleSet('t', 't', [file]);
    expect(rs.longestRange).toBe(3 * 86400);
    expect(rs.longestAnyRange).toBe(30 * 86400);
    expect(rs.groupOrder).toEqual(['r', 'a']);
    expect(rs.alerts.map((a) => [a.name, a.severities])).toEqual([
      ['Slow', ['warning']],
      ['Smooth', ['critical']],
      ['Watchdog', ['none']],
    ]);
    // A chain adds up: 10m over a 1h average of a 5m rate.
    writeFileSync(file, readFileSync(file, 'utf8').replace('x:ratio_rate3d > 0.001 and ', ''));
    expect(loadRuleSet('t', 't', [file]).longestRange).toBe(600 + 3600 + 300);
  });

  it('picks the finest sample interval that keeps a long range under the sample limit', () => {
    expect(chooseStep(300)).toBe(15);
    expect(chooseStep(86400)).toBe(30);
    expect(chooseStep(3 * 86400)).toBe(60);
    expect(() => chooseStep(30 * 86400)).toThrow(/10,000-sample/);
    // A 1h alert range in a 3-day run: 15s would put 3 days of samples in reach of some query.
    expect(chooseStep(3600, 3 * 86400)).toBe(30);
    expect(defaultWarmup(300)).toBe(3600);
    expect(defaultWarmup(3 * 86400)).toBe(3 * 86400 + 3600);
  });
});

describe('analysis', () => {
  const outage = scenarioById('total-outage');
  const blip = scenarioById('blip-60s');
  if (!outage || !blip) throw new Error('scenario missing');
  const fire = (alertname: string, time: number, severity: string, extra: Record<string, string> = {}) => ({
    alertname,
    time,
    labels: { alertname, severity, ...extra },
  });
  const checks = Array.from({ length: 21 }, (_, i) => 1000 + i * 60); // onset at 1600

  it('finds the first page and ticket after the onset and counts re-pages as false', () => {
    const fired = [
      ...[1660, 1720].map((t) => fire('Burn', t, 'critical')),
      ...[1840].map((t) => fire('Burn', t, 'critical')), // the same alert again: a second page
      ...[1780, 1840].map((t) => fire('Slow', t, 'warning')),
      fire('Watchdog', 1660, 'none'),
    ];
    const r = analyse(outage, fired, checks, 1600);
    expect(r.firstPage).toBe(60);
    expect(r.firstTicket).toBe(180);
    expect(r.pages).toBe(2);
    expect(r.falsePages).toBe(1);
    expect(r.episodes.map((e) => [e.alertname, e.start, e.end, e.false])).toEqual([
      ['Burn', 60, 180, undefined],
      ['Slow', 180, 300, undefined],
      ['Burn', 240, 300, 'repeat'],
    ]);
  });

  it('counts pages before the onset, and every page where none is expected, as false', () => {
    const early = analyse(outage, [fire('Burn', 1540, 'critical')], checks, 1600);
    expect(early.firstPage).toBeNull();
    expect(early.falsePages).toBe(1);
    const noisy = analyse(
      blip,
      [fire('Burn', 1900, 'critical'), fire('Burn', 1900, 'critical', { service: 'b' })],
      checks,
      1600,
    );
    expect(noisy.falsePages).toBe(2);
    expect(noisy.episodes.every((e) => e.false === 'not-expected')).toBe(true);
  });

  it('judges goals from the figures', () => {
    const r = (firstPage: number | null, pages = firstPage === null ? 0 : 1) => ({
      firstPage,
      firstTicket: null,
      pages,
      tickets: 0,
      falsePages: 0,
      episodes: [],
    });
    expect(checkGoal({ kind: 'page-within', seconds: 120 }, r(120), r(null))).toEqual({ ours: true, seed: false });
    expect(checkGoal({ kind: 'page-within', seconds: 120 }, r(135), r(315))).toEqual({ ours: false, seed: false });
    expect(checkGoal({ kind: 'page-no-later-than-seed' }, r(300), r(315))).toEqual({ ours: true, seed: null });
    expect(checkGoal({ kind: 'page-no-later-than-seed' }, r(330), r(315)).ours).toBe(false);
    expect(checkGoal({ kind: 'never-pages' }, r(null), r(315))).toEqual({ ours: true, seed: false });
    expect(checkGoal({ kind: 'ticket-within', seconds: 600 }, r(null), r(null)).ours).toBe(false);
  });
});

describe('scenario library', () => {
  it('has every scenario of issue 4 plus traffic stopping, with unique ids', () => {
    expect(SCENARIOS.map((s) => s.id)).toEqual([
      'total-outage',
      'errors-2pct',
      'crash',
      'latency-p99',
      'blip-60s',
      'low-traffic-error',
      'cpu-90',
      'memory-90',
      'slow-burn',
      'flapping',
      'traffic-stops',
    ]);
  });

  it("states the issue's goals", () => {
    const goals = Object.fromEntries(SCENARIOS.map((s) => [s.id, s.goals]));
    expect(goals['total-outage']).toEqual([{ kind: 'page-within', seconds: 120 }]);
    expect(goals.crash).toEqual([{ kind: 'page-within', seconds: 120 }]);
    expect(goals['errors-2pct']).toEqual([{ kind: 'page-no-later-than-seed' }]);
    expect(goals['blip-60s']).toEqual([{ kind: 'never-pages' }]);
    expect(goals['low-traffic-error']).toEqual([{ kind: 'never-pages' }]);
    expect(goals['slow-burn']).toEqual([{ kind: 'ticket-within' }, { kind: 'never-pages' }]);
    expect(goals['traffic-stops']).toEqual([{ kind: 'ticket-within', seconds: 600 }]);
  });

  it('formats times after the onset', () => {
    expect(formatSeconds(75)).toBe('1:15');
    expect(formatSeconds(3600 + 125)).toBe('1:02:05');
    expect(formatSeconds(-90)).toBe('-1:30');
  });
});
