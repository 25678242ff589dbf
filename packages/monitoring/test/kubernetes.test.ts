/**
 * out/kubernetes/: the seed's settings in values.yaml, every key of it known to the chart, every object valid
 * against its CRD schema, the rules inside each PrometheusRule through promtool, the release label against the
 * chart's selector semantics, dashboards for the Grafana sidecar, no secret value anywhere in out/ — and each
 * kubernetes/* check seen to fail on deliberately broken output.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { CHECKS, runChecks } from '../src/checks/index.ts';
import { FREE_FORM, valueProblems } from '../src/checks/kubernetes-values.ts';
import { chartDefaults, chartValues, effectiveValues } from '../src/checks/lib/kubernetes.ts';
import { crdValidator, re2RegExp, schemaErrors, structural } from '../src/checks/lib/kubernetes-crd.ts';
import { validateConfig } from '../src/config/load.ts';
import type { MonitoringInput } from '../src/config/schema.ts';
import { OUT } from '../src/conventions.ts';
import { generate, generateDocuments } from '../src/generate.ts';
import { alertmanagerConfig } from '../src/generators/alertmanager/config.ts';
import { serialiseAll, textDocument } from '../src/generators/document.ts';
import { kubernetesDocuments } from '../src/generators/kubernetes/index.ts';
import type { NetworkPolicy } from '../src/generators/kubernetes/network-policies.ts';
import { inClusterModel } from '../src/generators/kubernetes/secrets.ts';
import { prometheusConfig } from '../src/generators/prometheus/config/prometheus-yml.ts';
import {
  ALERTMANAGER_SECRETS_DIR,
  CHART,
  DASHBOARD_SIDECAR_LABEL,
  DATASOURCE_UID,
  RELEASE_LABEL,
} from '../src/model/chart.ts';
import { buildModel, type Model } from '../src/model/model.ts';
import { formatFinding } from '../src/util/finding.ts';
import { chartSelector, getPath, helmMerge, selectorMatches } from '../src/util/helm.ts';
import { writeOutput } from '../src/util/write.ts';
import { GREYHAVEN_CONFIG, ghmon, REPO_ROOT, readTree, tempDir } from './helpers.ts';

vi.setConfig({ testTimeout: 60_000 });

const KUBERNETES_CHECKS = CHECKS.filter((c) => c.id.startsWith('kubernetes/'));
const svc = { name: 'demo', runtime: 'typescript' as const, scrape: { targets: ['127.0.0.1:8080'] } };

/** Every optional feature: a push service, a dead man's switch with a token, a custom release and namespace. */
const FULL: MonitoringInput = {
  environment: 'staging',
  services: [
    {
      name: 'web',
      runtime: 'typescript',
      scrape: { targets: ['web.shop.svc:8080'], interval: '30s' },
      kubernetes: { namespace: 'shop', selector: { app: 'web', tier: 'frontend' }, port: 'metrics' },
      labels: { team: 'shop' },
    },
    { name: 'edge', runtime: 'workers', push: { protocol: 'remote-write' } },
    { name: 'api', runtime: 'workers', scrape: { targets: ['api.example.com:443'], scheme: 'https' } },
    {
      name: 'legacy',
      runtime: 'python',
      scrape: { targets: ['10.0.0.5:8000'] },
      kubernetes: { discovery: 'static' },
    },
  ],
  routing: { deadMansSwitch: { url: 'https://heartbeat.example.com/ping', bearerTokenFile: '/etc/secrets/hb' } },
  kubernetes: { namespace: 'observability', releaseName: 'kps', grafanaPersistenceSize: '20Gi' },
  longTerm: {
    remoteWrite: { url: 'https://vm.example.com/api/v1/write', bearerTokenFile: '/etc/secrets/long-term-token' },
  },
};

function model(input: MonitoringInput): Model {
  return buildModel(validateConfig(input));
}

/** Builds a config into a fresh out/ directory (optionally with extra generated files, e.g. dashboards). */
function built(input: MonitoringInput, extra: Record<string, string> = {}): string {
  const m = model(input);
  const files = generate(m);
  if (Object.keys(extra).length > 0) {
    const docs = [...generateDocuments(m), ...Object.entries(extra).map(([p, c]) => textDocument(p, c))];
    for (const [p, c] of Object.entries(extra)) files.set(p, c);
    for (const [p, c] of serialiseAll(kubernetesDocuments(m, docs))) files.set(p, c);
  }
  const out = join(tempDir(), 'out');
  writeOutput(out, files);
  return out;
}

async function builtGreyhaven(): Promise<string> {
  const out = join(tempDir(), 'out');
  const r = await ghmon('build', '--config', GREYHAVEN_CONFIG, '--out', out);
  expect(r.code, r.err).toBe(0);
  return out;
}

const readYaml = (out: string, rel: string) => parse(readFileSync(join(out, rel), 'utf8'));

