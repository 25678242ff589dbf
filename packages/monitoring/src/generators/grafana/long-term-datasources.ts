/**
 * With `longTerm`, Grafana gets a second Prometheus-type datasource: the long-term store's query API. Every
 * generated dashboard reads its datasource from the `$datasource` variable, which lists all Prometheus-type
 * datasources, so any dashboard can be switched to the long-term store (months of data instead of `retention`).
 */
import type { Model } from '../../model/model.ts';

export const LONG_TERM_DATASOURCE = { uid: 'ghmon-long-term', name: 'Long-term store (ghmon)' } as const;

export function longTermDatasources(model: Model) {
  if (model.longTerm === undefined) return [];
  return [
    {
      name: LONG_TERM_DATASOURCE.name,
      type: 'prometheus',
      uid: LONG_TERM_DATASOURCE.uid,
      access: 'proxy',
      url: model.longTerm.queryUrl,
      isDefault: false,
      editable: false,
      jsonData: { httpMethod: 'POST', timeInterval: model.scrapeInterval },
    },
  ];
}
