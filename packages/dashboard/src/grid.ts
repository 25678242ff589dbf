/**
 * The panel grid: each panel in its `gridPos` place on Grafana's 24-column grid (rows included), with the view
 * its type draws with (time series, stat, or a placeholder for types drawn only in Grafana).
 */
import { el } from './dom.ts';
import { flattenPanels, isSupported, type Panel } from './grafana.ts';
import { type PanelView, setState } from './panels/common.ts';
import { placeholderView } from './panels/placeholder.ts';
import { statView } from './panels/stat.ts';
import { timeseriesView } from './panels/timeseries.ts';

export interface MountedPanel {
  panel: Panel;
  el: HTMLElement;
  body: HTMLElement;
  view: PanelView;
}

/** Empties `grid` and lays `panels` out in it; returns the mounted panels (rows have no view and are left out). */
export function mountPanels(grid: HTMLElement, panels: readonly Panel[] | undefined): MountedPanel[] {
  const mounted: MountedPanel[] = [];
  grid.replaceChildren();
  for (const panel of flattenPanels(panels)) {
    const g = panel.gridPos ?? { x: 0, y: 0, w: 12, h: 8 };
    const box = el('section', panel.type === 'row' ? 'row' : 'panel');
    box.style.gridColumn = `${g.x + 1} / span ${Math.max(1, Math.min(24, g.w))}`;
    box.style.gridRow = `${g.y + 1} / span ${Math.max(1, g.h)}`;
    box.dataset.panelId = String(panel.id ?? '');
    box.dataset.panelType = panel.type;
    box.dataset.title = panel.title ?? '';
    const header = el('header', 'panel-title', panel.title ?? '');
    if (panel.description) header.title = panel.description;
    box.append(header);
    if (panel.type === 'row') {
      setState(box, 'ok');
      grid.append(box);
      continue;
    }
    const body = el('div', 'panel-body');
    box.append(body);
    grid.append(box);
    const view = !isSupported(panel.type)
      ? placeholderView(box, body, panel)
      : panel.type === 'stat'
        ? statView(box, body, panel)
        : timeseriesView(box, body, panel);
    if (isSupported(panel.type)) setState(box, 'loading');
    mounted.push({ panel, el: box, body, view });
  }
  return mounted;
}