describe('config: kubernetes and compose sections', () => {
  const problems = (input: unknown) => {
    try {
      validateConfig(input);
      return [];
    } catch (err) {
      return [...((err as { problems?: string[] }).problems ?? [])];
    }
  };

  it('defaults to the seed: release prometheus in namespace monitoring, Grafana 10Gi, ghmon-* Secrets', () => {
    const m = model({ services: [svc] });
    expect(m.kubernetes).toEqual({
      namespace: 'monitoring',
      releaseName: 'prometheus',
      grafanaPersistenceSize: '10Gi',
      networkPolicy: { enabled: true, allowFrom: [] },
      secrets: {
        grafanaAdmin: { name: 'ghmon-grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' },
        pagerduty: { name: 'ghmon-pagerduty', pageKey: 'page-routing-key', ticketKey: 'ticket-routing-key' },
        deadMansSwitch: { name: 'ghmon-deadmans-switch', key: 'bearer-token' },
        longTerm: { name: 'ghmon-long-term', key: 'bearer-token' },
      },
    });
    expect(m.services[0]?.kubernetes).toEqual({
      discovery: 'serviceMonitor',
      namespace: 'default',
      selector: { 'app.kubernetes.io/name': 'demo' },
      port: 'http',
    });
    expect(model(FULL).services.map((s) => s.kubernetes?.discovery)).toEqual([
      'serviceMonitor',
      undefined,
      'static',
      'static',
    ]);
  });

  it.each<[string, unknown, string]>([
    [
      'a bad namespace',
      { kubernetes: { namespace: 'Monitoring' } },
      'kubernetes.namespace: expected a Kubernetes name',
    ],
    [
      'a misspelt secret field',
      { kubernetes: { secrets: { pagerduty: { nam: 'pd' } } } },
      'kubernetes.secrets.pagerduty.nam: unknown field',
    ],
    [
      'a bad Secret key',
      { kubernetes: { secrets: { pagerduty: { pageKey: 'a/b' } } } },
      'kubernetes.secrets.pagerduty.pageKey: expected a Secret key',
    ],
    [
      'a NetworkPolicy peer without selectors',
      { kubernetes: { networkPolicy: { allowFrom: [{}] } } },
      'kubernetes.networkPolicy.allowFrom[0]: expected namespaceLabels or podLabels',
    ],
    [
      'a bad size',
      { kubernetes: { grafanaPersistenceSize: '10GB' } },
      'kubernetes.grafanaPersistenceSize: expected a size',
    ],
    [
      'an unpinned image',
      { compose: { images: { grafana: 'grafana/grafana:latest' } } },
      'compose.images.grafana: expected a pinned tag',
    ],
    [
      'an image without a tag',
      { compose: { images: { prometheus: 'prom/prometheus' } } },
      'compose.images.prometheus: expected a pinned tag',
    ],
    [
      'a bad port name',
      { services: [{ ...svc, kubernetes: { port: 'HTTP' } }] },
      'services[0].kubernetes.port: expected a Service port name',
    ],
    [
      'a bad selector label',
      { services: [{ ...svc, kubernetes: { selector: { 'a b': 'x' } } }] },
      'services[0].kubernetes.selector',
    ],
    [
      'a push service with discovery',
      { services: [{ name: 'p', runtime: 'workers', push: { protocol: 'remote-write' }, kubernetes: {} }] },
      'services[0].kubernetes: a push service is not scraped',
    ],
    [
      'a selector on a static service',
      { services: [{ ...svc, kubernetes: { discovery: 'static', port: 'http' } }] },
      'services[0].kubernetes.port: only for discovery "serviceMonitor"',
    ],
  ])('reports %s with its field path', (_, extra, message) => {
    expect(problems({ services: [svc], ...(extra as object) }).join('\n')).toContain(message);
  });
});

describe('the vendored chart data', () => {
  const shared = join(REPO_ROOT, '../shared/data');
  it.skipIf(!existsSync(shared))(
    'is a verbatim copy of ../shared/data, or names its upstream in data/README.md',
    () => {
      const data = join(REPO_ROOT, 'packages/monitoring/data');
      const readme = readFileSync(join(data, 'README.md'), 'utf8');
      for (const f of readdirSync(data).filter((x) => /\.(yaml|json)$/.test(x) && x !== 'biome.json')) {
        // Files from other upstreams (VictoriaMetrics' charts): a README row with the repository at a commit.
        if (!existsSync(join(shared, f))) {
          expect(readme, f).toMatch(
            new RegExp(`\\| \`${f.replace(/[.]/g, '\\.')}\` \\| [\\w-]+/[\\w-]+@[0-9a-f]{40}|same commit`),
          );
          continue;
        }
        expect(readFileSync(join(data, f), 'utf8'), f).toBe(readFileSync(join(shared, f), 'utf8'));
      }
    },
  );

  it("agrees with the chart facts the generators use (sidecar label, secrets mount, selectors' defaults)", () => {
    const { kubePrometheusStack: kps, grafana } = chartValues();
    expect(getPath(kps, ['grafana', 'sidecar', 'dashboards', 'label'])).toBe(DASHBOARD_SIDECAR_LABEL.label);
    expect(getPath(kps, ['grafana', 'sidecar', 'dashboards', 'labelValue'])).toBe(DASHBOARD_SIDECAR_LABEL.labelValue);
    expect(getPath(kps, ['grafana', 'sidecar', 'dashboards', 'enabled'])).toBe(true);
    expect(getPath(kps, ['grafana', 'sidecar', 'datasources', 'uid'])).toBe(DATASOURCE_UID.prometheus);
    expect(getPath(kps, ['grafana', 'sidecar', 'datasources', 'alertmanager', 'uid'])).toBe(
      DATASOURCE_UID.alertmanager,
    );
    expect(getPath(kps, ['prometheus', 'prometheusSpec', 'ruleSelectorNilUsesHelmValues'])).toBe(true);
    expect(getPath(kps, ['prometheus', 'prometheusSpec', 'serviceMonitorSelectorNilUsesHelmValues'])).toBe(true);
    expect(getPath(grafana, ['admin', 'existingSecret'])).toBe('');
    const text = readFileSync(join(REPO_ROOT, 'packages/monitoring/data/kube-prometheus-stack-values.yaml'), 'utf8');
    expect(text).toContain(`The Secrets are mounted into ${ALERTMANAGER_SECRETS_DIR}/.`);
    expect(readFileSync(join(REPO_ROOT, 'packages/monitoring/data/README.md'), 'utf8')).toContain(
      `chart ${CHART.version}`,
    );
  });
});

