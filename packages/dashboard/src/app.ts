/**
 * The viewer: picks a dashboard from the server's list, resolves its template variables against Prometheus,
 * lays its panels out on Grafana's 24-column grid by `gridPos`, queries `/api/v1/query_range` for every target,
 * and redraws on a time range change, a variable change, the refresh button or the auto-refresh interval.
 * The URL holds the state as Grafana's does (`?d=<uid>&from=now-1h&to=now&refresh=30s&var-service=api`).
 */
import {
  type Annotation,
  type Dashboard,
  type DashboardListEntry,
  flattenPanels,
  isSupported,
  type Panel,
  type Variable,
} from './grafana.ts';
import { renderLegend } from './legend.ts';
import { type AnnotationRegion, type PanelData, type PanelView, setState } from './panels/common.ts';
import { placeholderView } from './panels/placeholder.ts';
import { statView } from './panels/stat.ts';
import { timeseriesView } from './panels/timeseries.ts';
import {
  instantValues,
  labelNames,
  labelValues,
  QueryError,
  queryRange,
  type RangeSeries,
  scrapeIntervalSeconds,
} from './prometheus.ts';
import { activeRegions } from './series.ts';
import { durationSeconds, formatDuration, queryStep, rateInterval, resolveTime } from './time.ts';
import { ALL, interpolate, parseVariableQuery, type Scope, sortOptions } from './variables.ts';

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

interface VariableState {
  variable: Variable;
  options: string[];
  selected: string[];
  error?: string;
}

