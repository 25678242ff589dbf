/**
 * Grafana dashboards and provisioning: the seed's panels on the current schema, stable uids, variables,
 * annotations, a layout without overlaps, and every query through the contract check (clean output passes;
 * broken dashboards are seen to fail). The bytes themselves are golden files (build.test.ts, test/golden/).
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONTRACT_CHECK, checkContract } from '../src/checks/contract.ts';
import { loadConfig } from '../src/config/load.ts';
import { DASHBOARD_UID, GRAFANA, OUT, RECORD } from '../src/conventions.ts';
import { generate } from '../src/generate.ts';
import { serialiseAll } from '../src/generators/document.ts';
import {
  type DashboardJson,
  dashboardFile,
  grafanaDashboards,
  grafanaDocuments,
} from '../src/generators/grafana/index.ts';
import { buildModel, type Model } from '../src/model/model.ts';
import { dashboardQueries, variableExpr } from '../src/outdir/dashboards.ts';
import { substituteGrafanaVariables } from '../src/promql/grafana-vars.ts';
import { parsePromQL } from '../src/promql/parse.ts';
import { FIXTURES, GREYHAVEN_CONFIG } from './helpers.ts';

type Json = Record<string, unknown>;
interface PanelJson {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: string; uid: string };
  targets: { expr: string; legendFormat: string; refId: string; datasource: { uid: string } }[];
  fieldConfig: {
    defaults: {
      unit: string;
      thresholds: { steps: { value: number | null; color: string }[] };
      custom?: { thresholdsStyle?: { mode: string } };
    };
  };
  options: { legend?: { showLegend: boolean } };
}

const model = buildModel(await loadConfig(GREYHAVEN_CONFIG));
const files = generate(model);
const dashboards = grafanaDashboards(model);
const byUid = (uid: string) => dashboards.find((d) => d.uid === uid) as DashboardJson;
const panels = (d: DashboardJson) => d.panels as PanelJson[];
const panel = (d: DashboardJson, title: string) => panels(d).find((p) => p.title === title) as PanelJson;

/** Every key anywhere in a JSON value. */
function keys(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) keys(x, out);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.add(k);
      keys(x, out);
    }
  }
  return out;
}