describe('values.yaml', () => {
  it("a Worker scraped outside the cluster (the seed's job, opted out of workers/scraped) is an additional scrape job equal to prometheus.yml's", () => {
    const out = built({
      services: [
        {
          name: 'api',
          job: 'cloudflare-workers',
          runtime: 'workers',
          scrape: { targets: ['api.greyhaven.io:443'], scheme: 'https', metricsPath: '/metrics', singleInstance: true },
          labels: { team: 'platform' },
        },
      ],
    });
    const spec = readYaml(out, OUT.kubernetesValues).prometheus.prometheusSpec;
    // The seed's job, with the target labels out/prometheus/prometheus.yml attaches (the opt-out's among them).
    expect(spec.additionalScrapeConfigs).toEqual([
      {
        job_name: 'cloudflare-workers',
        scheme: 'https',
        metrics_path: '/metrics',
        // The metrics token, from the Secret mounted through prometheusSpec.secrets (config/scrape-auth.ts).
        authorization: { type: 'Bearer', credentials_file: '/etc/prometheus/secrets/ghmon-metrics-token-api/token' },
        static_configs: [
          {
            targets: ['api.greyhaven.io:443'],
            labels: { __ghmon_single_instance: 'true', runtime: 'workers', service: 'api', team: 'platform' },
          },
        ],
      },
    ]);
    const prom = readYaml(out, OUT.prometheusConfig);
    expect(spec.additionalScrapeConfigs[0]).toEqual(
      prom.scrape_configs.find((j: { job_name: string }) => j.job_name === 'cloudflare-workers'),
    );
    expect(spec.secrets).toEqual(['ghmon-metrics-token-api']);
  });

  it("carries the seed's settings, the Grafana password and PagerDuty keys from Secrets", async () => {
    const out = await builtGreyhaven();
    const v = readYaml(out, OUT.kubernetesValues);
    const spec = v.prometheus.prometheusSpec;
    expect(spec.retention).toBe('30d');
    expect(spec.scrapeInterval).toBe('15s');
    expect(spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).toBe('100Gi');
    // Grey Haven's `api` (Cloudflare Workers) pushes: no job outside the cluster, the remote-write receiver on.
    expect(spec.additionalScrapeConfigs).toBeUndefined();
    expect(spec.enableRemoteWriteReceiver).toBe(true);
    expect(v.grafana.persistence).toEqual({ enabled: true, size: '10Gi' });
    expect(v.grafana.admin).toEqual({
      existingSecret: 'ghmon-grafana-admin',
      userKey: 'admin-user',
      passwordKey: 'admin-password',
    });
    expect(v.grafana.adminPassword).toBeUndefined();
    expect(v.alertmanager.alertmanagerSpec.secrets).toEqual(['ghmon-pagerduty']);
    expect(spec.secrets).toEqual(['ghmon-metrics-token-backend']);
    const keys = v.alertmanager.config.receivers.flatMap((r: { pagerduty_configs?: { routing_key_file: string }[] }) =>
      (r.pagerduty_configs ?? []).map((p) => p.routing_key_file),
    );
    expect(keys).toEqual([
      '/etc/alertmanager/secrets/ghmon-pagerduty/page-routing-key',
      '/etc/alertmanager/secrets/ghmon-pagerduty/ticket-routing-key',
    ]);
  });

  it('holds the Alertmanager generator’s config, only with the mounted Secret paths', async () => {
    const out = await builtGreyhaven();
    const m = buildModel(validateConfig((await import(GREYHAVEN_CONFIG)).default));
    const v = readYaml(out, OUT.kubernetesValues);
    expect(v.alertmanager.config).toEqual(alertmanagerConfig(inClusterModel(m)));
    const plain = readYaml(out, OUT.alertmanagerConfig);
    const strip = (c: unknown) => JSON.stringify(c).replace(/"routing_key_file":"[^"]*"/g, '');
    expect(strip(v.alertmanager.config)).toBe(strip(plain));
  });

  it.each([
    ['Grey Haven', undefined],
    ['minimal', { services: [svc] }],
    ['every feature', FULL],
  ])('has only keys the chart knows (%s)', async (_, input) => {
    const out = input ? built(input) : await builtGreyhaven();
    expect(valueProblems(readYaml(out, OUT.kubernetesValues), chartDefaults())).toEqual([]);
  });

  it('turns on the remote-write receiver only for push services', () => {
    const get = (input: MonitoringInput) =>
      parse(generate(model(input)).get(OUT.kubernetesValues) ?? '').prometheus.prometheusSpec.enableRemoteWriteReceiver;
    expect(get({ services: [svc] })).toBeUndefined();
    expect(get(FULL)).toBe(true);
  });

  it('sends longTerm through the operator’s remoteWrite, field for field as prometheus.yml, the token from a Secret', () => {
    const spec = (input: MonitoringInput) =>
      parse(generate(model(input)).get(OUT.kubernetesValues) ?? '').prometheus.prometheusSpec;
    expect(spec({ services: [svc] }).remoteWrite).toBeUndefined();
    const [rw, ...rest] = spec(FULL).remoteWrite;
    expect(rest).toEqual([]);
    const [yml] = prometheusConfig(model(FULL)).remote_write ?? [];
    expect(yml).toBeDefined();
    expect(rw.url).toBe(yml?.url);
    expect(rw.name).toBe(yml?.name);
    expect(rw.remoteTimeout).toBe(yml?.remote_timeout);
    expect(rw.authorization).toEqual({ type: 'Bearer', credentials: { name: 'ghmon-long-term', key: 'bearer-token' } });
    expect(JSON.stringify(rw)).not.toContain('credentials_file');
    // Every queue setting of prometheus.yml, under the operator's name, with the same value.
    expect(Object.keys(rw.queueConfig)).toHaveLength(Object.keys(yml?.queue_config ?? {}).length);
    expect(rw.queueConfig).toMatchObject({
      capacity: yml?.queue_config.capacity,
      minShards: yml?.queue_config.min_shards,
      maxShards: yml?.queue_config.max_shards,
      maxSamplesPerSend: yml?.queue_config.max_samples_per_send,
      batchSendDeadline: yml?.queue_config.batch_send_deadline,
      minBackoff: yml?.queue_config.min_backoff,
      maxBackoff: yml?.queue_config.max_backoff,
      retryOnRateLimit: yml?.queue_config.retry_on_http_429,
    });
    // Without a token file: no authorization, no Secret.
    const open = { ...FULL, longTerm: { remoteWrite: { url: 'http://vm:8428/api/v1/write' } } };
    expect(spec(open).remoteWrite[0].authorization).toBeUndefined();
    expect(generate(model(open)).has(`${OUT.kubernetesSecretsDir}/ghmon-long-term.yaml`)).toBe(false);
  });

  it.each<[string, string | RegExp, string, RegExp]>([
    ['a bad duration', 'remoteTimeout: 30s', 'remoteTimeout: 30x', /remoteWrite: .*not a valid duration/],
    [
      'a misspelt queue field',
      'maxShards:',
      'maxShard:',
      /remoteWrite\[0\]\.queueConfig\.maxShard: not a RemoteWriteSpec field/,
    ],
  ])('kubernetes/promtool catches %s in remoteWrite', async (_, from, to, message) => {
    const out = built(FULL);
    const check = CHECKS.filter((c) => c.id === 'kubernetes/promtool');
    expect((await runChecks(out, check)).findings).toEqual([]);
    const p = join(out, OUT.kubernetesValues);
    const before = readFileSync(p, 'utf8');
    writeFileSync(p, before.replace(from, to));
    expect(readFileSync(p, 'utf8')).not.toBe(before);
    const { findings } = await runChecks(out, check);
    expect(findings.map(formatFinding).join('\n')).toMatch(message);
  });

  it('keeps the allow-list of free-form values short and explained', () => {
    expect(FREE_FORM.length).toBeLessThanOrEqual(6);
    for (const f of FREE_FORM) {
      expect(f.why.length).toBeGreaterThan(20);
      expect(getPath(chartDefaults(), f.path.split('.')), f.path).not.toBeUndefined();
    }
  });

  const base = () => ({ prometheus: { prometheusSpec: { retention: '30d' } } });
  it.each<[string, Record<string, unknown>, RegExp | undefined]>([
    ['a known key', base(), undefined],
    [
      'a misspelt key',
      { prometheus: { prometheusSpec: { retension: '30d' } } },
      /prometheus\.prometheusSpec\.retension.*unknown key \(did you mean "retention"\?\)/,
    ],
    ['a key of the grafana subchart only', { grafana: { persistence: { size: '10Gi' } } }, undefined],
    [
      'a misspelt subchart key',
      { grafana: { persistance: { size: '10Gi' } } },
      /grafana\.persistance.*did you mean "persistence"/,
    ],
    [
      'adminPassword, which the chart only mentions in a comment',
      { grafana: { adminPassword: 'x' } },
      /grafana\.adminPassword.*unknown key/,
    ],
    [
      'a string where the chart has a boolean',
      { grafana: { persistence: { enabled: 'true' } } },
      /boolean here, not a string/,
    ],
    [
      'a map where the chart has a string',
      { prometheus: { prometheusSpec: { retention: { d: 30 } } } },
      /string here, not a map/,
    ],
    [
      'keys below an empty map not on the allow-list',
      { prometheus: { prometheusSpec: { podMetadata: { labels: { a: 'b' } } } } },
      /podMetadata.*empty map here/,
    ],
    [
      'keys below storageSpec (on the allow-list)',
      { prometheus: { prometheusSpec: { storageSpec: { emptyDir: {} } } } },
      undefined,
    ],
    [
      'a list of maps not on the allow-list',
      { prometheus: { prometheusSpec: { remoteRead: [{ url: 'x' }] } } },
      /remoteRead.*list of maps/,
    ],
    ['a top-level typo', { prometheuss: {} }, /prometheuss.*did you mean "prometheus"/],
  ])('with %s', (_, values, problem) => {
    const found = valueProblems(values, chartDefaults()).map((p) => `${p.path.join('.')}: ${p.message}`);
    if (problem) expect(found.join('\n')).toMatch(problem);
    else expect(found).toEqual([]);
  });
});

