/**
 * `timeseries` with uPlot: one line per series named by its legendFormat, the unit on the axis and in the
 * legend, fixed min/max when set, threshold steps as (dashed) lines, firing-alert annotations as shaded regions
 * with a marker whose tooltip names the alert.
 */
import uPlot from 'uplot';
import type { Panel } from '../grafana.ts';
import { align } from '../series.ts';
import { cssColor, PALETTE, thresholdLines } from '../thresholds.ts';
import { formatValue } from '../units.ts';
import { type AnnotationRegion, defaults, message, type PanelData, type PanelView, setState } from './common.ts';

const AXIS = { stroke: '#9fa7b3', grid: { stroke: 'rgba(204,204,220,0.08)', width: 1 }, ticks: { show: false } };

export function timeseriesView(el: HTMLElement, body: HTMLElement, panel: Panel): PanelView {
  const d = defaults(panel);
  const unit = d.unit ?? 'short';
  const lines = thresholdLines(d.thresholds?.steps);
  const style = d.custom?.thresholdsStyle?.mode ?? 'off';
  const drawThresholds = style !== 'off' && lines.length > 0;
  const showLegend = panel.options?.legend?.showLegend !== false && panel.options?.legend?.displayMode !== 'hidden';
  let plot: uPlot | undefined;
  let last: PanelData | undefined;
  let markers: HTMLElement[] = [];

  const size = () => ({ width: Math.max(50, body.clientWidth), height: Math.max(40, body.clientHeight) });

  const placeMarkers = (u: uPlot, annotations: AnnotationRegion[]) => {
    for (const m of markers) m.remove();
    markers = annotations.map((a) => {
      const m = document.createElement('div');
      m.className = 'annotation-marker';
      // Inside the plot overlay, whose origin is the plot area's top left corner (CSS pixels).
      m.style.left = `${u.valToPos(Math.max(a.from, u.scales.x?.min ?? a.from), 'x')}px`;
      m.style.top = '0px';
      m.style.borderBottomColor = a.color;
      m.title = `${a.title}${a.text ? ` — ${a.text}` : ''}\n${new Date(a.from * 1000).toLocaleTimeString()} – ${new Date(a.to * 1000).toLocaleTimeString()}`;
      u.over.append(m);
      return m;
    });
  };

  const draw = (data: PanelData) => {
    plot?.destroy();
    plot = undefined;
    const { xs, ys } = align(data.series);
    const points = ys.reduce((n, col) => n + col.filter((v) => v !== null).length, 0);
    if (points === 0) {
      message(body, 'panel-nodata', 'No data');
      setState(el, 'nodata', data.series.length, 0);
      return;
    }
    body.replaceChildren();
    // Grafana's list legend (below the plot); the value at the cursor appears beside each name on hover.
    const legend = document.createElement('div');
    legend.className = 'legend';
    const legendValues = data.series.map((s, i) => {
      const item = document.createElement('span');
      item.className = 'legend-item';
      const marker = document.createElement('i');
      marker.style.background = PALETTE[i % PALETTE.length] as string;
      const name = document.createElement('span');
      name.className = 'legend-name';
      name.textContent = s.name;
      const value = document.createElement('span');
      value.className = 'legend-value';
      item.append(marker, name, value);
      legend.append(item);
      return value;
    });
    const chart = document.createElement('div');
    body.append(chart);
    if (showLegend) body.append(legend);
    const { width, height } = size();
    const plotHeight = Math.max(40, height - (showLegend ? legend.offsetHeight + 2 : 0));
    const annotations = data.annotations.filter((a) => a.to >= data.start && a.from <= data.end);
    const span = data.end - data.start;
    const opts: uPlot.Options = {
      width,
      height: plotHeight,
      legend: { show: false },
      // A shared crosshair (Grafana's graphTooltip): hovering one panel shows the values of all at that time.
      cursor: { drag: { x: false, y: false }, sync: { key: 'ghmon' } },
      scales: {
        x: { time: true, range: () => [data.start, data.end] },
        y: {
          range: (_u, dmin, dmax) => {
            let lo = d.min ?? dmin;
            let hi = d.max ?? dmax;
            if (drawThresholds) {
              for (const t of lines) {
                if (d.min === undefined) lo = Math.min(lo, t.value);
                if (d.max === undefined) hi = Math.max(hi, t.value);
              }
            }
            if (!(Number.isFinite(lo) && Number.isFinite(hi))) return [0, 1];
            if (hi === lo) hi = lo + (Math.abs(lo) || 1);
            const pad = (hi - lo) * 0.05;
            return [d.min ?? lo - (lo === 0 ? 0 : pad), d.max ?? hi + pad];
          },
        },
      },
      axes: [
        { ...AXIS, values: (_u, splits) => splits.map((t) => clock(t, span)) },
        { ...AXIS, size: 64, values: (_u, splits) => splits.map((v) => formatValue(v, unit, d.decimals)) },
      ],
      series: [
        {},
        ...data.series.map((s, i) => ({
          label: s.name,
          stroke: PALETTE[i % PALETTE.length],
          width: d.custom?.lineWidth ?? 1,
          fill: `${PALETTE[i % PALETTE.length]}${alphaHex(d.custom?.fillOpacity ?? 0)}`,
          points: { show: false },
          spanGaps: false,
        })),
      ],
      hooks: {
        drawClear: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            for (const a of annotations) {
              const x0 = u.valToPos(Math.max(a.from, data.start), 'x', true);
              const x1 = u.valToPos(Math.min(Math.max(a.to, a.from + data.step), data.end), 'x', true);
              ctx.fillStyle = 'rgba(242,73,92,0.10)';
              ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
            }
            ctx.restore();
          },
        ],
        draw: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.lineWidth = 1.5 * devicePixelRatio;
            if (drawThresholds) {
              if (style.startsWith('dashed')) ctx.setLineDash([8 * devicePixelRatio, 6 * devicePixelRatio]);
              for (const t of lines) {
                const y = u.valToPos(t.value, 'y', true);
                if (y < u.bbox.top || y > u.bbox.top + u.bbox.height) continue;
                ctx.strokeStyle = cssColor(t.color);
                ctx.beginPath();
                ctx.moveTo(u.bbox.left, y);
                ctx.lineTo(u.bbox.left + u.bbox.width, y);
                ctx.stroke();
              }
              ctx.setLineDash([]);
            }
            // Scales are final only now (uPlot commits them after the constructor): place the markers here.
            placeMarkers(u, annotations);
            for (const a of annotations) {
              const x = u.valToPos(Math.max(a.from, data.start), 'x', true);
              ctx.strokeStyle = cssColor(a.color);
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
            }
            ctx.restore();
          },
        ],
        setCursor: [
          (u) => {
            const idx = u.cursor.idx;
            legendValues.forEach((v, i) => {
              const y = idx === null || idx === undefined ? null : (u.data[i + 1]?.[idx] ?? null);
              v.textContent = y === null ? '' : formatValue(y, unit, d.decimals);
            });
          },
        ],
      },
    };
    plot = new uPlot(opts, [xs, ...ys] as uPlot.AlignedData, chart);
    el.dataset.annotations = String(annotations.length);
    setState(el, 'ok', data.series.length, points);
  };

  return {
    update(data) {
      last = data;
      draw(data);
    },
    resize() {
      if (last) draw(last);
    },
    destroy() {
      plot?.destroy();
    },
  };
}

/** Axis time labels: seconds only for short ranges. */
function clock(t: number, span: number): string {
  const d = new Date(t * 1000);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  if (span > 2 * 86400) return `${d.getMonth() + 1}/${d.getDate()} ${hm}`;
  return span <= 900 ? `${hm}:${String(d.getSeconds()).padStart(2, '0')}` : hm;
}

/** Grafana's fillOpacity (0–100) as a two-digit hex alpha for a `#rrggbb` color. */
function alphaHex(opacity: number): string {
  const a = Math.round((Math.min(100, Math.max(0, opacity)) / 100) * 255);
  return a.toString(16).padStart(2, '0');
}
