/** A panel type this viewer does not draw: say so, in the panel's own place, never a blank. */
import { type Panel, SUPPORTED_PANEL_TYPES } from '../grafana.ts';
import { type PanelView, setState } from './common.ts';

export function placeholderView(el: HTMLElement, body: HTMLElement, panel: Panel): PanelView {
  const box = document.createElement('div');
  box.className = 'panel-placeholder';
  const what = document.createElement('strong');
  what.textContent = `Panel type “${panel.type}” is not supported by this viewer.`;
  const more = document.createElement('div');
  more.textContent = `It draws ${SUPPORTED_PANEL_TYPES.filter((t) => t !== 'row').join(' and ')} panels; open this dashboard in Grafana to see this one.`;
  box.append(what, more);
  body.replaceChildren(box);
  setState(el, 'unsupported');
  return { update() {} };
}