describe('Helm and chart semantics', () => {
  it('merges values like Helm: maps key by key, lists replace, null deletes', () => {
    expect(helmMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: null, e: 2 })).toEqual({
      a: { b: 1, c: [3] },
      e: 2,
    });
  });

  it.each<[string, Record<string, unknown>, Record<string, string>, boolean]>([
    ['default: release label required, present', {}, { release: 'prometheus' }, true],
    ['default: release label required, absent', {}, { app: 'x' }, false],
    ['default: another release', {}, { release: 'other' }, false],
    ['NilUsesHelmValues false, {} selects all', { ruleSelectorNilUsesHelmValues: false }, { app: 'x' }, true],
    ['explicit matchLabels', { ruleSelector: { matchLabels: { team: 'a' } } }, { team: 'a' }, true],
    [
      'explicit matchLabels win over the release',
      { ruleSelector: { matchLabels: { team: 'a' } } },
      { release: 'prometheus' },
      false,
    ],
    [
      'matchExpressions In',
      { ruleSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['a', 'b'] }] } },
      { role: 'b' },
      true,
    ],
    [
      'matchExpressions NotIn',
      { ruleSelector: { matchExpressions: [{ key: 'role', operator: 'NotIn', values: ['a'] }] } },
      { role: 'a' },
      false,
    ],
    ['matchExpressions Exists', { ruleSelector: { matchExpressions: [{ key: 'x', operator: 'Exists' }] } }, {}, false],
    [
      'matchExpressions DoesNotExist',
      { ruleSelector: { matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] } },
      {},
      true,
    ],
  ])('ruleSelector: %s', (_, ours, labels, selected) => {
    const spec = getPath(effectiveValues({ prometheus: { prometheusSpec: ours } }), ['prometheus', 'prometheusSpec']);
    expect(selectorMatches(chartSelector(spec, 'rule', 'prometheus', RELEASE_LABEL), labels)).toBe(selected);
  });
});

describe('CRD schema validation (ajv)', () => {
  const rule = (extra: Record<string, unknown>) => ({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'x' },
    spec: { groups: [{ name: 'g', rules: [{ record: 'a:b', expr: 'up', ...extra }] }] },
  });
  const validate = (o: unknown) => {
    const v = crdValidator('monitoring.coreos.com/v1', 'PrometheusRule');
    if (!v) throw new Error('no validator');
    return v(o) ? [] : schemaErrors(v.errors).map((e) => `${e.path.join('.')}: ${e.message}`);
  };
  it.each<[string, Record<string, unknown>, RegExp | undefined]>([
    ['a valid rule', {}, undefined],
    ['an unknown field', { recrod: 'x' }, /"recrod" \(unknown field\)/],
    ['a bad duration', { for: '5 minutes' }, /rules\.0\.for: must match pattern/],
    ['keep_firing_for', { keep_firing_for: '5m' }, undefined],
  ])('%s', (_, extra, problem) => {
    const found = validate(rule(extra));
    if (problem) expect(found.join('\n')).toMatch(problem);
    else expect(found).toEqual([]);
  });

  it('translates RE2 (?i): partial_response_strategy accepts Warn, rejects other words', () => {
    const group = (s: string) => ({
      ...rule({}),
      spec: { groups: [{ name: 'g', partial_response_strategy: s, rules: [] }] },
    });
    expect(validate(group('Warn'))).toEqual([]);
    expect(validate(group('ABORT'))).toEqual([]);
    expect(validate(group('retry')).join()).toMatch(/partial_response_strategy: must match pattern/);
    const re2 = '^(?i)(abort|warn)?$';
    expect(re2RegExp(re2, 'u').test('WARN')).toBe(true);
    expect(() => new RegExp(re2, 'u')).toThrow(); // what JavaScript alone makes of it
  });

  it('makes objects strict unless the schema preserves unknown fields', () => {
    expect(structural({ type: 'object', properties: { a: { type: 'object', properties: {} } } })).toEqual({
      type: 'object',
      properties: { a: { type: 'object', properties: {}, additionalProperties: false } },
      additionalProperties: false,
    });
    expect(structural({ properties: {}, 'x-kubernetes-preserve-unknown-fields': true })).not.toHaveProperty(
      'additionalProperties',
    );
  });
});

