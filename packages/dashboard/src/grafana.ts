/**
 * The part of Grafana's dashboard JSON model (schemaVersion 42) this viewer reads. Everything else in the file is
 * ignored; a panel type it does not draw gets a placeholder.
 */
export interface DataSourceRef {
  type?: string;
  uid?: string;
}

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Target {
  refId?: string;
  expr?: string;
  legendFormat?: string;
  hide?: boolean;
  instant?: boolean;
  interval?: string;
}

export interface ThresholdStep {
  value: number | null;
  color: string;
}

export interface FieldDefaults {
  unit?: string;
  decimals?: number;
  min?: number;
  max?: number;
  thresholds?: { mode?: 'absolute' | 'percentage'; steps?: ThresholdStep[] };
  custom?: { thresholdsStyle?: { mode?: string }; fillOpacity?: number; lineWidth?: number };
  color?: { mode?: string };
}

export interface Panel {
  id?: number;
  type: string;
  title?: string;
  description?: string;
  gridPos?: GridPos;
  datasource?: DataSourceRef;
  targets?: Target[];
  fieldConfig?: { defaults?: FieldDefaults };
  options?: {
    legend?: { showLegend?: boolean; displayMode?: string; placement?: string };
    graphMode?: string;
    colorMode?: string;
    textMode?: string;
    reduceOptions?: { calcs?: string[] };
  };
  collapsed?: boolean;
  /** Panels of a collapsed row. */
  panels?: Panel[];
  interval?: string;
  maxDataPoints?: number;
}

export interface VariableOption {
  text: string | string[];
  value: string | string[];
  selected?: boolean;
}

export interface Variable {
  type: string;
  name: string;
  label?: string;
  query?: string | { query?: string };
  definition?: string;
  current?: VariableOption;
  options?: VariableOption[];
  includeAll?: boolean;
  allValue?: string;
  multi?: boolean;
  sort?: number;
  hide?: number;
  regex?: string;
}

export interface Annotation {
  name?: string;
  enable?: boolean;
  hide?: boolean;
  iconColor?: string;
  datasource?: DataSourceRef;
  expr?: string;
  step?: string;
  target?: { expr?: string; interval?: string };
  titleFormat?: string;
  textFormat?: string;
  builtIn?: number;
}

export interface Dashboard {
  uid: string;
  title: string;
  description?: string;
  tags?: string[];
  time?: { from: string; to: string };
  refresh?: string;
  timepicker?: { refresh_intervals?: string[] };
  templating?: { list?: Variable[] };
  annotations?: { list?: Annotation[] };
  panels?: Panel[];
  schemaVersion?: number;
}

/** What the server lists at /dashboards/. */
export interface DashboardListEntry {
  uid: string;
  title: string;
  file: string;
  tags: string[];
}

/** Panel types drawn here; anything else gets a placeholder. */
export const SUPPORTED_PANEL_TYPES = ['timeseries', 'stat', 'row'] as const;

export function isSupported(type: string): boolean {
  return (SUPPORTED_PANEL_TYPES as readonly string[]).includes(type);
}

/** Panels in layout order, rows' collapsed children after their row. */
export function flattenPanels(panels: readonly Panel[] = []): Panel[] {
  return panels.flatMap((p) => (p.type === 'row' && p.collapsed ? [p, ...(p.panels ?? [])] : [p]));
}
