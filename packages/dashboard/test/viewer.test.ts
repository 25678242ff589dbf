// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Grafana's ${var} syntax in queries, not JS templates
/** The viewer's pure parts: variable interpolation, legends, units, time, series shaping, thresholds. */
import { describe, expect, it } from 'vitest';
import { flattenPanels, isSupported } from '../src/grafana.ts';
import { renderLegend, seriesName } from '../src/legend.ts';
import { activeRegions, align, lastValue } from '../src/series.ts';
import { colorFor, cssColor, thresholdLines } from '../src/thresholds.ts';
import { durationSeconds, formatDuration, queryStep, rateInterval, resolveTime } from '../src/time.ts';
import { formatValue } from '../src/units.ts';
import {
  ALL,
  escapeRegex,
  interpolate,
  parseVariableQuery,
  referencedVariables,
  sortOptions,
} from '../src/variables.ts';

describe('template variables', () => {
  const service = { values: ['api'], options: ['api', 'backend'], regex: true };
  it.each([
    ['single value in a matcher', 'rate(x{service=~"$service"}[5m])', { service }, 'rate(x{service=~"api"}[5m])'],
    ['${name} form', 'x{service=~"${service}"}', { service }, 'x{service=~"api"}'],
    ['[[name]] form', 'x{service=~"[[service]]"}', { service }, 'x{service=~"api"}'],
    [
      'multi-value: an escaped alternation',
      'x{service=~"$service"}',
      { service: { ...service, values: ['api', 'a.b'] } },
      'x{service=~"(api|a\\\\.b)"}',
    ],
    [
      'All with allValue',
      'x{service=~"$service"}',
      { service: { ...service, values: [ALL], allValue: '.+' } },
      'x{service=~".+"}',
    ],
    [
      'All without allValue: every option',
      'x{service=~"$service"}',
      { service: { ...service, values: [ALL] } },
      'x{service=~"(api|backend)"}',
    ],
    ['csv format', '${service:csv}', { service: { ...service, values: ['a', 'b'] } }, 'a,b'],
    ['plain string scope (datasource)', '${datasource}', { datasource: 'prometheus' }, 'prometheus'],
    [
      'built-ins',
      'rate(x[$__rate_interval]) [$__range]',
      { __rate_interval: '1m', __range: '3600s' },
      'rate(x[1m]) [3600s]',
    ],
    ['unknown variables stay', 'x{a="$nope"}', {}, 'x{a="$nope"}'],
  ])('%s', (_name, text, scope, expected) => {
    expect(interpolate(text, scope as never)).toBe(expected);
  });

  it('escapes regex characters for a PromQL string (as Grafana does)', () => {
    expect(escapeRegex('a.b')).toBe('a\\\\.b');
    expect(escapeRegex('plain-name_1')).toBe('plain-name_1');
  });

  it('parses Prometheus variable queries', () => {
    expect(parseVariableQuery('label_values(greyhaven:http_requests:rate5m:by_service, service)')).toEqual({
      kind: 'label_values',
      label: 'service',
      match: 'greyhaven:http_requests:rate5m:by_service',
    });
    expect(parseVariableQuery('label_values(up{job=~"a,b"}, instance)')).toEqual({
      kind: 'label_values',
      label: 'instance',
      match: 'up{job=~"a,b"}',
    });
    expect(parseVariableQuery('label_values(job)')).toEqual({ kind: 'label_values', label: 'job' });
    expect(parseVariableQuery('query_result(topk(3, up))')).toEqual({ kind: 'query_result', expr: 'topk(3, up)' });
    expect(parseVariableQuery('metrics(up)').kind).toBe('unsupported');
    expect(referencedVariables('x{a="$a", b="${b:csv}"} [[c]]')).toEqual(['a', 'b', 'c']);
  });

  it('sorts options like Grafana', () => {
    expect(sortOptions(['b', 'a', 'c', 'a'], 1)).toEqual(['a', 'b', 'c']);
    expect(sortOptions(['b', 'a', 'c'], 2)).toEqual(['c', 'b', 'a']);
    expect(sortOptions(['10', '9', '100'], 3)).toEqual(['9', '10', '100']);
    expect(sortOptions(['b', 'a'], 0)).toEqual(['b', 'a']);
  });
});

describe('legends', () => {
  it('renders legendFormat from labels, or names the series', () => {
    expect(renderLegend('p95 {{service}}', { service: 'api' })).toBe('p95 api');
    expect(renderLegend('{{ service }} {{status}}', { service: 'api', status: '500' })).toBe('api 500');
    expect(renderLegend('{{missing}} x', {})).toBe('x');
    expect(renderLegend('', { __name__: 'up', job: 'a', instance: 'b' })).toBe('up{instance="b", job="a"}');
    expect(renderLegend('__auto', { service: 'api' })).toBe('{service="api"}');
    expect(seriesName({})).toBe('{}');
  });
});