describe('the Kubernetes objects', () => {
  it('hold exactly the rule groups of out/prometheus/rules/, one PrometheusRule per file', async () => {
    const out = await builtGreyhaven();
    const tree = readTree(out);
    const ruleFiles = [...tree.keys()].filter((p) => p.startsWith(`${OUT.rulesDir}/`));
    expect(ruleFiles.length).toBeGreaterThanOrEqual(5);
    for (const f of ruleFiles) {
      const name = `ghmon-${f.slice(OUT.rulesDir.length + 1).replace(/\.yml$/, '')}`;
      const pr = readYaml(out, `${OUT.kubernetesRulesDir}/${name}.yaml`);
      expect(pr.kind).toBe('PrometheusRule');
      expect(pr.metadata.labels.release).toBe('prometheus');
      expect(pr.spec.groups).toEqual(parse(tree.get(f) ?? '').groups);
    }
  });

  it('attach the scrape config’s target labels (service, runtime, team) and job through each ServiceMonitor', async () => {
    const out = await builtGreyhaven();
    const sm = readYaml(out, `${OUT.kubernetesServiceMonitorsDir}/ghmon-backend.yaml`);
    expect(sm.metadata).toEqual({
      name: 'ghmon-backend',
      namespace: 'monitoring',
      labels: { 'app.kubernetes.io/part-of': 'ghmon', release: 'prometheus' },
    });
    expect(sm.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'backend' } });
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ['default'] });
    const [endpoint] = sm.spec.endpoints;
    expect(endpoint.port).toBe('http');
    const attached = Object.fromEntries(
      endpoint.relabelings.map((r: { targetLabel: string; replacement: string }) => [r.targetLabel, r.replacement]),
    );
    const prom = readYaml(out, OUT.prometheusConfig);
    const job = prom.scrape_configs.find((j: { job_name: string }) => j.job_name === 'backend');
    expect(attached).toEqual({ job: 'backend', ...job.static_configs[0].labels });
    expect(attached.service).toBe('backend');
    // The Workers service is outside the cluster: no ServiceMonitor.
    expect(existsSync(join(out, OUT.kubernetesServiceMonitorsDir, 'ghmon-api.yaml'))).toBe(false);
  });

  it('follow the configured release, namespace and discovery', () => {
    const out = built(FULL);
    const k = readYaml(out, OUT.kubernetesKustomization);
    expect(k.namespace).toBe('observability');
    expect(k.resources).toEqual(expect.arrayContaining(['servicemonitors/ghmon-web.yaml']));
    expect(k.resources.filter((r: string) => r.startsWith('servicemonitors/'))).toEqual([
      'servicemonitors/ghmon-web.yaml',
    ]);
    const sm = readYaml(out, `${OUT.kubernetesServiceMonitorsDir}/ghmon-web.yaml`);
    expect(sm.metadata.labels.release).toBe('kps');
    expect(sm.spec.selector.matchLabels).toEqual({ app: 'web', tier: 'frontend' });
    expect(sm.spec.namespaceSelector.matchNames).toEqual(['shop']);
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'metrics', interval: '30s', scheme: 'http' });
    const v = readYaml(out, OUT.kubernetesValues);
    expect(v.prometheus.prometheusSpec.additionalScrapeConfigs.map((j: { job_name: string }) => j.job_name)).toEqual([
      'api',
      'legacy',
    ]);
    expect(v.grafana.persistence.size).toBe('20Gi');
    expect(v.alertmanager.alertmanagerSpec.secrets).toEqual(['ghmon-pagerduty', 'ghmon-deadmans-switch']);
    const dms = v.alertmanager.config.receivers.find((r: { name: string }) => r.name === 'deadmans-switch');
    expect(dms.webhook_configs[0].http_config.authorization.credentials_file).toBe(
      '/etc/alertmanager/secrets/ghmon-deadmans-switch/bearer-token',
    );
    expect(readYaml(out, OUT.kubernetesHelmfile).releases[0]).toMatchObject({
      name: 'kps',
      namespace: 'observability',
    });
  });

  it('wrap every generated dashboard in a ConfigMap for the Grafana sidecar, and none when there are none', async () => {
    const dashboard = `${JSON.stringify({ title: 'API overview', panels: [] }, null, 2)}\n`;
    const out = built({ services: [svc] }, { [`${OUT.grafanaDashboardsDir}/API_Overview.json`]: dashboard });
    const cm = readYaml(out, `${OUT.kubernetesDashboardsDir}/ghmon-dashboard-api-overview.yaml`);
    expect(cm.kind).toBe('ConfigMap');
    expect(cm.metadata.labels[DASHBOARD_SIDECAR_LABEL.label]).toBe(DASHBOARD_SIDECAR_LABEL.labelValue);
    expect(cm.data).toEqual({ 'API_Overview.json': dashboard });
    expect(readYaml(out, OUT.kubernetesKustomization).resources).toContain(
      'dashboards/ghmon-dashboard-api-overview.yaml',
    );
    const { findings } = await runChecks(out, KUBERNETES_CHECKS);
    expect(findings.map(formatFinding)).toEqual([]);

    const m = model({ services: [svc] });
    const withoutDashboards = generateDocuments(m).filter((d) => !d.path.startsWith(`${OUT.grafanaDashboardsDir}/`));
    const files = serialiseAll(kubernetesDocuments(m, withoutDashboards));
    expect([...files.keys()].filter((p) => p.startsWith(`${OUT.kubernetesDashboardsDir}/`))).toEqual([]);
    expect(parse(files.get(OUT.kubernetesKustomization) ?? '').resources.join()).not.toMatch(/dashboards\//);
  });
});