describe('generated Grafana dashboards', () => {
  it('are written to grafana/dashboards/<uid>.json with stable uids, plus provisioning files', () => {
    expect(dashboards.map((d) => d.uid)).toEqual(Object.values(DASHBOARD_UID));
    for (const d of dashboards) {
      expect(d.uid.length).toBeLessThanOrEqual(40);
      expect(JSON.parse(files.get(dashboardFile(d.uid)) as string)).toEqual(d);
      expect(dashboardFile(d.uid)).toBe(`${OUT.grafanaDashboardsDir}/${d.uid}.json`);
    }
    expect(files.has(OUT.grafanaDatasourceProvisioning)).toBe(true);
    expect(files.has(OUT.grafanaDashboardProvisioning)).toBe(true);
    expect(OUT.grafanaDatasourceProvisioning).toMatch(/^grafana\/provisioning\/datasources\/.+\.yaml$/);
    expect(OUT.grafanaDashboardProvisioning).toMatch(/^grafana\/provisioning\/dashboards\/.+\.yaml$/);
  });

  it('use the current schema: schemaVersion 42, no graph panels, no legacy alert blocks', () => {
    for (const d of dashboards) {
      expect(d.schemaVersion).toBe(42);
      expect(
        panels(d)
          .map((p) => p.type)
          .every((t) => t === 'timeseries' || t === 'stat'),
      ).toBe(true);
      const all = keys(d);
      // The removed graph panel's y axes, and legacy panel alerts.
      for (const legacy of ['alert', 'yaxes', 'y_formats'])
        expect(all.has(legacy), `${d.uid} has "${legacy}"`).toBe(false);
      expect(JSON.stringify(d)).not.toMatch(/"type":\s*"graph"/);
    }
  });

  it("Golden Signals: the seed's four panels as timeseries, units reqps / percent / ms / percent, 200 ms threshold", () => {
    const g = byUid(DASHBOARD_UID.goldenSignals);
    const expected = [
      ['Request Rate (RPS)', 'reqps', [RECORD.rps], { x: 0, y: 0, w: 12, h: 8 }],
      ['Error Rate (%)', 'percent', [`${RECORD.errorsRate5m} * 100`], { x: 12, y: 0, w: 12, h: 8 }],
      [
        'Request Latency (ms)',
        'ms',
        [`${RECORD.durationP50} * 1000`, `${RECORD.durationP95} * 1000`, `${RECORD.durationP99} * 1000`],
        { x: 0, y: 8, w: 12, h: 8 },
      ],
      [
        'Resource Saturation',
        'percent',
        [RECORD.cpuUsagePercent, RECORD.memoryUsagePercent],
        { x: 12, y: 8, w: 12, h: 8 },
      ],
    ] as const;
    expect(panels(g)).toHaveLength(4);
    for (const [title, unit, exprs, gridPos] of expected) {
      const p = panel(g, title);
      expect(p.type).toBe('timeseries');
      expect(p.fieldConfig.defaults.unit).toBe(unit);
      expect(p.targets.map((t) => t.expr)).toEqual(exprs);
      expect(p.gridPos).toEqual(gridPos);
      expect(p.options.legend?.showLegend).toBe(true);
    }
    expect(panel(g, 'Request Rate (RPS)').targets[0]?.legendFormat).toBe('Requests/sec');
    expect(panel(g, 'Error Rate (%)').targets[0]?.legendFormat).toBe('Error %');
    expect(panel(g, 'Request Latency (ms)').targets.map((t) => t.legendFormat)).toEqual([
      'p50 {{service}}',
      'p95 {{service}}',
      'p99 {{service}}',
    ]);
    const latency = panel(g, 'Request Latency (ms)').fieldConfig.defaults;
    expect(latency.thresholds.steps).toContainEqual({ value: 200, color: 'red' });
    expect(latency.custom?.thresholdsStyle?.mode).toBe('dashed');
    // The seed's legacy panel alert (error % > 1) is now a threshold line; the alert is a Prometheus rule.
    expect(panel(g, 'Error Rate (%)').fieldConfig.defaults.thresholds.steps).toContainEqual({ value: 1, color: 'red' });
  });

  it('every panel and query reads Prometheus through the $datasource variable, which defaults to the provisioned uid', () => {
    for (const d of dashboards) {
      const vars = (d.templating as { list: Json[] }).list;
      const ds = vars.find((v) => v.name === GRAFANA.datasourceVariable) as Json;
      expect(ds.type).toBe('datasource');
      expect(ds.query).toBe('prometheus');
      expect((ds.current as Json).value).toBe(GRAFANA.datasourceUid);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's ${var} syntax, not a JS template
      const ref = '${datasource}';
      for (const p of panels(d)) {
        expect(p.datasource).toEqual({ type: 'prometheus', uid: ref });
        for (const t of p.targets) expect(t.datasource.uid).toBe(ref);
      }
    }
  });

  it('the per-service dashboards have a service variable from label_values, filtering every service query', () => {
    for (const uid of [DASHBOARD_UID.serviceOverview, DASHBOARD_UID.slo, DASHBOARD_UID.saturation]) {
      const d = byUid(uid);
      const v = (d.templating as { list: Json[] }).list.find((x) => x.name === GRAFANA.serviceVariable) as Json;
      expect(v.type).toBe('query');
      expect(v.query).toBe(`label_values(${RECORD.requestsRate5mByService}, service)`);
      expect(v.includeAll).toBe(true);
      expect(v.allValue).toBe('.+');
      expect((v.current as Json).value).toBe('api');
    }
    const overview = byUid(DASHBOARD_UID.serviceOverview);
    for (const p of panels(overview)) {
      for (const t of p.targets) expect(t.expr, `${p.title}`).toContain('service=~"$service"');
    }
  });

  it('SLO dashboard: SLI, error budget remaining and burn rates from the SLO recording rules', () => {
    const exprs = panels(byUid(DASHBOARD_UID.slo)).flatMap((p) => p.targets.map((t) => t.expr));
    const all = exprs.join('\n');
    expect(all).toContain('greyhaven:slo:error_budget_remaining:ratio{service=~"$service"}');
    expect(all).toContain('greyhaven:slo:objective_ratio{service=~"$service"}');
    for (const w of ['5m', '30m', '1h', '6h', '2h', '1d', '3d']) {
      expect(all).toContain(`greyhaven:slo_errors:ratio_rate${w}{service=~"$service"}`);
    }
    expect(panels(byUid(DASHBOARD_UID.slo)).map((p) => p.title)).toEqual(
      expect.arrayContaining(['SLI over the SLO window', 'Error budget remaining', 'Burn rate: paging windows']),
    );
  });

  it('saturation: CPU, memory and DB pool', () => {
    const all = panels(byUid(DASHBOARD_UID.saturation))
      .flatMap((p) => p.targets.map((t) => t.expr))
      .join('\n');
    for (const r of [RECORD.cpuUsagePercent, RECORD.memoryUsagePercent, RECORD.dbPoolSaturation])
      expect(all).toContain(r);
  });

  it('firing alerts are annotations on every dashboard (not the Watchdog)', () => {
    for (const d of dashboards) {
      const list = (d.annotations as { list: Json[] }).list;
      expect(list).toHaveLength(1);
      const a = list[0] as Json;
      expect(a.enable).toBe(true);
      expect(a.expr).toMatch(/^ALERTS\{alertstate="firing",severity=~"critical\|warning"/);
      expect((a.target as Json).expr).toBe(a.expr);
      expect(a.titleFormat).toBe('{{alertname}}');
    }
  });

  it('lays panels out on the 24-column grid without overlaps, with unique ids', () => {
    for (const d of dashboards) {
      const cells = new Set<string>();
      const ids = panels(d).map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of panels(d)) {
        const { x, y, w, h } = p.gridPos;
        expect(x + w, `${d.uid} ${p.title}`).toBeLessThanOrEqual(24);
        for (let i = x; i < x + w; i++) {
          for (let j = y; j < y + h; j++) {
            const key = `${i},${j}`;
            expect(cells.has(key), `${d.uid}: ${p.title} overlaps at ${key}`).toBe(false);
            cells.add(key);
          }
        }
      }
    }
  });

  it('builds fresh every time: output never shares state with an earlier build', () => {
    const a = grafanaDashboards(model);
    const snapshot = JSON.stringify(a);
    const first = a[0] as DashboardJson;
    (panels(first)[0] as PanelJson).targets.push({ expr: 'mutated' } as never);
    first.title = 'mutated';
    const b = grafanaDashboards(model);
    expect(JSON.stringify(b)).toBe(snapshot);
  });

  it('provisions a Prometheus datasource with a stable uid, its URL from the config, and a file provider', () => {
    const ds = parse(files.get(OUT.grafanaDatasourceProvisioning) as string);
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources).toEqual([
      expect.objectContaining({
        name: GRAFANA.datasourceName,
        type: 'prometheus',
        uid: GRAFANA.datasourceUid,
        access: 'proxy',
        url: 'http://localhost:9090',
        isDefault: true,
      }),
    ]);
    expect(ds.datasources[0].jsonData.timeInterval).toBe('15s');
    const other: Model = { ...model, prometheusTargets: ['prometheus:9090'] };
    expect(
      parse(serialiseAll(grafanaDocuments(other)).get(OUT.grafanaDatasourceProvisioning) as string).datasources[0].url,
    ).toBe('http://prometheus:9090');
    const providers = parse(files.get(OUT.grafanaDashboardProvisioning) as string);
    expect(providers.providers).toEqual([
      expect.objectContaining({
        name: GRAFANA.tag,
        type: 'file',
        folderUid: GRAFANA.folderUid,
        allowUiUpdates: false,
        options: { path: GRAFANA.dashboardsPath, foldersFromFilesStructure: false },
      }),
    ]);
  });

  it('follows the config: another config gives its own services and thresholds', async () => {
    const m = buildModel(await loadConfig(`${FIXTURES}minimal.config.ts`));
    const d = grafanaDashboards(m);
    expect(d.map((x) => x.uid)).toEqual(Object.values(DASHBOARD_UID));
    const overview = d[1] as DashboardJson;
    const v = (overview.templating as { list: Json[] }).list.find((x) => x.name === 'service') as Json;
    expect((v.current as Json).value).toBe(m.services[0]?.name);
  });
});

