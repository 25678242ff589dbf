/**
 * The out/ readers (src/outdir/): table cases over file text, well formed and broken. Each reader returns plain data
 * and plain problems; these tests pin both, including the line a problem names.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OUT } from '../src/conventions.ts';
import { bindMounts, flagValue, parseCompose, readCompose } from '../src/outdir/compose.ts';
import { type OutFiles, outFiles } from '../src/outdir/files.ts';
import {
  helmfileRelease,
  parseYaml,
  readKubernetesOutput,
  readYaml,
  secretTemplate,
} from '../src/outdir/kubernetes.ts';
import { externalLabels, readScrapeConfig, staticTargets } from '../src/outdir/prometheus-yml.ts';
import { readRuleFile } from '../src/outdir/rule-files.ts';
import { tempDir } from './helpers.ts';

/** An out/ held in memory. */
const memory = (files: Record<string, string>): OutFiles => ({
  exists: (rel) => rel in files,
  read: (rel) => {
    const text = files[rel];
    if (text === undefined) throw new Error(`no ${rel}`);
    return text;
  },
});

describe('prometheus.yml', () => {
  const YML = `global:
  scrape_interval: 15s
  external_labels:
    environment: production
    region: 1
scrape_configs:
  - job_name: api
    static_configs:
      - targets: [api:8080, 'api-2:8080']
        labels: { service: api, __meta_x: dropped-later, tier: 2 }
  - job_name: node
    static_configs:
      - targets: [localhost:9100]
  - job_name: no-static
    file_sd_configs: [{ files: [x.json] }]
`;
  it.each([
    [
      'static targets with their labels, values as strings',
      YML,
      [
        {
          job: 'api',
          targets: ['api:8080', 'api-2:8080'],
          labels: { service: 'api', __meta_x: 'dropped-later', tier: '2' },
        },
        { job: 'node', targets: ['localhost:9100'], labels: {} },
      ],
    ],
    ['no scrape_configs', 'global: {}\n', []],
    [
      'a job without job_name',
      'scrape_configs:\n  - static_configs: [{ targets: [a:1] }]\n',
      [{ job: '', targets: ['a:1'], labels: {} }],
    ],
    [
      'non-scalar targets and labels are skipped',
      'scrape_configs:\n  - job_name: j\n    static_configs:\n      - targets: [[x], b:2, null]\n        labels: { a: [1], b: ok }\n',
      [{ job: 'j', targets: ['b:2'], labels: { b: 'ok' } }],
    ],
  ])('%s', (_, text, expected) => {
    const config = readScrapeConfig(text);
    expect(config).toBeDefined();
    expect(staticTargets(config ?? { jobs: [] })).toEqual(expected);
  });

  it.each([
    ['broken YAML', 'scrape_configs: [\n'],
    ['a list, not a mapping', '- a\n- b\n'],
    ['empty', ''],
  ])('%s gives undefined', (_, text) => {
    expect(readScrapeConfig(text)).toBeUndefined();
  });

  it.each([
    ['external labels as strings', YML, { environment: 'production', region: '1' }],
    ['no global', 'scrape_configs: []\n', {}],
    ['external_labels not a map', 'global:\n  external_labels: [a]\n', {}],
  ])('%s', (_, text, expected) => {
    expect(externalLabels(readScrapeConfig(text) ?? { jobs: [] })).toEqual(expected);
  });
});