/**
 * NetworkPolicy semantics as the Kubernetes docs define them, for the subset the generator emits (matchLabels
 * selectors, numeric ports): a pod selected by some policy accepts a connection only when one ingress rule of one
 * such policy has a peer matching the client (podSelector alone: same namespace; with namespaceSelector: those
 * namespaces) and lists the port and protocol.
 */
interface Pod {
  namespace: string;
  namespaceLabels?: Record<string, string>;
  labels: Record<string, string>;
}
type Policy = NetworkPolicy;
const matches = (sel: { matchLabels?: Record<string, string> } | undefined, labels: Record<string, string>) =>
  Object.entries(sel?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
function admits(policies: Policy[], from: Pod, to: Pod, port: number, protocol = 'TCP'): boolean {
  const selecting = policies.filter(
    (p) => p.metadata.namespace === to.namespace && matches(p.spec.podSelector, to.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (p.spec.ingress ?? []).some(
      (rule) =>
        (rule.ports ?? []).some((x) => x.port === port && (x.protocol ?? 'TCP') === protocol) &&
        (rule.from ?? []).some((peer) => {
          const nsOk = peer.namespaceSelector
            ? matches(peer.namespaceSelector, {
                'kubernetes.io/metadata.name': from.namespace,
                ...from.namespaceLabels,
              })
            : from.namespace === p.metadata.namespace;
          return nsOk && (!peer.podSelector || matches(peer.podSelector, from.labels));
        }),
    ),
  );
}

describe('NetworkPolicies in front of Prometheus and Alertmanager', () => {
  const ns = 'monitoring';
  // Pods as the Prometheus Operator and the grafana subchart label them for release "prometheus".
  const prometheus: Pod = {
    namespace: ns,
    labels: {
      'app.kubernetes.io/name': 'prometheus',
      'app.kubernetes.io/managed-by': 'prometheus-operator',
      prometheus: 'prometheus-kube-prometheus-prometheus',
    },
  };
  const alertmanager: Pod = {
    namespace: ns,
    labels: { 'app.kubernetes.io/name': 'alertmanager', alertmanager: 'prometheus-kube-prometheus-alertmanager' },
  };
  const grafana: Pod = {
    namespace: ns,
    labels: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'prometheus' },
  };
  const otherGrafana: Pod = { ...grafana, labels: { ...grafana.labels, 'app.kubernetes.io/instance': 'staging' } };
  const stranger: Pod = { namespace: ns, labels: { app: 'kube-state-metrics' } };
  const appPod: Pod = { namespace: 'shop', labels: { 'app.kubernetes.io/name': 'web' } };
  const ingress: Pod = { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } };

  const policiesOf = (input: MonitoringInput): Policy[] => {
    const out = built(input);
    const dir = join(out, OUT.kubernetesNetworkPoliciesDir);
    return existsSync(dir)
      ? readdirSync(dir).map((f) => readYaml(out, `${OUT.kubernetesNetworkPoliciesDir}/${f}`))
      : [];
  };

  it('let in only Grafana and Prometheus (and the Alertmanager peers), on the ports they use', () => {
    const p = policiesOf({ services: [svc] });
    expect(p.map((x) => x.metadata.name).sort()).toEqual(['ghmon-alertmanager', 'ghmon-prometheus']);
    // Grafana queries Prometheus and Alertmanager; Prometheus scrapes itself and sends alerts.
    expect(admits(p, grafana, prometheus, 9090)).toBe(true);
    expect(admits(p, grafana, alertmanager, 9093)).toBe(true);
    expect(admits(p, prometheus, prometheus, 9090)).toBe(true);
    expect(admits(p, prometheus, prometheus, 8080)).toBe(true);
    expect(admits(p, prometheus, alertmanager, 9093)).toBe(true);
    // Alertmanager peers gossip over TCP and UDP.
    expect(admits(p, alertmanager, alertmanager, 9094, 'TCP')).toBe(true);
    expect(admits(p, alertmanager, alertmanager, 9094, 'UDP')).toBe(true);
    // Everyone else is kept out: pods of the namespace, application pods, another release's Grafana.
    for (const client of [stranger, appPod, otherGrafana, ingress]) {
      expect(admits(p, client, prometheus, 9090), JSON.stringify(client)).toBe(false);
      expect(admits(p, client, alertmanager, 9093), JSON.stringify(client)).toBe(false);
    }
    expect(admits(p, grafana, alertmanager, 9094)).toBe(false);
    expect(admits(p, grafana, prometheus, 8080)).toBe(false);
    // Pods the policies do not select (Grafana, the services) are left alone.
    expect(admits(p, stranger, grafana, 3000)).toBe(true);
  });

  it('let in the configured extra peers on the web ports only', () => {
    const p = policiesOf({
      services: [svc],
      kubernetes: {
        networkPolicy: {
          allowFrom: [
            { namespaceLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' }, podLabels: ingress.labels },
          ],
        },
      },
    });
    expect(admits(p, ingress, prometheus, 9090)).toBe(true);
    expect(admits(p, ingress, alertmanager, 9093)).toBe(true);
    expect(admits(p, ingress, prometheus, 8080)).toBe(false);
    expect(admits(p, ingress, alertmanager, 9094)).toBe(false);
    expect(admits(p, { ...ingress, labels: { app: 'other' } }, prometheus, 9090)).toBe(false);
    expect(admits(p, appPod, prometheus, 9090)).toBe(false);
  });

  it('follow the release name, and are gone (not in the kustomization) when turned off', () => {
    const kps = policiesOf({ services: [svc], kubernetes: { releaseName: 'kps' } });
    expect(
      admits(kps, { ...grafana, labels: { ...grafana.labels, 'app.kubernetes.io/instance': 'kps' } }, prometheus, 9090),
    ).toBe(true);
    expect(admits(kps, grafana, prometheus, 9090)).toBe(false);
    const out = built({ services: [svc], kubernetes: { networkPolicy: { enabled: false } } });
    expect(existsSync(join(out, OUT.kubernetesNetworkPoliciesDir))).toBe(false);
    expect(readFileSync(join(out, OUT.kubernetesKustomization), 'utf8')).not.toContain('networkpolicies');
  });
});

describe('no secret value in out/', () => {
  // Recognisable fake secret *paths*: they may appear as file references, never as values.
  const input: MonitoringInput = {
    ...FULL,
    routing: {
      page: { routingKeyFile: '/run/fake-secrets/FAKE_PAGE_KEY_PATH' },
      ticket: { routingKeyFile: '/run/fake-secrets/FAKE_TICKET_KEY_PATH' },
      deadMansSwitch: {
        url: 'https://heartbeat.example.com/ping',
        bearerTokenFile: '/run/fake-secrets/FAKE_TOKEN_PATH',
      },
    },
  };

  it('writes secret paths only as *_file references, and never a key, token or password value', () => {
    const out = built(input);
    const tree = readTree(out);
    expect(tree.size).toBeGreaterThan(20);
    for (const [path, content] of tree) {
      for (const [i, line] of content.split('\n').entries()) {
        const where = `${path}:${i + 1}: ${line}`;
        // A fake path may be a `*_file:` value, or be named (in backticks) by a README: never anything else.
        if (/FAKE_\w+_PATH/.test(line)) {
          expect(where).toMatch(
            /^[^:]+\.ya?ml:\d+: +\w+_file: \/run\/fake-secrets\/FAKE_\w+_PATH$|^[^:]*README\.md:\d+: .*`\/run\/fake-secrets\/FAKE_\w+_PATH`$/,
          );
        }
        // Keys that would carry a secret value inline (the seed's service_key, Alertmanager's inline variants).
        expect(line).not.toMatch(
          /^\s*(-\s+)?(routing_key|service_key|bearer_token|api_key|password|adminPassword|admin_password)\s*:/i,
        );
        // A ServiceMonitor's `authorization.credentials` is a Secret reference (a mapping), never a scalar value.
        expect(line).not.toMatch(/^\s*(-\s+)?credentials\s*:\s*\S/i);
        expect(where).not.toMatch(/GF_SECURITY_ADMIN_PASSWORD\s*[:=](?!.*__FILE)/);
        expect(where).not.toMatch(/\b[0-9a-f]{32}\b/); // the shape of a PagerDuty integration key
      }
    }
  });

  it('writes Secret templates with empty values only, each marked REPLACE_ME, none applied by kustomize', () => {
    const out = built(input);
    const dir = join(out, OUT.kubernetesSecretsDir);
    const templates = readdirSync(dir).sort();
    expect(templates.filter((t) => !t.startsWith('ghmon-metrics-token-'))).toEqual([
      'ghmon-deadmans-switch.yaml',
      'ghmon-grafana-admin.yaml',
      'ghmon-long-term.yaml',
      'ghmon-pagerduty.yaml',
    ]);
    const resources: string[] = readYaml(out, OUT.kubernetesKustomization).resources;
    for (const t of templates) {
      const text = readFileSync(join(dir, t), 'utf8');
      const secret = parse(text);
      expect(secret.kind).toBe('Secret');
      expect(Object.values(secret.stringData).every((v) => v === '')).toBe(true);
      expect(text.match(/# REPLACE_ME: /g)?.length).toBe(Object.keys(secret.stringData).length);
      expect(text).toContain('TEMPLATE without values');
      expect(resources.some((r) => r.includes('secrets/'))).toBe(false);
    }
  });
});

describe('ghmon check on out/kubernetes/', () => {
  it.each([
    ['Grey Haven', undefined],
    ['minimal', { services: [svc] }],
    ['every feature', FULL],
  ])('passes on the %s build', async (_, input) => {
    const out = input ? built(input) : await builtGreyhaven();
    const { findings } = await runChecks(out, KUBERNETES_CHECKS);
    expect(findings.map(formatFinding)).toEqual([]);
  });

  const edit = (out: string, rel: string, from: string | RegExp, to: string) => {
    const p = join(out, rel);
    const before = readFileSync(p, 'utf8');
    const after = before.replace(from, to);
    expect(after, `pattern ${from} not found in ${rel}`).not.toBe(before);
    writeFileSync(p, after);
  };
  const rules = `${OUT.kubernetesRulesDir}/ghmon-golden-signals.yaml`;
  const monitor = `${OUT.kubernetesServiceMonitorsDir}/ghmon-backend.yaml`;

  it.each<[string, string, string, string | RegExp, string, RegExp]>([
    [
      'kubernetes/values',
      'a misspelt values key',
      OUT.kubernetesValues,
      'retention: 30d',
      'retension: 30d',
      /values\.yaml:\d+: prometheus\.prometheusSpec\.retension: unknown key \(did you mean "retention"\?\)/,
    ],
    [
      'kubernetes/values',
      'a boolean as a string',
      OUT.kubernetesValues,
      'enabled: true',
      'enabled: "true"',
      /grafana\.persistence\.enabled: the chart has a boolean here/,
    ],
    [
      'kubernetes/schema',
      'an unknown field in a rule',
      rules,
      /- record: /,
      '- recrod: x\n          record: ',
      /ghmon-golden-signals\.yaml:\d+: spec\.groups\[0\]\.rules\[0\]: must NOT have additional properties "recrod"/,
    ],
    [
      'kubernetes/schema',
      'an invalid scheme',
      monitor,
      'scheme: http',
      'scheme: ftp',
      /spec\.endpoints\[0\]\.scheme: must be equal to one of the allowed values/,
    ],
    [
      'kubernetes/schema',
      'an object in another namespace',
      monitor,
      'namespace: monitoring',
      'namespace: default',
      /metadata\.namespace: is "default", the kustomization's is monitoring/,
    ],
    [
      'kubernetes/schema',
      'a value in a Secret template',
      `${OUT.kubernetesSecretsDir}/ghmon-pagerduty.yaml`,
      'page-routing-key: ""',
      'page-routing-key: "0123"',
      /stringData\.page-routing-key holds a value/,
    ],
    [
      'kubernetes/schema',
      'a Secret template in the kustomization',
      OUT.kubernetesKustomization,
      'resources:\n',
      'resources:\n  - secrets/ghmon-pagerduty.yaml\n',
      /would overwrite the real Secret/,
    ],
    [
      'kubernetes/schema',
      'a generated object left out of the kustomization',
      OUT.kubernetesKustomization,
      '  - servicemonitors/ghmon-backend.yaml\n',
      '',
      /does not list kubernetes\/servicemonitors\/ghmon-backend\.yaml/,
    ],
    [
      'kubernetes/selectors',
      'a PrometheusRule without the release label',
      rules,
      'release: prometheus',
      'release: prometheus-stack',
      /PrometheusRule ghmon-golden-signals is not selected by the chart's Prometheus, whose ruleSelector for Helm release "prometheus" is release=prometheus/,
    ],
    [
      'kubernetes/selectors',
      'a ServiceMonitor for another release',
      monitor,
      'release: prometheus',
      'release: kps',
      /ServiceMonitor ghmon-backend is not selected/,
    ],
    [
      'kubernetes/selectors',
      'a Helm release renamed',
      OUT.kubernetesHelmfile,
      'name: prometheus\n',
      'name: monitoring\n',
      /release "monitoring"/,
    ],
    [
      'kubernetes/selectors',
      'a routing key file outside the mounted Secrets',
      OUT.kubernetesValues,
      '/etc/alertmanager/secrets/ghmon-pagerduty/page-routing-key',
      '/etc/pd/page',
      /\/etc\/pd\/page is not in a Secret mounted through alertmanagerSpec\.secrets/,
    ],
    [
      'kubernetes/selectors',
      'a Secret not mounted',
      OUT.kubernetesValues,
      /secrets:\n\s+- ghmon-pagerduty/,
      'secrets: []',
      /Secret ghmon-pagerduty is not listed in alertmanager\.alertmanagerSpec\.secrets/,
    ],
    [
      'kubernetes/selectors',
      'an admin password in values',
      OUT.kubernetesValues,
      'grafana:\n',
      'grafana:\n  adminPassword: changeme\n',
      /grafana\.adminPassword is set/,
    ],
    [
      'kubernetes/promtool',
      'a rule that does not parse',
      rules,
      'sum(rate(http_requests_total[1m]))',
      'sum(rate(http_requests_total[1m])',
      /ghmon-golden-signals\.yaml: .*unclosed left parenthesis/,
    ],
    [
      'kubernetes/promtool',
      // Grey Haven has no job outside the cluster any more (its Workers `api` pushes): one is added, broken.
      'a bad additional scrape config',
      OUT.kubernetesValues,
      '    enableRemoteWriteReceiver: true\n',
      '    enableRemoteWriteReceiver: true\n    additionalScrapeConfigs:\n      - job_name: edge\n        scrape_interval: 15x\n        static_configs:\n          - targets: [edge.example.com:443]\n',
      /additionalScrapeConfigs: .*not a valid duration/,
    ],
    [
      'kubernetes/schema',
      'an invalid NetworkPolicy',
      `${OUT.kubernetesNetworkPoliciesDir}/ghmon-prometheus.yaml`,
      '- Ingress',
      '- Ingres',
      /ghmon-prometheus\.yaml:\d+: spec\.policyTypes\[0\]: must be equal to one of the allowed values/,
    ],
    [
      'kubernetes/schema',
      'a NetworkPolicy the kustomization forgets',
      OUT.kubernetesKustomization,
      /\n {2}- networkpolicies\/ghmon-alertmanager\.yaml/,
      '',
      /does not list kubernetes\/networkpolicies\/ghmon-alertmanager\.yaml/,
    ],
    [
      'kubernetes/selectors',
      "another release's Grafana in a NetworkPolicy",
      `${OUT.kubernetesNetworkPoliciesDir}/ghmon-prometheus.yaml`,
      'app.kubernetes.io/instance: prometheus',
      'app.kubernetes.io/instance: grafana',
      /ghmon-prometheus\.yaml:\d+: NetworkPolicy ghmon-prometheus lets in Grafana of release "grafana", not "prometheus"/,
    ],
    [
      'kubernetes/amtool',
      'a route to a missing receiver',
      OUT.kubernetesValues,
      'receiver: pagerduty-page',
      'receiver: pagerduty-pages',
      /alertmanager\.config: .*undefined receiver "pagerduty-pages"/,
    ],
    [
      'kubernetes/amtool',
      'the tickets routed to the empty dead-man receiver',
      OUT.kubernetesValues,
      /- receiver: pagerduty-ticket\n(\s+)matchers:\n\s+- severity="warning"/,
      '- receiver: deadmans-switch\n$1matchers:\n$1  - severity="warning"',
      /prometheusrules\/ghmon-golden-signals-alerts\.yaml:golden_signals_alerts:HighLatencyP95: \{alertname="HighLatencyP95", severity="warning"\} routes to "deadmans-switch", which has no integration/,
    ],
  ])('%s catches %s', async (check, _, file, from, to, message) => {
    const out = await builtGreyhaven();
    const owner = CHECKS.filter((c) => c.id === check);
    expect(owner).toHaveLength(1);
    const before = await runChecks(out, owner);
    expect(before.findings).toEqual([]);
    edit(out, file, from, to);
    const { findings } = await runChecks(out, owner);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.map(formatFinding).join('\n')).toMatch(message);
  });

  it('checks the Alertmanager config as Helm merges it with the chart default (templates kept, lists replaced)', async () => {
    const out = await builtGreyhaven();
    const ours = readYaml(out, OUT.kubernetesValues);
    const merged = getPath(effectiveValues(ours), ['alertmanager', 'config']) as Record<string, unknown>;
    expect(merged.templates).toEqual(['/etc/alertmanager/config/*.tmpl']);
    expect(merged.receivers).toEqual(ours.alertmanager.config.receivers);
    expect(merged.inhibit_rules).toEqual(ours.alertmanager.config.inhibit_rules);
  });

  it('has the scrape jobs of prometheus.yml for services outside the cluster', () => {
    const m = model(FULL);
    const v = parse(generate(m).get(OUT.kubernetesValues) ?? '');
    const jobs = prometheusConfig(m).scrape_configs.filter((j) => ['api', 'legacy'].includes(j.job_name));
    expect(v.prometheus.prometheusSpec.additionalScrapeConfigs).toEqual(jobs);
  });
});
