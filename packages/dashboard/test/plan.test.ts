// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Grafana's ${var} syntax in queries, not JS templates
/** The viewer's pure state and planning: the URL state round trip, variable selections, query and annotation plans. */
import { describe, expect, it } from 'vitest';
import type { Dashboard, Panel, Variable } from '../src/grafana.ts';
import { planAnnotations, planPanel } from '../src/query-plan.ts';
import { readViewState, requestedUid, writeViewState } from '../src/url-state.ts';
import { safeRegex, settledSelection, type VariableState, variableScope } from '../src/variable-state.ts';
import { ALL } from '../src/variables.ts';

const service: Variable = { type: 'query', name: 'service', multi: true, includeAll: true, allValue: '.+' };
const env: Variable = { type: 'custom', name: 'env', query: 'prod,staging', current: { text: 'prod', value: 'prod' } };
const datasource: Variable = { type: 'datasource', name: 'datasource', current: { text: 'P', value: 'prometheus' } };
const dashboard: Dashboard = {
  uid: 'ghmon-service-overview',
  title: 'Service overview',
  time: { from: 'now-6h', to: 'now' },
  refresh: '1m',
  templating: { list: [datasource, service, env] },
};

describe('URL state', () => {
  it('reads the URL first, the dashboard second', () => {
    const fromUrl = readViewState(
      new URLSearchParams('d=x&from=now-15m&to=now-5m&refresh=10s&var-service=api&var-service=backend&var-env=staging'),
      dashboard,
    );
    expect(fromUrl).toEqual({
      uid: 'ghmon-service-overview',
      from: 'now-15m',
      to: 'now-5m',
      refresh: '10s',
      selected: [['prometheus'], ['api', 'backend'], ['staging']],
    });
    expect(readViewState(new URLSearchParams(), dashboard)).toEqual({
      uid: 'ghmon-service-overview',
      from: 'now-6h',
      to: 'now',
      refresh: '1m',
      selected: [['prometheus'], [], ['prod']],
    });
    expect(readViewState(new URLSearchParams(), { uid: 'bare', title: 'Bare' })).toEqual({
      uid: 'bare',
      from: 'now-1h',
      to: 'now',
      refresh: '',
      selected: [],
    });
    expect(requestedUid(new URLSearchParams('d=abc'))).toBe('abc');
    expect(requestedUid(new URLSearchParams('from=now-1h'))).toBeUndefined();
  });

  it('writes what Grafana writes, in that order, without the datasource or an empty refresh', () => {
    const state = {
      uid: 'ghmon-service-overview',
      from: 'now-15m',
      to: 'now',
      refresh: '',
      selected: [['prometheus'], [ALL], ['prod']],
    };
    expect(String(writeViewState(state, dashboard))).toBe(
      'd=ghmon-service-overview&from=now-15m&to=now&var-service=%24__all&var-env=prod',
    );
    expect(String(writeViewState({ ...state, refresh: '30s' }, dashboard))).toContain('&to=now&refresh=30s&');
  });

  it.each([
    ['one value each', [['prometheus'], ['api'], ['prod']]],
    ['several values and All', [['prometheus'], ['api', 'a.b', 'c d&e=f'], [ALL]]],
    ['nothing selected (no current value)', [['prometheus'], [], ['prod']]],
  ])('round-trips through the URL: %s', (_name, selected) => {
    const state = { uid: dashboard.uid, from: 'now-3h', to: 'now', refresh: '30s', selected };
    const url = `?${writeViewState(state, dashboard)}`;
    expect(readViewState(new URL(`http://x/${url}`).searchParams, dashboard)).toEqual(state);
  });

  it("an empty selection is not in the URL: reading it back gives the dashboard's current value", () => {
    const state = { uid: dashboard.uid, from: 'now-3h', to: 'now', refresh: '', selected: [['prometheus'], [], []] };
    expect(readViewState(writeViewState(state, dashboard), dashboard).selected).toEqual([['prometheus'], [], ['prod']]);
  });
});

const varState = (variable: Variable, selected: string[], options: string[] = []): VariableState => ({
  variable,
  options,
  selected,
});