describe('dashboard queries through the contract check', () => {
  const ruleFiles = [...files]
    .filter(([p]) => p.startsWith(`${OUT.rulesDir}/`))
    .map(([path, content]) => ({ path, content }));
  const prometheusConfig = files.get(OUT.prometheusConfig) as string;
  const dashboardInputs = [...files]
    .filter(([p]) => p.startsWith(`${OUT.grafanaDashboardsDir}/`))
    .map(([p, c]) => dashboardQueries(p, c));

  it('reads every panel target, annotation and variable query from the files', () => {
    const queries = dashboardInputs.flatMap((d) => d.queries);
    const targets = dashboards.flatMap((d) => panels(d).flatMap((p) => p.targets));
    expect(dashboardInputs.flatMap((d) => d.problems)).toEqual([]);
    expect(queries.filter((q) => q.where.startsWith('panel')).length).toBe(targets.length);
    expect(queries.filter((q) => q.where.startsWith('annotation')).length).toBe(dashboards.length);
    expect(queries.filter((q) => q.where.startsWith('variable')).length).toBe(3);
  });

  it('every query parses as PromQL (Grafana variables substituted)', () => {
    for (const q of dashboardInputs.flatMap((d) => d.queries)) {
      const parsed = parsePromQL(substituteGrafanaVariables(q.expr));
      expect(parsed.error, `${q.file} ${q.where}: ${q.expr}`).toBeUndefined();
    }
  });

  it('every query passes the contract check', () => {
    const queries = dashboardInputs.flatMap((d) => d.queries);
    expect(queries.length).toBeGreaterThan(40);
    expect(checkContract(ruleFiles, queries, { prometheusConfig })).toEqual([]);
  });

  it('fails on an unknown recording rule, an unknown label in a variable, and a file that is not JSON', () => {
    const g = structuredClone(byUid(DASHBOARD_UID.goldenSignals));
    (panels(g)[0] as PanelJson).targets[0] = {
      ...(panels(g)[0]?.targets[0] as PanelJson['targets'][0]),
      expr: 'greyhaven:http_rpz',
    };
    const list = (g.templating as { list: Json[] }).list;
    list.push({ type: 'query', name: 'team', query: `label_values(${RECORD.rps}, team)` });
    const broken = dashboardQueries('grafana/dashboards/broken.json', JSON.stringify(g));
    const findings = checkContract(ruleFiles, broken.queries, { prometheusConfig });
    expect(findings.map((f) => [f.check, f.rule])).toEqual([
      [CONTRACT_CHECK.undefinedRecordingRule, 'panel "Request Rate (RPS)" query A'],
      [CONTRACT_CHECK.unknownLabel, 'variable "$team"'],
    ]);
    expect(findings[0]?.message).toContain('did you mean "greyhaven:http_rps"');
    const notJson = dashboardQueries('grafana/dashboards/x.json', '{"panels": [');
    expect(notJson.problems).toEqual([
      { file: 'grafana/dashboards/x.json', message: expect.stringMatching(/^dashboard is not valid JSON: /) },
    ]);
  });

  it('turns Grafana variable queries into PromQL', () => {
    expect(variableExpr('label_values(up{job="x"}, instance)')).toBe('count by (instance) (up{job="x"})');
    expect(variableExpr('query_result(topk(5, up))')).toBe('topk(5, up)');
    expect(variableExpr('label_names()')).toBeUndefined();
    expect(variableExpr('label_values(instance)')).toBeUndefined();
  });
});