describe('rule files', () => {
  const RULES = `groups:
  - name: g1
    interval: 30s
    rules:
      - record: job:x:rate5m
        expr: sum(rate(x[5m]))
        labels: { service: api }
      - alert: XHigh
        expr: job:x:rate5m > 1
        labels:
          severity: critical
          team: 7
        annotations:
          summary: "x is {{ $value }}"
  - name: empty
`;
  it('rules with their labels as strings, and every group (also one without rules)', () => {
    const f = readRuleFile('r.yml', RULES);
    expect(f.problems).toEqual([]);
    expect(f.groups).toEqual([
      { file: 'r.yml', name: 'g1', interval: '30s', line: 2 },
      { file: 'r.yml', name: 'empty', line: 15 },
    ]);
    expect(f.rules.map((r) => [r.kind, r.name, r.group, r.line, r.labels])).toEqual([
      ['record', 'job:x:rate5m', 'g1', 6, { service: 'api' }],
      ['alert', 'XHigh', 'g1', 9, { severity: 'critical', team: '7' }],
    ]);
  });

  it.each([
    ['not YAML', 'groups: [\n  - name: x\n', 2, /^not valid YAML: /],
    ['no groups list', 'rules: []\n', 1, /expected a `groups` list/],
    ['a group that is not a mapping', 'groups:\n  - just-a-string\n', 2, /rule group is not a mapping/],
    ['rules not a list', 'groups:\n  - name: g\n    rules: {}\n', 3, /`rules` is not a list/],
    ['a rule without expr', 'groups:\n  - name: g\n    rules:\n      - alert: A\n', 4, /rule has no `expr`/],
  ])('%s is a problem at its line', (_, text, line, message) => {
    const f = readRuleFile('bad.yml', text);
    expect(f.rules).toEqual([]);
    expect(f.problems).toHaveLength(1);
    expect(f.problems[0]?.file).toBe('bad.yml');
    expect(f.problems[0]?.line).toBe(line);
    expect(f.problems[0]?.message).toMatch(message);
  });
});

describe('out/kubernetes', () => {
  const KUSTOMIZATION = 'resources:\n  - objects/a.yaml\n';
  const VALUES = 'prometheus:\n  enabled: true\n';
  const HELMFILE =
    'repositories:\n  - name: pc\n    url: https://charts.example\nreleases:\n  - name: mon\n    namespace: monitoring\n    chart: pc/kps\n    version: 1.2.3\n';
  const OBJECT = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: { app: x, n: 1 }\n';
  const good = {
    [OUT.kubernetesKustomization]: KUSTOMIZATION,
    [OUT.kubernetesValues]: VALUES,
    [OUT.kubernetesHelmfile]: HELMFILE,
    [`${OUT.kubernetesDir}/objects/a.yaml`]: OBJECT,
  };

  it('reads the release, the values and every applied object', () => {
    const { output, problems } = readKubernetesOutput(memory(good));
    expect(problems).toEqual([]);
    expect(output.release).toEqual({ name: 'mon', namespace: 'monitoring' });
    expect(output.objects.map((o) => [o.kind, o.metadata.name, o.file.path])).toEqual([
      ['ConfigMap', 'a', `${OUT.kubernetesDir}/objects/a.yaml`],
    ]);
    expect(output.values?.line(['prometheus', 'enabled'])).toBe(2);
  });

  it.each([
    [
      'values.yaml missing',
      { [OUT.kubernetesValues]: undefined },
      [{ file: OUT.kubernetesValues, message: 'file is missing' }],
    ],
    [
      'a duplicate key',
      { [OUT.kubernetesValues]: 'a: 1\na: 2\n' },
      [
        {
          file: OUT.kubernetesValues,
          line: 2,
          message: 'YAML does not parse: Map keys must be unique at line 2, column 1:',
        },
      ],
    ],
    [
      'no release',
      { [OUT.kubernetesHelmfile]: 'releases: []\n' },
      [{ file: OUT.kubernetesHelmfile, message: 'expected releases[0] with a name and a namespace' }],
    ],
    [
      'resources not a list',
      { [OUT.kubernetesKustomization]: 'resources: x\n' },
      [{ file: OUT.kubernetesKustomization, message: 'expected a list of resources' }],
    ],
    [
      'a resource outside out/kubernetes/',
      { [OUT.kubernetesKustomization]: 'resources:\n  - ../x.yaml\n' },
      [{ file: OUT.kubernetesKustomization, message: 'resource ../x.yaml is outside out/kubernetes/' }],
    ],
    [
      'a resource that is a list',
      { [`${OUT.kubernetesDir}/objects/a.yaml`]: '- a\n' },
      [{ file: `${OUT.kubernetesDir}/objects/a.yaml`, message: 'expected one Kubernetes object' }],
    ],
  ])('%s', (_, change, expected) => {
    const files = Object.fromEntries(
      Object.entries({ ...good, ...change }).filter((e): e is [string, string] => e[1] !== undefined),
    );
    expect(readKubernetesOutput(memory(files)).problems).toEqual(expected);
  });

  it('parseYaml: the line of a key, or of its nearest parent', () => {
    const parsed = parseYaml('v.yaml', 'a:\n  b:\n    - x\n    - y: 1\n');
    if (!('file' in parsed)) throw new Error('expected YAML');
    expect(parsed.file.line(['a', 'b', 1, 'y'])).toBe(4);
    expect(parsed.file.line(['a', 'missing'])).toBe(1);
    expect(parsed.file.line(['nothing'])).toBeUndefined();
    expect(parseYaml('v.yaml', 'a: [\n')).toMatchObject({ errors: [{ line: 2 }] });
    expect(readYaml(memory({}), 'x.yaml').problems).toEqual([{ file: 'x.yaml', message: 'file is missing' }]);
  });

  it('helmfileRelease and secretTemplate: the fields as written, undefined when absent', () => {
    expect(helmfileRelease({ releases: [{ name: 'r', chart: 'c' }] })).toEqual({
      release: { name: 'r', namespace: undefined, chart: 'c', version: undefined },
      repo: { name: undefined, url: undefined },
    });
    expect(secretTemplate({ metadata: { name: 's' }, stringData: { a: '', b: '' } })).toEqual({
      name: 's',
      keys: ['a', 'b'],
    });
    expect(secretTemplate('not a map')).toEqual({ name: undefined, keys: [] });
  });
});