describe('variable selection and scope', () => {
  it.each([
    ['kept when still offered', varState(service, ['api'], ['api', 'backend']), ['api']],
    ['All is always valid', varState(service, [ALL], ['api']), [ALL]],
    ['values gone: the first option', varState(service, ['gone'], ['api', 'backend']), ['api']],
    ['no options, All offered: All', varState(service, ['gone'], []), [ALL]],
    ['no options, no All: nothing', varState(env, ['gone'], []), []],
    ['partly gone: the rest', varState(service, ['gone', 'backend'], ['api', 'backend']), ['backend']],
  ])('%s', (_name, v, expected) => {
    expect(settledSelection(v)).toEqual(expected);
  });

  it('builds the interpolation scope with the built-ins for the step and range', () => {
    const scope = variableScope(
      [varState(datasource, ['prometheus']), varState(service, ['api'], ['api']), varState(env, ['prod'], ['prod'])],
      1000,
      4600,
      15,
      15,
    );
    expect(scope).toEqual({
      datasource: 'prometheus',
      service: { values: ['api'], options: ['api'], allValue: '.+', regex: true },
      env: { values: ['prod'], options: ['prod'], regex: false },
      __interval: '15s',
      __interval_ms: '15000',
      __rate_interval: '1m',
      __range: '3600s',
      __range_s: '3600',
      __range_ms: '3600000',
    });
  });

  it('compiles variable regexes, /re/flags or bare, dropping g and refusing broken ones', () => {
    expect(safeRegex('/^API$/gi')?.flags).toBe('i');
    expect(safeRegex('^a.*')?.test('abc')).toBe(true);
    expect(safeRegex('(')).toBeUndefined();
  });
});

describe('query plans', () => {
  const vars = [varState(service, ['api', 'backend'], ['api', 'backend'])];
  const ctx = { start: 0, end: 3600, width: 1200, scrapeSeconds: 15, vars };
  const panel = (extra: Partial<Panel>): Panel => ({
    type: 'timeseries',
    gridPos: { x: 0, y: 0, w: 12, h: 8 },
    targets: [
      { expr: 'sum(rate(x{service=~"$service"}[$__rate_interval]))', legendFormat: '{{service}}' },
      { expr: 'hidden', hide: true },
      { legendFormat: 'no expression' },
      { expr: 'y[$__interval]' },
    ],
    ...extra,
  });

  it('interpolates the visible targets, in order, at the scrape interval when the width allows it', () => {
    // 600 points for half of 1200 px: 6 s, below the 15 s scrape interval.
    expect(planPanel(panel({}), ctx)).toEqual({
      step: 15,
      queries: [
        { expr: 'sum(rate(x{service=~"(api|backend)"}[1m]))', legendFormat: '{{service}}' },
        { expr: 'y[15s]', legendFormat: undefined },
      ],
    });
  });

  it.each([
    ['a narrow panel: fewer points', { gridPos: { x: 0, y: 0, w: 1, h: 8 } }, 72],
    ['maxDataPoints', { maxDataPoints: 10 }, 360],
    ['a minimum interval', { interval: '1m' }, 60],
    ['no gridPos: half the width', { gridPos: undefined }, 15],
  ])('steps: %s', (_name, extra, step) => {
    expect(planPanel(panel(extra as Partial<Panel>), ctx).step).toBe(step);
  });

  it('plans the enabled annotations with an expression, at their step or 60 s', () => {
    const plans = planAnnotations(
      {
        ...dashboard,
        annotations: {
          list: [
            { name: 'built-in', builtIn: 1, expr: 'x' },
            { name: 'off', enable: false, expr: 'x' },
            { name: 'none' },
            { name: 'alerts', expr: 'ALERTS{service=~"$service"}' },
            { name: 'target', target: { expr: 'z[$__interval]', interval: '30s' }, expr: 'ignored' },
          ],
        },
      },
      { start: 0, end: 3600, scrapeSeconds: 15, vars },
    );
    expect(plans.map((p) => [p.annotation.name, p.expr, p.step])).toEqual([
      ['alerts', 'ALERTS{service=~"(api|backend)"}', 60],
      ['target', 'z[30s]', 30],
    ]);
    expect(planAnnotations(undefined, { start: 0, end: 1, scrapeSeconds: 15, vars })).toEqual([]);
  });
});
