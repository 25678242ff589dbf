/**
 * The replay's parts on their own: promtool's output parser (on output captured from the real binary), the
 * expanding-notation encoder, rule-set reading, the analysis of firing alerts, the scenario library.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertEpisodes, analyse, checkGoal, type RuleSetResult } from '../src/replay/analyse.ts';
import type { NotifyResult } from '../src/replay/notify.ts';
import { parsePromtoolOutput } from '../src/replay/promtool-output.ts';
import { evaluationOrder, loadRuleSet, longestRangeIn, mentions, parseDuration } from '../src/replay/ruleset.ts';
import { chooseStep, defaultWarmup, externalLabels, MAX_RUN_SAMPLES, warmupFor } from '../src/replay/run.ts';
import {
  cumulativeShare,
  formatSeconds,
  HEALTHY_LATENCY,
  P95_SLOW_LATENCY,
  SCENARIOS,
  SLOWER_HEALTHY_LATENCY,
  scenarioById,
} from '../src/replay/scenarios.ts';
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

  it('replays at 15s; a run too long for the sample limit at 15s (an explicit --warmup) goes coarser', () => {
    expect(chooseStep(3600)).toBe(15);
    expect(chooseStep(MAX_RUN_SAMPLES * 15)).toBe(15);
    expect(chooseStep(MAX_RUN_SAMPLES * 15 + 15)).toBe(30);
    expect(chooseStep(3 * 86400 + 3600)).toBe(30);
    expect(chooseStep(6 * 86400)).toBe(60);
    expect(() => chooseStep(30 * 86400)).toThrow(/10,000-sample/);
    expect(defaultWarmup(300)).toBe(3600);
    expect(defaultWarmup(6 * 3600)).toBe(7 * 3600);
    expect(defaultWarmup(3 * 86400)).toBe(3 * 86400 + 3600);
  });

  it('fills the windows pages read before each onset, as much as fits for a scenario that asks, never past the limit', () => {
    const crash = scenarioById('crash');
    const slow = scenarioById('slow-burn');
    if (!crash || !slow) throw new Error('scenario missing');
    // Pages reading 6h (the slow page leg): 7h of history at 15s.
    expect(warmupFor(crash, 6 * 3600)).toBe(7 * 3600);
    expect(warmupFor(crash, 300)).toBe(3600);
    // A page reading 3d cannot be filled at 15s: as much as fits.
    const fits = warmupFor(crash, 3 * 86400);
    expect((fits + crash.observe) / 15).toBeLessThanOrEqual(MAX_RUN_SAMPLES);
    expect(fits).toBe(38 * 3600);
    // The slow burn gets as many clean hours as fit with its 6h15m.
    expect(slow.history).toBe('max');
    const max = warmupFor(slow, 300);
    expect(max).toBe(33 * 3600);
    expect((max + slow.observe) / 15 + 1).toBeLessThanOrEqual(MAX_RUN_SAMPLES);
  });

  it('reads the external labels Prometheus adds to alerts', () => {
    expect(externalLabels('global:\n  external_labels:\n    environment: production\n')).toEqual({
      environment: 'production',
    });
    expect(externalLabels('scrape_configs: []\n')).toEqual({});
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
  const none: NotifyResult = { notifications: [], incidents: [] };

  it('finds each alert firing episode and counts re-firing as a repeat', () => {
    const fired = [
      ...[1660, 1720].map((t) => fire('Burn', t, 'critical')),
      ...[1840].map((t) => fire('Burn', t, 'critical')), // the same alert again
      ...[1780, 1840].map((t) => fire('Slow', t, 'warning')),
      fire('Watchdog', 1660, 'none'),
    ];
    const eps = alertEpisodes(outage, fired, checks, 1600);
    expect(eps.map((e) => [e.alertname, e.start, e.end, e.false])).toEqual([
      ['Burn', 60, 180, undefined],
      ['Slow', 180, 300, undefined],
      ['Burn', 240, 300, 'repeat'],
    ]);
    const r = analyse(outage, eps, none);
    expect(r.firstPageAlert).toBe(60);
    expect(r.firstTicketAlert).toBe(180);
    // Nothing reached a receiver: no page, no ticket.
    expect([r.firstPage, r.firstTicket, r.pages, r.tickets]).toEqual([null, null, 0, 0]);
  });

  const incident = (
    kind: 'page' | 'ticket',
    triggeredAt: number,
    resolvedAt: number | null,
    cleared: number | null,
  ) => ({
    receiver: kind,
    group: `g-${triggeredAt}`,
    groupLabels: { service: 'api' },
    kind,
    triggeredAt,
    pagedAt: kind === 'page' ? triggeredAt : null,
    resolvedAt,
    alertsResolvedAt: cleared,
    alertnames: ['A'],
    triggers: 1,
  });
  const sent = (time: number, severity: string) => ({
    time,
    receiver: 'r',
    group: 'g',
    status: 'firing' as const,
    kind: severity === 'critical' ? ('page' as const) : ('ticket' as const),
    firing: [{ alertname: 'A', severity }],
    resolved: [],
  });

  it('times pages and tickets to the trigger event at the receiver, and counts incidents and false ones', () => {
    const r = analyse(outage, [], {
      notifications: [sent(-300, 'critical'), sent(75, 'critical'), sent(90, 'warning'), sent(400, 'critical')],
      incidents: [
        incident('page', -300, -200, -215),
        incident('page', 75, 1245, 1215),
        incident('ticket', 90, null, null),
        incident('page', 400, null, 1300),
      ],
    });
    expect(r.firstPage).toBe(75);
    expect(r.firstTicket).toBe(90);
    expect([r.pages, r.tickets, r.falsePages, r.falseTickets]).toEqual([3, 1, 2, 0]);
    expect(r.incidents.map((i) => i.false)).toEqual(['before-onset', undefined, undefined, 'extra']);
    expect(r.incidents[1]).toMatchObject({ resolveLag: 30, resolveAfterIncidentEnd: 1245 - 1200 });
    expect(r.resolveLag).toBe(30);
    expect(r.unresolvedPages).toBe(1);
  });

  it('counts every page and ticket in a scenario that expects neither as false', () => {
    const r = analyse(blip, [], {
      notifications: [sent(300, 'critical'), sent(300, 'warning')],
      incidents: [incident('page', 300, 600, 570), incident('ticket', 300, 600, 570)],
    });
    expect([r.falsePages, r.falseTickets]).toEqual([1, 1]);
    expect(r.incidents.every((i) => i.false === 'not-expected')).toBe(true);
  });

  it('judges goals from the figures', () => {
    const r = (firstPage: number | null, pages = firstPage === null ? 0 : 1, more: Partial<RuleSetResult> = {}) =>
      ({
        firstPage,
        firstTicket: null,
        pages,
        tickets: 0,
        falsePages: 0,
        falseTickets: 0,
        resolveLag: pages > 0 ? 30 : null,
        unresolvedPages: 0,
        firstPageAlert: firstPage,
        firstTicketAlert: null,
        incidents: [],
        notifications: 0,
        episodes: [],
        ...more,
      }) satisfies RuleSetResult;
    expect(checkGoal({ kind: 'page-within', seconds: 120 }, r(120), r(null))).toEqual({ ours: true, seed: false });
    expect(checkGoal({ kind: 'page-within', seconds: 120 }, r(135), r(315))).toEqual({ ours: false, seed: false });
    expect(checkGoal({ kind: 'page-no-later-than-seed' }, r(300), r(315))).toEqual({ ours: true, seed: null });
    expect(checkGoal({ kind: 'page-no-later-than-seed' }, r(330), r(315)).ours).toBe(false);
    expect(checkGoal({ kind: 'never-pages' }, r(null), r(315))).toEqual({ ours: true, seed: false });
    expect(checkGoal({ kind: 'ticket-within', seconds: 600 }, r(null), r(null)).ours).toBe(false);
    expect(checkGoal({ kind: 'no-ticket' }, r(null), r(null, 0, { tickets: 1 }))).toEqual({ ours: true, seed: false });
    expect(checkGoal({ kind: 'one-incident' }, r(60), r(60, 2, { falsePages: 1 }))).toEqual({
      ours: true,
      seed: false,
    });
    expect(checkGoal({ kind: 'one-incident' }, r(null), r(null)).ours).toBe(false);
    const within = { kind: 'resolves-within', seconds: 60 } as const;
    expect(checkGoal(within, r(60), r(60, 1, { resolveLag: 75 }))).toEqual({ ours: true, seed: false });
    expect(checkGoal(within, r(60, 1, { unresolvedPages: 1 }), r(null)).ours).toBe(false);
    expect(checkGoal(within, r(null), r(null)).ours).toBe(false);
  });
});

describe('scenario library', () => {
  it('has every scenario of the goal table, plus CPU, memory and traffic stopping, with unique ids', () => {
    expect(SCENARIOS.map((s) => s.id)).toEqual([
      'total-outage',
      'errors-5pct',
      'errors-2pct',
      'crash',
      'targets-gone',
      'recovery',
      'latency-p99',
      'latency-p95',
      'latency-slower',
      'latency-noisy',
      'healthy',
      'blip-60s',
      'low-traffic-error',
      'cpu-90',
      'memory-90',
      'slow-burn',
      'flapping',
      'traffic-stops',
    ]);
  });

  it("states the goal table's goals", () => {
    const goals = Object.fromEntries(SCENARIOS.map((s) => [s.id, s.goals]));
    const paged = (seconds?: number) => [
      ...(seconds === undefined ? [] : [{ kind: 'page-within', seconds }]),
      { kind: 'one-incident' },
      { kind: 'resolves-within', seconds: 60 },
    ];
    const quiet = [{ kind: 'never-pages' }, { kind: 'no-ticket' }];
    expect(goals['total-outage']).toEqual(paged(120));
    expect(goals.crash).toEqual(paged(120));
    expect(goals['targets-gone']).toEqual(paged(120));
    expect(goals.recovery).toEqual(paged(120));
    expect(goals['errors-5pct']).toEqual(paged(180));
    expect(goals['errors-2pct']).toEqual(paged(300));
    expect(goals['latency-p99']).toEqual(paged(300));
    expect(goals['latency-p95']).toEqual(paged(300));
    expect(goals.flapping).toEqual(paged());
    for (const id of ['blip-60s', 'low-traffic-error', 'healthy', 'latency-slower', 'latency-noisy']) {
      expect(goals[id], id).toEqual(quiet);
    }
    expect(goals['slow-burn']).toEqual([{ kind: 'ticket-within', seconds: 6 * 3600 }, { kind: 'never-pages' }]);
    expect(goals['traffic-stops']).toEqual([{ kind: 'ticket-within', seconds: 600 }]);
  });

  it('latency profiles give a share at any bucket bound: exact at their points, linear between them', () => {
    expect(cumulativeShare(HEALTHY_LATENCY, 0.1)).toBe(0.95);
    expect(cumulativeShare(HEALTHY_LATENCY, 0.2)).toBeCloseTo(0.95 + 0.045 / 4, 12);
    expect(cumulativeShare(HEALTHY_LATENCY, 0.005)).toBeCloseTo(0.1, 12);
    expect(cumulativeShare(HEALTHY_LATENCY, 5)).toBe(1);
    expect(cumulativeShare(HEALTHY_LATENCY, Number.POSITIVE_INFINITY)).toBe(1);
    // The quantiles the scenarios state, as histogram_quantile reads them from any bounds between the points.
    const quantile = (p: typeof HEALTHY_LATENCY, q: number, bounds: number[]) => {
      let prev = 0;
      let prevC = 0;
      for (const b of bounds) {
        const c = cumulativeShare(p, b);
        if (c >= q) return prev + ((b - prev) * (q - prevC)) / (c - prevC);
        prev = b;
        prevC = c;
      }
      return Number.NaN;
    };
    for (const bounds of [
      [0.01, 0.05, 0.1, 0.5, 1, 2, 5],
      [0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    ]) {
      expect(quantile(SLOWER_HEALTHY_LATENCY, 0.95, bounds)).toBeCloseTo(0.15, 9);
      expect(quantile(SLOWER_HEALTHY_LATENCY, 0.99, bounds)).toBeLessThan(0.7);
      expect(quantile(P95_SLOW_LATENCY, 0.95, bounds)).toBeCloseTo(0.75, 9);
      expect(quantile(P95_SLOW_LATENCY, 0.99, bounds)).toBeCloseTo(0.95, 9);
    }
    expect(() => cumulativeShare({ cumulative: { 0.1: 0.5 }, mean: 0.1 }, 1)).toThrow(/reach 1/);
  });

  it('formats times after the onset', () => {
    expect(formatSeconds(75)).toBe('1:15');
    expect(formatSeconds(3600 + 125)).toBe('1:02:05');
    expect(formatSeconds(-90)).toBe('-1:30');
  });
});
