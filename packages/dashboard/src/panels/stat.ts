/** `stat`: the last non-null value of each series (reduce `lastNotNull`), colored by thresholds, with a sparkline. */
import type { Panel } from '../grafana.ts';
import { lastValue, sampleValue } from '../series.ts';
import { colorFor } from '../thresholds.ts';
import { formatParts } from '../units.ts';
import { defaults, message, type PanelView, setState } from './common.ts';

export function statView(el: HTMLElement, body: HTMLElement, panel: Panel): PanelView {
  const d = defaults(panel);
  const steps = d.thresholds?.steps ?? [];
  const sparkline = (panel.options?.graphMode ?? 'area') !== 'none';
  const colorByValue = (panel.options?.colorMode ?? 'value') !== 'none';
  return {
    update(data) {
      const values = data.series.map((s) => ({ name: s.name, value: lastValue(s.values), samples: s.values }));
      const shown = values.filter((v) => v.value !== null);
      if (shown.length === 0) {
        message(body, 'panel-nodata', 'No data');
        setState(el, 'nodata', data.series.length, 0);
        return;
      }
      const grid = document.createElement('div');
      grid.className = 'stat-grid';
      grid.style.gridTemplateColumns = `repeat(${Math.min(shown.length, 4)}, 1fr)`;
      for (const v of shown) {
        const cell = document.createElement('div');
        cell.className = 'stat';
        const color = colorByValue ? colorFor(v.value, steps) : '#ccccdc';
        const f = formatParts(v.value, d.unit, d.decimals);
        const value = document.createElement('div');
        value.className = 'stat-value';
        value.style.color = color;
        value.textContent = f.text;
        const unit = document.createElement('span');
        unit.className = 'stat-unit';
        unit.textContent = f.suffix;
        value.append(unit);
        cell.append(value);
        if (shown.length > 1 || (panel.options?.textMode ?? 'auto') === 'value_and_name') {
          const name = document.createElement('div');
          name.className = 'stat-name';
          name.textContent = v.name;
          cell.append(name);
        }
        if (sparkline) cell.append(spark(v.samples, color, data.start, data.end));
        grid.append(cell);
      }
      body.replaceChildren(grid);
      setState(
        el,
        'ok',
        data.series.length,
        data.series.reduce((n, s) => n + s.values.length, 0),
      );
    },
  };
}

function spark(samples: [number, string][], color: string, start: number, end: number): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'stat-spark');
  svg.setAttribute('viewBox', '0 0 100 20');
  svg.setAttribute('preserveAspectRatio', 'none');
  const pts = samples.map(([t, v]) => [t, sampleValue(v)] as const).filter((p): p is [number, number] => p[1] !== null);
  if (pts.length < 2) return svg;
  const ys = pts.map((p) => p[1]);
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const span = hi - lo || 1;
  const line = pts
    .map(
      ([t, v]) =>
        `${(((t - start) / (end - start || 1)) * 100).toFixed(2)},${(19 - ((v - lo) / span) * 18).toFixed(2)}`,
    )
    .join(' ');
  const area = document.createElementNS(ns, 'polygon');
  const first = line.split(' ')[0]?.split(',')[0] ?? '0';
  const lastX = line.split(' ').at(-1)?.split(',')[0] ?? '100';
  area.setAttribute('points', `${first},20 ${line} ${lastX},20`);
  area.setAttribute('fill', color);
  area.setAttribute('fill-opacity', '0.15');
  const poly = document.createElementNS(ns, 'polyline');
  poly.setAttribute('points', line);
  poly.setAttribute('fill', 'none');
  poly.setAttribute('stroke', color);
  poly.setAttribute('stroke-width', '1');
  poly.setAttribute('vector-effect', 'non-scaling-stroke');
  svg.append(area, poly);
  return svg;
}
