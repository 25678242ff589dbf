/** Grafana's legendFormat: `{{label}}` becomes the series' label value; empty or `__auto` is the series itself. */
export function seriesName(metric: Record<string, string>): string {
  const { __name__: name, ...labels } = metric;
  const inner = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
  if (!inner) return name ?? '{}';
  return `${name ?? ''}{${inner}}`;
}

export function renderLegend(format: string | undefined, metric: Record<string, string>): string {
  if (format === undefined || format.trim() === '' || format === '__auto') return seriesName(metric);
  return format.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, label: string) => metric[label] ?? '').trim();
}
