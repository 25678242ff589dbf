/**
 * The viewer's controller: picks a dashboard from the server's list, resolves its template variables against
 * Prometheus, lays its panels out, queries `/api/v1/query_range` for every target, and redraws on a time range
 * change, a variable change, the refresh button or the auto-refresh interval. It holds the state; the URL
 * (`url-state.ts`), the toolbar (`toolbar.ts`), the grid (`grid.ts`) and the query plans (`query-plan.ts`) are
 * drawn or derived from it.
 */
import { el } from './dom.ts';
import { type Dashboard, type DashboardListEntry, isSupported } from './grafana.ts';
import { type MountedPanel, mountPanels } from './grid.ts';
import { renderLegend } from './legend.ts';
import { type AnnotationRegion, type PanelData, setState } from './panels/common.ts';
import { QueryError, queryRange, type RangeSeries, scrapeIntervalSeconds } from './prometheus.ts';
import { planAnnotations, planPanel } from './query-plan.ts';
import { activeRegions } from './series.ts';
import { durationSeconds, resolveTime } from './time.ts';
import { renderToolbar } from './toolbar.ts';
import { readViewState, requestedUid, writeViewState } from './url-state.ts';
import { resolveVariables, type VariableState } from './variable-state.ts';

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
    const uid = requestedUid(params) ?? this.list[0]?.uid;
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
    const state = readViewState(params, d);
    this.from = state.from;
    this.to = state.to;
    this.refresh = state.refresh;
    this.vars = (d.templating?.list ?? []).map((variable, i) => ({
      variable,
      options: [],
      selected: state.selected[i] ?? [],
    }));
    this.root.dataset.dashboard = d.uid;
    for (const p of this.panels) p.view.destroy?.();
    this.panels = mountPanels(this.grid, d.panels);
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
    await resolveVariables(this.vars, start, end, this.scrapeSeconds);
  }

  private renderToolbar(): void {
    renderToolbar(
      this.toolbar,
      {
        list: this.list,
        dashboard: this.dashboard as Dashboard,
        vars: this.vars,
        from: this.from,
        refresh: this.refresh,
        status: this.status,
      },
      {
        open: (entry) => void this.open(entry, new URLSearchParams()),
        variableChanged: () => {
          this.syncUrl();
          void this.run();
        },
        timeRange: async (from) => {
          this.from = from;
          this.to = 'now';
          await this.resolveVariables();
          this.renderToolbar();
          this.syncUrl();
          await this.run();
        },
        autoRefresh: (interval) => {
          this.refresh = interval;
          this.syncUrl();
          this.schedule();
        },
        refreshNow: () => void this.run(),
      },
    );
  }

  private syncUrl(): void {
    const d = this.dashboard;
    if (!d) return;
    const state = {
      uid: d.uid,
      from: this.from,
      to: this.to,
      refresh: this.refresh,
      selected: this.vars.map((v) => v.selected),
    };
    history.replaceState(null, '', `?${writeViewState(state, d)}`);
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const seconds = this.refresh ? durationSeconds(this.refresh) : undefined;
    if (seconds && seconds >= 1) this.timer = setInterval(() => void this.run(), seconds * 1000);
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
          const { step, queries } = planPanel(p.panel, {
            start,
            end,
            width,
            scrapeSeconds: this.scrapeSeconds,
            vars: this.vars,
          });
          try {
            const series = await Promise.all(
              queries.map(async (q) => {
                const result: RangeSeries[] = await queryRange(q.expr, start, end, step, abort.signal);
                return result.map((r) => ({ name: renderLegend(q.legendFormat, r.metric), values: r.values }));
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
    const plans = planAnnotations(this.dashboard, { start, end, scrapeSeconds: this.scrapeSeconds, vars: this.vars });
    const out: AnnotationRegion[] = [];
    for (const { annotation: a, expr, step } of plans) {
      const series = await queryRange(expr, start, end, step, signal);
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
