/** What every panel renderer gets, and the data-* attributes tests and people can read on a panel. */
import type { Panel } from '../grafana.ts';
import type { NamedSeries, Region } from '../series.ts';

export type PanelState = 'loading' | 'ok' | 'nodata' | 'error' | 'unsupported';

export interface AnnotationRegion extends Region {
  title: string;
  text: string;
  color: string;
}

export interface PanelData {
  series: NamedSeries[];
  start: number;
  end: number;
  step: number;
  annotations: AnnotationRegion[];
}

export interface PanelView {
  update(data: PanelData): void;
  resize?(): void;
  destroy?(): void;
}

export function setState(el: HTMLElement, state: PanelState, series = 0, points = 0): void {
  el.dataset.state = state;
  el.dataset.series = String(series);
  el.dataset.points = String(points);
}

export function message(body: HTMLElement, cls: string, text: string): void {
  body.replaceChildren();
  const div = document.createElement('div');
  div.className = cls;
  div.textContent = text;
  body.append(div);
}

export function defaults(panel: Panel) {
  return panel.fieldConfig?.defaults ?? {};
}
