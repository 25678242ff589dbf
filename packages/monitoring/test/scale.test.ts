/**
 * `scale` (issue 19): the VictoriaMetrics scale-out generated from the config: every vmagent member's cluster
 * flags, the vmalert replicas notifying every Alertmanager peer, the store deduplicating the replicas' copies, the
 * rules as vmalert 1.79 runs them (the same as prometheus/rules/ less keep_firing_for), and clear errors on a bad
 * `scale`. The real vmagent and vmalert dry runs are the checks' (test/checks/victoriametrics-*.test.ts).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { FIXTURES, ghmon, tempDir } from './helpers.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let out = '';
beforeAll(async () => {
  out = join(tempDir(), 'out');
  const r = await ghmon('build', '--config', `${FIXTURES}scale.config.ts`, '--out', out);
  expect(r.code, r.err).toBe(0);
});

const read = (rel: string) => readFileSync(join(out, rel), 'utf8');

describe('scale: victoriametrics', () => {
  it('gives each vmagent member its cluster flags, every vmalert every Alertmanager peer, the store dedup', () => {
    const { processes } = parse(read('victoriametrics/processes.yml')) as {
      processes: { name: string; command: string; args: string[] }[];
    };
    expect(processes.map((p) => p.name)).toEqual([
      'vmagent-0',
      'vmagent-1',
      'vmalert-0',
      'vmalert-1',
      'victoria-metrics',
    ]);
    const agents = processes.filter((p) => p.command === 'vmagent');
    agents.forEach((p, i) => {
      expect(p.args).toContain('-promscrape.cluster.membersCount=2');
      expect(p.args).toContain(`-promscrape.cluster.memberNum=${i}`);
      expect(p.args).toContain('-promscrape.cluster.replicationFactor=2');
      expect(p.args).toContain('-promscrape.config=victoriametrics/vmagent.yml');
      expect(p.args).toContain('-remoteWrite.url=http://127.0.0.1:8428/api/v1/write');
    });
    for (const p of processes.filter((x) => x.command === 'vmalert')) {
      expect(p.args.filter((a) => a.startsWith('-notifier.url='))).toEqual([
        '-notifier.url=http://am-0:9093',
        '-notifier.url=http://am-1:9093',
        '-notifier.url=http://am-2:9093',
      ]);
      expect(p.args).toContain('-rule=victoriametrics/rules/*.yml');
      expect(p.args).toContain('-datasource.url=http://127.0.0.1:8428');
      expect(p.args).toContain('-remoteWrite.url=http://127.0.0.1:8428');
    }
    expect(processes.at(-1)?.args).toContain('-dedup.minScrapeInterval=15s');
  });

  it("scrapes prometheus.yml's jobs but Prometheus' own", () => {
    const prom = parse(read('prometheus/prometheus.yml')) as { scrape_configs: { job_name: string }[] };
    const vm = parse(read('victoriametrics/vmagent.yml')) as { scrape_configs: { job_name: string }[] };
    expect(vm.scrape_configs.map((j) => j.job_name)).toEqual(
      prom.scrape_configs.map((j) => j.job_name).filter((j) => j !== 'prometheus'),
    );
    expect(vm.scrape_configs).toEqual(prom.scrape_configs.filter((j) => j.job_name !== 'prometheus'));
  });

  it('copies every rule file for vmalert, without keep_firing_for, and lists what that changes', () => {
    const files = readdirSync(join(out, 'prometheus/rules')).sort();
    expect(readdirSync(join(out, 'victoriametrics/rules')).sort()).toEqual(files);
    let kept = 0;
    for (const f of files) {
      const prom = read(`prometheus/rules/${f}`);
      const vm = read(`victoriametrics/rules/${f}`);
      kept += (prom.match(/keep_firing_for:/g) ?? []).length;
      expect(vm).not.toContain('keep_firing_for');
      expect(vm).toBe(prom.replace(/\n\s+keep_firing_for: .*/g, ''));
    }
    expect(kept).toBeGreaterThan(0);
    const readme = read('victoriametrics/README.md');
    expect(readme).toMatch(/\| HighErrorRate \| `keep_firing_for` \| 10m \|/);
    expect(readme).toContain('vmagent -promscrape.config=victoriametrics/vmagent.yml');
    expect(read('README.md')).toContain('| `victoriametrics/` |');
  });

  it('writes the same on Kubernetes as values of the VictoriaMetrics charts', () => {
    const agent = parse(read('victoriametrics/kubernetes/vmagent-values.yaml')) as Record<string, unknown>;
    expect(agent).toMatchObject({
      mode: 'statefulSet',
      replicaCount: 2,
      statefulSet: { clusterMode: true, replicationFactor: 2 },
      remoteWrite: [{ url: 'http://127.0.0.1:8428/api/v1/write' }],
    });
    expect(agent.config).toEqual(parse(read('victoriametrics/vmagent.yml')));
    const alert = parse(read('victoriametrics/kubernetes/vmalert-values.yaml')) as {
      server: { replicaCount: number; notifiers: { url: string }[]; config: { alerts: { groups: unknown[] } } };
    };
    expect(alert.server.replicaCount).toBe(2);
    expect(alert.server.notifiers).toHaveLength(3);
    const groups = readdirSync(join(out, 'victoriametrics/rules')).flatMap(
      (f) => (parse(read(`victoriametrics/rules/${f}`)) as { groups: unknown[] }).groups,
    );
    expect(alert.server.config.alerts.groups).toEqual(expect.arrayContaining(groups));
    expect(alert.server.config.alerts.groups).toHaveLength(groups.length);
    const single = parse(read('victoriametrics/kubernetes/victoria-metrics-single-values.yaml')) as {
      server: { extraArgs: Record<string, string> };
    };
    expect(single.server.extraArgs['dedup.minScrapeInterval']).toBe('15s');
  });

  it("points Grafana's datasource at the store", () => {
    const ds = parse(read('grafana/provisioning/datasources/ghmon.yaml')) as {
      datasources: { url: string; isDefault: boolean; type: string }[];
    };
    expect(ds.datasources.find((d) => d.isDefault)).toMatchObject({ url: 'http://127.0.0.1:8428', type: 'prometheus' });
  });

  it('writes nothing of it without scale', async () => {
    const plain = join(tempDir(), 'out');
    expect((await ghmon('build', '--config', `${FIXTURES}minimal.config.ts`, '--out', plain)).code).toBe(0);
    expect(existsSync(join(plain, 'victoriametrics'))).toBe(false);
    expect(readFileSync(join(plain, 'README.md'), 'utf8')).not.toContain('victoriametrics');
  });

  it('with a cluster as the store: vmstorage nodes, vminsert spreading each sample over replication of them, vmselect deduplicating', async () => {
    const dir = join(tempDir(), 'out');
    const r = await ghmon('build', '--config', `${FIXTURES}scale-cluster.config.ts`, '--out', dir);
    expect(r.code, r.err).toBe(0);
    const { processes } = parse(readFileSync(join(dir, 'victoriametrics/processes.yml'), 'utf8')) as {
      processes: { name: string; args: string[] }[];
    };
    expect(processes.map((p) => p.name)).toEqual([
      'vmagent-0',
      'vmagent-1',
      'vmagent-2',
      'vmalert-0',
      'vmalert-1',
      'vmstorage-0',
      'vmstorage-1',
      'vmstorage-2',
      'vminsert',
      'vmselect',
    ]);
    const byName = Object.fromEntries(processes.map((p) => [p.name, p.args]));
    expect(byName.vminsert).toEqual([
      '-storageNode=vmstorage-0:8400',
      '-storageNode=vmstorage-1:8400',
      '-storageNode=vmstorage-2:8400',
      '-replicationFactor=2',
    ]);
    expect(byName.vmselect).toContain('-storageNode=vmstorage-2:8401');
    expect(byName.vmselect).toContain('-dedup.minScrapeInterval=15s');
    expect(byName['vmalert-0']).toContain('-remoteWrite.url=http://vminsert:8480/insert/0/prometheus');
    expect(byName['vmalert-0']).toContain('-datasource.url=http://vmselect:8481/select/0/prometheus');
    const values = parse(
      readFileSync(join(dir, 'victoriametrics/kubernetes/victoria-metrics-cluster-values.yaml'), 'utf8'),
    ) as { vmstorage: { replicaCount: number } };
    expect(values.vmstorage.replicaCount).toBe(3);
    expect(existsSync(join(dir, 'victoriametrics/kubernetes/victoria-metrics-single-values.yaml'))).toBe(false);
  });

  it.each([
    [
      "cluster: { storageNodes: ['vmstorage-0:8400'] }, writeUrl: 'http://vm:8428/api/v1/write'",
      /scale\.store\.writeUrl: expected vminsert's write URL/,
    ],
    ['replication: 3', /scale\.replication.*expected at most scrapers \(2\)/],
    ["engine: 'thanos'", /scale\.engine.*victoriametrics/],
    ['scrapers: 0', /scale\.scrapers.*at least 1/],
  ])('refuses %s, naming the field', async (edit, message) => {
    const dir = tempDir();
    const config = join(dir, 'monitoring.config.ts');
    const base = readFileSync(`${FIXTURES}scale.config.ts`, 'utf8');
    const key = edit.split(':')[0] as string;
    // A plain object (outside the repository '@greyhaven/monitoring' does not resolve; defineMonitoring only types).
    const plainBase = base.replace(/^import .*\n/m, '').replace('defineMonitoring(', '(');
    // A key the fixture has is replaced; another (cluster) is added to the scale block.
    const changed = plainBase.includes(`${key}:`)
      ? plainBase.replace(new RegExp(`${key}: [^,}]+`), edit)
      : plainBase.replace('scale: {', `scale: { store: { ${edit} },`);
    expect(changed).not.toBe(plainBase);
    writeFileSync(config, changed);
    const r = await ghmon('build', '--config', config, '--out', join(dir, 'out'));
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