describe('units', () => {
  it.each([
    [12.345, 'reqps', undefined, '12.3 req/s'],
    [1500, 'reqps', undefined, '1.5 K req/s'],
    [0.5, 'percent', undefined, '0.5%'],
    [0.9995, 'percentunit', 2, '99.95%'],
    [250, 'ms', undefined, '250 ms'],
    [1500, 'ms', undefined, '1.5 s'],
    [0.25, 's', undefined, '250 ms'],
    [2048, 'bytes', undefined, '2 KiB'],
    [14.4, 'suffix:×', undefined, '14.4×'],
    [3, 'short', 0, '3'],
    [null, 'ms', undefined, '–'],
    [Number.POSITIVE_INFINITY, 'ms', undefined, '+Inf'],
  ])('%s %s → %s', (v, unit, decimals, expected) => {
    expect(formatValue(v, unit, decimals)).toBe(expected);
  });
});

describe('time', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  it('resolves relative times and durations', () => {
    expect(resolveTime('now', now)).toBe(now / 1000);
    expect(resolveTime('now-1h', now)).toBe(now / 1000 - 3600);
    expect(resolveTime('now-1h30m', now)).toBe(now / 1000 - 5400);
    expect(resolveTime(String(now), now)).toBe(now / 1000);
    expect(() => resolveTime('yesterday', now)).toThrow(/unsupported/);
    expect(durationSeconds('30s')).toBe(30);
    expect(durationSeconds('1x')).toBeUndefined();
    expect(formatDuration(120)).toBe('2m');
    expect(formatDuration(15)).toBe('15s');
  });
  it('chooses a step no finer than the scrape interval', () => {
    expect(queryStep(3600, 600, 15)).toBe(15);
    expect(queryStep(7 * 86400, 600, 15)).toBe(1008);
    expect(queryStep(300, 1000, 2)).toBe(2);
    expect(rateInterval(15, 15)).toBe(60);
    expect(rateInterval(120, 15)).toBe(135);
  });
});

describe('series', () => {
  it('aligns series on the union of their timestamps, null where a series has no sample', () => {
    const a = {
      name: 'a',
      values: [
        [10, '1'],
        [20, '2'],
      ] as [number, string][],
    };
    const b = {
      name: 'b',
      values: [
        [20, 'NaN'],
        [30, '3'],
      ] as [number, string][],
    };
    expect(align([a, b])).toEqual({
      xs: [10, 20, 30],
      ys: [
        [1, 2, null],
        [null, null, 3],
      ],
    });
    expect(lastValue(b.values)).toBe(3);
    expect(lastValue([[1, 'NaN']])).toBeNull();
  });
  it('turns a firing series into regions, joining samples at most a step apart', () => {
    const v: [number, string][] = [
      [0, '1'],
      [60, '1'],
      [120, '0'],
      [180, '1'],
      [300, '1'],
    ];
    expect(activeRegions(v, 60)).toEqual([
      { from: 0, to: 60 },
      { from: 180, to: 180 },
      { from: 300, to: 300 },
    ]);
    expect(activeRegions(v, 120)).toEqual([{ from: 0, to: 300 }]);
  });
});

describe('thresholds and panels', () => {
  const steps = [
    { value: null, color: 'green' },
    { value: 80, color: 'orange' },
    { value: 90, color: 'red' },
  ];
  it('colors a value by the highest step it reaches', () => {
    expect(colorFor(10, steps)).toBe(cssColor('green'));
    expect(colorFor(85, steps)).toBe(cssColor('orange'));
    expect(colorFor(90, steps)).toBe(cssColor('red'));
    expect(colorFor(null, steps)).toBe(cssColor('green'));
    expect(thresholdLines(steps).map((s) => s.value)).toEqual([80, 90]);
    expect(cssColor('#123456')).toBe('#123456');
  });
  it('knows which panel types it draws, and flattens collapsed rows', () => {
    expect(['timeseries', 'stat', 'row'].every(isSupported)).toBe(true);
    expect(['graph', 'piechart', 'table'].some(isSupported)).toBe(false);
    const panels = flattenPanels([
      { type: 'row', collapsed: true, panels: [{ type: 'stat', id: 2 }] },
      { type: 'timeseries', id: 3 },
    ]);
    expect(panels.map((p) => p.type)).toEqual(['row', 'stat', 'timeseries']);
  });
});
