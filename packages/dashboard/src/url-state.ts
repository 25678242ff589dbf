/**
 * The view's state in the URL, as Grafana keeps it: `?d=<uid>&from=now-1h&to=now&refresh=30s&var-service=api`.
 * Pure: reads and writes URLSearchParams; the controller puts them in the address bar.
 */
import type { Dashboard } from './grafana.ts';
import { ALL } from './variables.ts';

export interface ViewState {
  uid: string;
  from: string;
  to: string;
  /** An auto-refresh interval (`30s`), or '' for none. */
  refresh: string;
  /** The selected values of each of the dashboard's variables, in its order (`ALL` for All). */
  selected: string[][];
}

/** The dashboard the URL asks for (`d`), if any. */
export function requestedUid(params: URLSearchParams): string | undefined {
  return params.get('d') ?? undefined;
}

/** The state to open `d` in: what the URL says, else the dashboard's own time, refresh and current values. */
export function readViewState(params: URLSearchParams, d: Dashboard): ViewState {
  return {
    uid: d.uid,
    from: params.get('from') ?? d.time?.from ?? 'now-1h',
    to: params.get('to') ?? d.time?.to ?? 'now',
    refresh: params.get('refresh') ?? d.refresh ?? '',
    selected: (d.templating?.list ?? []).map((variable) => {
      const fromUrl = params.getAll(`var-${variable.name}`);
      const current = variable.current?.value;
      const selected = fromUrl.length
        ? fromUrl
        : current === undefined
          ? []
          : Array.isArray(current)
            ? current
            : [current];
      return selected.map((v) => (v === '$__all' ? ALL : v));
    }),
  };
}

/** The URL parameters for `state` on `d`; datasource variables are left out (there is one datasource here). */
export function writeViewState(state: ViewState, d: Dashboard): URLSearchParams {
  const p = new URLSearchParams({ d: state.uid, from: state.from, to: state.to });
  if (state.refresh) p.set('refresh', state.refresh);
  for (const [i, variable] of (d.templating?.list ?? []).entries()) {
    if (variable.type === 'datasource') continue;
    for (const s of state.selected[i] ?? []) p.append(`var-${variable.name}`, s === ALL ? '$__all' : s);
  }
  return p;
}