interface MountedPanel {
  panel: Panel;
  el: HTMLElement;
  body: HTMLElement;
  view: PanelView;
}

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export class App {
  private list: DashboardListEntry[] = [];
  private dashboard?: Dashboard;
  private vars: VariableState[] = [];
  private panels: MountedPanel[] = [];
  private from = 'now-1h';
  private to = 'now';
  private refresh = '';
  private timer?: ReturnType<typeof setInterval>;
  private generation = 0;
  private abort?: AbortController;
  private scrapeSeconds = 15;
  private readonly toolbar = el('div', 'toolbar');
  private readonly grid = el('div', 'grid');
  private readonly status = el('span', 'status');

  constructor(private readonly root: HTMLElement) {}

  async start(): Promise<void> {
    this.root.replaceChildren(this.toolbar, this.grid);
    this.scrapeSeconds = await scrapeIntervalSeconds();
    try {
      this.list = await getJson<DashboardListEntry[]>('dashboards/');
    } catch (err) {
      this.fatal(`Cannot list dashboards: ${(err as Error).message}`);
      return;
    }
    if (this.list.length === 0) {
      this.fatal('No dashboards: run `ghmon build` (or `ghmon up`) to generate out/grafana/dashboards/.');
      return;
    }
    const params = new URLSearchParams(location.search);
    const uid = params.get('d') ?? this.list[0]?.uid;
    await this.open(this.list.find((d) => d.uid === uid) ?? (this.list[0] as DashboardListEntry), params);
    window.addEventListener('resize', () => {
      for (const p of this.panels) p.view.resize?.();
    });
  }

  private fatal(text: string): void {
    this.root.replaceChildren(el('div', 'fatal', text));
    this.root.dataset.state = 'error';
  }

  private async open(entry: DashboardListEntry, params: URLSearchParams): Promise<void> {
    let d: Dashboard;
    try {
      d = await getJson<Dashboard>(`dashboards/${encodeURIComponent(entry.file)}`);
    } catch (err) {
      this.fatal(`Cannot load ${entry.file}: ${(err as Error).message}`);
      return;
    }
    this.dashboard = d;
    document.title = `${d.title} · ghmon`;
    this.from = params.get('from') ?? d.time?.from ?? 'now-1h';
    this.to = params.get('to') ?? d.time?.to ?? 'now';
    this.refresh = params.get('refresh') ?? d.refresh ?? '';
    this.vars = (d.templating?.list ?? []).map((variable) => {
      const fromUrl = params.getAll(`var-${variable.name}`);
      const current = variable.current?.value;
      const selected = fromUrl.length
        ? fromUrl
        : current === undefined
          ? []
          : Array.isArray(current)
            ? current
            : [current];
      return { variable, options: [], selected: selected.map((v) => (v === '$__all' ? ALL : v)) };
    });
    this.root.dataset.dashboard = d.uid;
    this.mountPanels();
    await this.resolveVariables();
    this.renderToolbar();
    this.syncUrl();
    this.schedule();
    await this.run();
  }

  private range(): { start: number; end: number } {
    const now = Date.now();
    return { start: resolveTime(this.from, now), end: resolveTime(this.to, now) };
  }

  /** Variables in order: each query sees the variables before it. */
  private async resolveVariables(): Promise<void> {
    const { start, end } = this.range();
    for (const v of this.vars) {
      const { variable } = v;
      v.error = undefined;
      const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
      try {
        if (variable.type === 'query') {
          const q = parseVariableQuery(interpolate(query, this.scope(start, end, 60)));
          const raw =
            q.kind === 'label_values'
              ? await labelValues(q.label, q.match, start, end)
              : q.kind === 'label_names'
                ? await labelNames(q.match, start, end)
                : q.kind === 'query_result'
                  ? await instantValues(q.expr, end)
                  : [];
          if (q.kind === 'unsupported') v.error = `unsupported variable query: ${q.query}`;
          const re = variable.regex ? safeRegex(variable.regex) : undefined;
          v.options = sortOptions(re ? raw.filter((x) => re.test(x)) : raw, variable.sort ?? 0);
        } else if (variable.type === 'custom') {
          v.options = query
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
        } else if (variable.type === 'constant' || variable.type === 'textbox') {
          v.options = [query];
        } else {
          v.options = [];
        }
      } catch (err) {
        v.options = [];
        v.error = (err as Error).message;
      }
      if (variable.type === 'datasource') continue;
      const valid = v.selected.filter((s) => s === ALL || v.options.includes(s));
      v.selected = valid.length
        ? valid
        : variable.includeAll && !v.options.length
          ? [ALL]
          : v.options[0] !== undefined
            ? [v.options[0]]
            : [];
    }
  }

  private scope(start: number, end: number, step: number): Scope {
    const scope: Scope = {};
    for (const v of this.vars) {
      if (v.variable.type === 'datasource') {
        // One datasource here: the Prometheus behind the proxy.
        scope[v.variable.name] = 'prometheus';
        continue;
      }
      scope[v.variable.name] = {
        values: v.selected,
        options: v.options,
        ...(v.variable.allValue ? { allValue: v.variable.allValue } : {}),
        regex: Boolean(v.variable.multi || v.variable.includeAll),
      };
    }
    const range = Math.max(1, Math.round(end - start));
    const rate = rateInterval(step, this.scrapeSeconds);
    Object.assign(scope, {
      __interval: formatDuration(step),
      __interval_ms: String(step * 1000),
      __rate_interval: formatDuration(rate),
      __range: `${range}s`,
      __range_s: String(range),
      __range_ms: String(range * 1000),
    });
    return scope;
  }

  private renderToolbar(): void {
    const d = this.dashboard as Dashboard;
    const picker = el('select', 'dashboard-picker');
    picker.setAttribute('aria-label', 'Dashboard');
    for (const entry of this.list) {
      const o = el('option', undefined, entry.title);
      o.value = entry.uid;
      o.selected = entry.uid === d.uid;
      picker.append(o);
    }
    picker.addEventListener('change', () => {
      const entry = this.list.find((x) => x.uid === picker.value);
      if (entry) void this.open(entry, new URLSearchParams());
    });

    const vars = el('div', 'variables');
    for (const v of this.vars) {
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
          this.syncUrl();
          void this.run();
        });
      }
      label.append(select);
      vars.append(label);
    }

    const time = el('select', 'time-picker');
    time.setAttribute('aria-label', 'Time range');
    const ranges = TIME_RANGES.some(([f]) => f === this.from) ? TIME_RANGES : [[this.from, this.from], ...TIME_RANGES];
    for (const [value, text] of ranges) {
      const o = el('option', undefined, text);
      o.value = value as string;
      o.selected = value === this.from;
      time.append(o);
    }
    time.addEventListener('change', async () => {
      this.from = time.value;
      this.to = 'now';
      await this.resolveVariables();
      this.renderToolbar();
      this.syncUrl();
      await this.run();
    });

    const refresh = el('select', 'refresh-picker');
    refresh.setAttribute('aria-label', 'Auto refresh');
    const intervals = d.timepicker?.refresh_intervals ?? DEFAULT_REFRESH_INTERVALS;
    for (const value of ['', ...new Set([...intervals, ...(this.refresh ? [this.refresh] : [])])]) {
      const o = el('option', undefined, value === '' ? 'Auto refresh off' : `Every ${value}`);
      o.value = value;
      o.selected = value === this.refresh;
      refresh.append(o);
    }
    refresh.addEventListener('change', () => {
      this.refresh = refresh.value;
      this.syncUrl();
      this.schedule();
    });

    const button = el('button', 'refresh-button', 'Refresh');
    button.addEventListener('click', () => void this.run());

    picker.title = d.description ?? '';
    const brand = el('span', 'brand', 'ghmon');
    this.toolbar.replaceChildren(brand, picker, vars, el('span', 'spacer'), this.status, time, refresh, button);
  }

  private syncUrl(): void {
    const d = this.dashboard;
    if (!d) return;
    const p = new URLSearchParams({ d: d.uid, from: this.from, to: this.to });
    if (this.refresh) p.set('refresh', this.refresh);
    for (const v of this.vars) {
      if (v.variable.type === 'datasource') continue;
      for (const s of v.selected) p.append(`var-${v.variable.name}`, s === ALL ? '$__all' : s);
    }
    history.replaceState(null, '', `?${p}`);
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const seconds = this.refresh ? durationSeconds(this.refresh) : undefined;
    if (seconds && seconds >= 1) this.timer = setInterval(() => void this.run(), seconds * 1000);
  }

  private mountPanels(): void {
    for (const p of this.panels) p.view.destroy?.();
    this.panels = [];
    this.grid.replaceChildren();
    for (const panel of flattenPanels(this.dashboard?.panels)) {
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
        this.grid.append(box);
        continue;
      }
      const body = el('div', 'panel-body');
      box.append(body);
      this.grid.append(box);
      const view = !isSupported(panel.type)
        ? placeholderView(box, body, panel)
        : panel.type === 'stat'
          ? statView(box, body, panel)
          : timeseriesView(box, body, panel);
      if (isSupported(panel.type)) setState(box, 'loading');
      this.panels.push({ panel, el: box, body, view });
    }
  }

  /** One refresh: the annotations, then every panel's queries, concurrently; a newer refresh wins. */
  async run(): Promise<void> {
    const generation = ++this.generation;
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    const { start, end } = this.range();
    const width = this.grid.clientWidth || 1200;
    this.status.textContent = 'Loading…';
    const annotations = await this.annotations(start, end, abort.signal).catch(() => []);
    await Promise.all(
      this.panels
        .filter((p) => isSupported(p.panel.type))
        .map(async (p) => {
          const g = p.panel.gridPos ?? { w: 12 };
          const maxPoints = p.panel.maxDataPoints ?? Math.max(50, Math.round((width * (g.w ?? 12)) / 24));
          const minStep = durationSeconds(p.panel.interval ?? '') ?? this.scrapeSeconds;
          const step = queryStep(end - start, maxPoints, minStep);
          const scope = this.scope(start, end, step);
          try {
            const series = await Promise.all(
              (p.panel.targets ?? [])
                .filter((t) => !t.hide && t.expr)
                .map(async (t) => {
                  const result: RangeSeries[] = await queryRange(
                    interpolate(t.expr as string, scope),
                    start,
                    end,
                    step,
                    abort.signal,
                  );
                  return result.map((r) => ({ name: renderLegend(t.legendFormat, r.metric), values: r.values }));
                }),
            );
            if (generation !== this.generation) return;
            const data: PanelData = { series: series.flat(), start, end, step, annotations };
            p.view.update(data);
          } catch (err) {
            if (generation !== this.generation || (err as Error).name === 'AbortError') return;
            const box = el('div', 'panel-error', err instanceof QueryError ? err.message : String(err));
            p.body.replaceChildren(box);
            setState(p.el, 'error');
          }
        }),
    );
    if (generation === this.generation) {
      this.status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      this.root.dataset.refreshed = String(generation);
    }
  }

  /** Enabled Prometheus annotations as regions: where their query is above 0. */
  private async annotations(start: number, end: number, signal: AbortSignal): Promise<AnnotationRegion[]> {
    const list = (this.dashboard?.annotations?.list ?? []).filter((a: Annotation) => a.enable !== false && !a.builtIn);
    const out: AnnotationRegion[] = [];
    for (const a of list) {
      const expr = a.target?.expr ?? a.expr;
      if (!expr) continue;
      const step = durationSeconds(a.step ?? a.target?.interval ?? '') ?? 60;
      const series = await queryRange(interpolate(expr, this.scope(start, end, step)), start, end, step, signal);
      for (const s of series) {
        for (const r of activeRegions(s.values, step)) {
          out.push({
            ...r,
            title: renderLegend(a.titleFormat ?? '{{alertname}}', s.metric),
            text: renderLegend(a.textFormat ?? '', s.metric),
            color: a.iconColor ?? 'red',
          });
        }
      }
    }
    return out;
  }
}

function safeRegex(source: string): RegExp | undefined {
  try {
    const m = /^\/(.*)\/([gimsuy]*)$/.exec(source);
    return m ? new RegExp(m[1] as string, (m[2] as string).replace('g', '')) : new RegExp(source);
  } catch {
    return undefined;
  }
}
