/**
 * Panel, variable and annotation helpers over the Grafana foundation SDK. The SDK's builders return their own
 * internal state from build() (reusing a builder would mutate dashboards built earlier), so every helper makes
 * fresh builders, and `finish` turns a built dashboard into a plain, key-sorted JSON value that shares nothing.
 */
import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueTextMode,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  TooltipDisplayMode,
  VisibilityMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  AnnotationQueryBuilder,
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  FieldColorBuilder,
  FieldColorModeId,
  type GridPos,
  QueryVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  TimePickerBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { GRAFANA, LABEL, SEVERITY } from '../../conventions.ts';

/** A dashboard as written to out/grafana/dashboards/<uid>.json. */
export type DashboardJson = Record<string, unknown> & { uid: string; title: string };

/** Every panel and variable queries Prometheus through the `$datasource` variable. */
export const DATASOURCE = { type: 'prometheus', uid: `\${${GRAFANA.datasourceVariable}}` } as const;

/** `$service` in a label matcher: `=~` so that the variable's All value (`.+`) matches every service. */
export const SERVICE_MATCHER = `${LABEL.service}=~"$${GRAFANA.serviceVariable}"`;

export interface Query {
  expr: string;
  /** Grafana legendFormat: `{{label}}` is replaced by the series' label value. */
  legend: string;
}

export interface Threshold {
  value: number;
  color: string;
}

interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  grid: GridPos;
  queries: Query[];
  /** Steps above the base color (green); drawn as lines on time series. */
  thresholds?: Threshold[];
  min?: number;
  max?: number;
  decimals?: number;
}

function thresholds(steps: Threshold[] = [], base = 'green'): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps([{ value: null, color: base }, ...steps.map((s) => ({ value: s.value, color: s.color }))]);
}

function targets(queries: Query[]): DataqueryBuilder[] {
  return queries.map((q, i) =>
    new DataqueryBuilder()
      .datasource(DATASOURCE)
      .expr(q.expr)
      .legendFormat(q.legend)
      .range()
      .refId(String.fromCharCode(65 + i)),
  );
}

export function timeseriesPanel(spec: PanelSpec): timeseries.PanelBuilder {
  const b = new timeseries.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .gridPos(spec.grid)
    .unit(spec.unit)
    .targets(targets(spec.queries))
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.PaletteClassic))
    .thresholds(thresholds(spec.thresholds))
    .thresholdsStyle(
      new GraphThresholdsStyleConfigBuilder().mode(
        spec.thresholds?.length ? GraphThresholdsStyleMode.Dashed : GraphThresholdsStyleMode.Off,
      ),
    )
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(VisibilityMode.Never)
    .spanNulls(false)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom)
        .calcs([]),
    )
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending));
  if (spec.min !== undefined) b.min(spec.min);
  if (spec.max !== undefined) b.max(spec.max);
  if (spec.decimals !== undefined) b.decimals(spec.decimals);
  return b;
}

export function statPanel(spec: PanelSpec & { baseColor?: string }): stat.PanelBuilder {
  const b = new stat.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .gridPos(spec.grid)
    .unit(spec.unit)
    .targets(targets(spec.queries))
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Thresholds))
    .thresholds(thresholds(spec.thresholds, spec.baseColor))
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .colorMode(BigValueColorMode.Value)
    .graphMode(BigValueGraphMode.Area)
    .textMode(BigValueTextMode.Auto);
  if (spec.min !== undefined) b.min(spec.min);
  if (spec.max !== undefined) b.max(spec.max);
  if (spec.decimals !== undefined) b.decimals(spec.decimals);
  return b;
}

export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder(GRAFANA.datasourceVariable)
    .label('Data source')
    .type('prometheus')
    .current({ selected: true, text: GRAFANA.datasourceName, value: GRAFANA.datasourceUid });
}

/** The `service` variable: values of the `service` label on the per-service request rate. */
export function serviceVariable(metric: string, first: string | undefined): QueryVariableBuilder {
  const query = `label_values(${metric}, ${LABEL.service})`;
  const b = new QueryVariableBuilder(GRAFANA.serviceVariable)
    .label('Service')
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(false)
    .includeAll(true)
    .allValue('.+');
  if (first !== undefined) b.current({ selected: true, text: first, value: first });
  return b;
}

/**
 * Firing alerts as annotations: one region per alert while `ALERTS{alertstate="firing"}` is 1, for alerts that
 * page or open a ticket (not the always-firing Watchdog). The query sits
 * in `target` (where Grafana's Prometheus annotation editor keeps it) and, for older Grafana, also in `expr`.
 */
export function firingAlertsAnnotation(selector: string): AnnotationQueryBuilder {
  const expr = `ALERTS{alertstate="firing",${LABEL.severity}=~"${SEVERITY.critical}|${SEVERITY.warning}"${selector ? `,${selector}` : ''}}`;
  return new AnnotationQueryBuilder()
    .name('Firing alerts')
    .datasource(DATASOURCE)
    .enable(true)
    .hide(false)
    .iconColor('red')
    .target(new DataqueryBuilder().expr(expr).refId('Anno').interval('1m'))
    .expr(expr)
    .step('1m')
    .titleFormat('{{alertname}}')
    .textFormat(`{{${LABEL.severity}}} {{${LABEL.service}}}`)
    .tagKeys(`alertname,${LABEL.severity},${LABEL.service}`)
    .useValueForTime(false);
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: (DatasourceVariableBuilder | QueryVariableBuilder)[];
  annotation: AnnotationQueryBuilder;
  panels: (timeseries.PanelBuilder | stat.PanelBuilder)[];
}

export function dashboard(spec: DashboardSpec): DashboardJson {
  const b = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([GRAFANA.tag, ...spec.tags])
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .timepicker(new TimePickerBuilder().refreshIntervals(['10s', '30s', '1m', '5m', '15m']))
    .readonly()
    .variables(spec.variables)
    .annotation(spec.annotation);
  spec.panels.forEach((p, i) => {
    p.id(i + 1);
    b.withPanel(p);
  });
  return finish(b.build());
}

/** A plain JSON copy with keys sorted at every level (as Grafana's own export), sharing nothing with the SDK. */
export function finish(d: Dashboard): DashboardJson {
  return sortKeys(JSON.parse(JSON.stringify(d))) as DashboardJson;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, sortKeys(x)]),
    );
  }
  return v;
}

/** Grid helper: Grafana's grid is 24 columns wide; a row unit is 30px. */
export function grid(x: number, y: number, w: number, h: number): GridPos {
  return { x, y, w, h };
}