describe('out/compose', () => {
  const COMPOSE = `services:
  prometheus:
    command: ["--config.file=/etc/prometheus/prometheus.yml", "--web.enable-lifecycle"]
    environment: { A: 1 }
    volumes: ["../prometheus:/etc/prometheus:ro", "data:/prometheus", "/abs:/abs"]
    secrets: [web_password, { source: other }]
secrets:
  web_password: { file: x }
`;
  it('services with their command, environment, volumes and secrets', () => {
    const { project, problems } = parseCompose(OUT.composeFile, COMPOSE);
    expect(problems).toEqual([]);
    const p = project?.services[0];
    expect(p?.name).toBe('prometheus');
    expect(p?.environment).toEqual({ A: '1' });
    expect(p?.secrets).toEqual(['web_password', 'other']);
    expect(project?.secrets).toEqual(['web_password']);
    if (!p) throw new Error('no service');
    expect(flagValue(p, 'config.file')).toBe('/etc/prometheus/prometheus.yml');
    expect(flagValue(p, 'storage.tsdb.path')).toBeUndefined();
    const out = tempDir();
    expect(bindMounts(out, p)).toEqual([
      { source: '../prometheus', hostPath: join(out, 'prometheus'), target: '/etc/prometheus' },
    ]);
  });

  it.each([
    ['not YAML', 'services: [\n', /^not a compose file: /],
    ['not a mapping', '- a\n', /^not a compose file: not a mapping$/],
    ['empty', '', /^not a compose file: not a mapping$/],
  ])('%s is a problem', (_, text, message) => {
    const { project, problems } = parseCompose(OUT.composeFile, text);
    expect(project).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(message);
  });

  it('reads the compose file of an out/ on disk, or says it is missing', () => {
    const out = tempDir();
    expect(readCompose(outFiles(out)).problems).toEqual([{ file: OUT.composeFile, message: 'file is missing' }]);
    mkdirSync(join(out, 'compose'), { recursive: true });
    writeFileSync(join(out, ...OUT.composeFile.split('/')), COMPOSE);
    expect(readCompose(outFiles(out)).project?.services.map((s) => s.name)).toEqual(['prometheus']);
  });
});
