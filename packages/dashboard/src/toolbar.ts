/**
 * The toolbar: the dashboard picker, one select per visible variable, the time range and auto-refresh pickers and
 * the refresh button. It draws the controller's state and reports the user's choices; it keeps no state itself.
 */
import { el } from './dom.ts';
import type { Dashboard, DashboardListEntry } from './grafana.ts';
import type { VariableState } from './variable-state.ts';
import { ALL } from './variables.ts';

export const TIME_RANGES: [string, string][] = [
  ['now-5m', 'Last 5 minutes'],
  ['now-15m', 'Last 15 minutes'],
  ['now-30m', 'Last 30 minutes'],
  ['now-1h', 'Last 1 hour'],
  ['now-3h', 'Last 3 hours'],
  ['now-6h', 'Last 6 hours'],
  ['now-12h', 'Last 12 hours'],
  ['now-24h', 'Last 24 hours'],
  ['now-2d', 'Last 2 days'],
  ['now-7d', 'Last 7 days'],
];
const DEFAULT_REFRESH_INTERVALS = ['5s', '10s', '30s', '1m', '5m'];

export interface ToolbarState {
  list: readonly DashboardListEntry[];
  dashboard: Dashboard;
  vars: readonly VariableState[];
  from: string;
  refresh: string;
  /** The status line ("Updated …"), owned by the controller and placed in the toolbar. */
  status: HTMLElement;
}

export interface ToolbarActions {
  open(entry: DashboardListEntry): void;
  /** After the variable's `selected` was changed in place. */
  variableChanged(): void;
  timeRange(from: string): Promise<void>;
  autoRefresh(interval: string): void;
  refreshNow(): void;
}

/** Replaces the toolbar's content with controls for `s`. */
export function renderToolbar(toolbar: HTMLElement, s: ToolbarState, on: ToolbarActions): void {
  const d = s.dashboard;
  const picker = el('select', 'dashboard-picker');
  picker.setAttribute('aria-label', 'Dashboard');
  for (const entry of s.list) {
    const o = el('option', undefined, entry.title);
    o.value = entry.uid;
    o.selected = entry.uid === d.uid;
    picker.append(o);
  }
  picker.addEventListener('change', () => {
    const entry = s.list.find((x) => x.uid === picker.value);
    if (entry) on.open(entry);
  });

  const vars = el('div', 'variables');
  for (const v of s.vars) {
    if (v.variable.hide === 2) continue;
    const label = el('label', 'variable');
    label.append(el('span', 'variable-label', v.variable.label ?? v.variable.name));
    const select = el('select');
    select.dataset.variable = v.variable.name;
    select.setAttribute('aria-label', v.variable.label ?? v.variable.name);
    if (v.variable.type === 'datasource') {
      const o = el('option', undefined, 'Prometheus (local)');
      select.append(o);
      select.disabled = true;
    } else {
      select.multiple = Boolean(v.variable.multi);
      const opts = [...(v.variable.includeAll ? [ALL] : []), ...v.options];
      for (const value of opts) {
        const o = el('option', undefined, value === ALL ? 'All' : value);
        o.value = value;
        o.selected = v.selected.includes(value);
        select.append(o);
      }
      if (v.error) select.title = v.error;
      select.addEventListener('change', () => {
        v.selected = [...select.selectedOptions].map((o) => o.value);
        on.variableChanged();
      });
    }
    label.append(select);
    vars.append(label);
  }

  const time = el('select', 'time-picker');
  time.setAttribute('aria-label', 'Time range');
  const ranges = TIME_RANGES.some(([f]) => f === s.from) ? TIME_RANGES : [[s.from, s.from], ...TIME_RANGES];
  for (const [value, text] of ranges) {
    const o = el('option', undefined, text);
    o.value = value as string;
    o.selected = value === s.from;
    time.append(o);
  }
  time.addEventListener('change', () => void on.timeRange(time.value));

  const refresh = el('select', 'refresh-picker');
  refresh.setAttribute('aria-label', 'Auto refresh');
  const intervals = d.timepicker?.refresh_intervals ?? DEFAULT_REFRESH_INTERVALS;
  for (const value of ['', ...new Set([...intervals, ...(s.refresh ? [s.refresh] : [])])]) {
    const o = el('option', undefined, value === '' ? 'Auto refresh off' : `Every ${value}`);
    o.value = value;
    o.selected = value === s.refresh;
    refresh.append(o);
  }
  refresh.addEventListener('change', () => on.autoRefresh(refresh.value));

  const button = el('button', 'refresh-button', 'Refresh');
  button.addEventListener('click', () => on.refreshNow());

  picker.title = d.description ?? '';
  const brand = el('span', 'brand', 'ghmon');
  toolbar.replaceChildren(brand, picker, vars, el('span', 'spacer'), s.status, time, refresh, button);
}
