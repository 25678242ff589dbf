/** HA outputs: per-replica Prometheus configs, the Alertmanager cluster flags, chart replicas, config errors. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHECKS, runChecks } from '../src/checks/index.ts';
import { validateConfig } from '../src/config/load.ts';
import type { UserError } from '../src/util/errors.ts';
import { FIXTURES, ghmon, tempDir } from './helpers.ts';

describe('ghmon build with ha', () => {
  it('writes one Prometheus config per replica, each passing promtool, and the cluster flags', async () => {
    const out = join(tempDir(), 'out');
    expect((await ghmon('build', '--config', `${FIXTURES}ha.config.ts`, '--out', out)).code).toBe(0);
    for (const [i, replica] of ['prometheus-0', 'prometheus-1'].entries()) {
      const c = parse(readFileSync(join(out, `prometheus/${replica}.yml`), 'utf8'));
      expect(c.global.external_labels).toEqual({ environment: 'production', replica });
      expect(c.alerting.alert_relabel_configs).toEqual([{ action: 'labeldrop', regex: 'replica' }]);
      expect(c.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['am-0:9093', 'am-1:9093', 'am-2:9093']);
      expect(c.scrape_configs[0].static_configs[0].targets).toEqual(['prom-0:9090', 'prom-1:9090']);
      expect(i).toBeLessThan(2);
    }
    const cluster = readFileSync(join(out, 'alertmanager/cluster.md'), 'utf8');
    expect(cluster).toContain(
      '--cluster.advertise-address=am-1:9094 --cluster.peer=am-0:9094 --cluster.peer=am-2:9094',
    );
    const values = parse(readFileSync(join(out, 'kubernetes/values.yaml'), 'utf8'));
    expect(values.prometheus.prometheusSpec.replicas).toBe(2);
    expect(values.alertmanager.alertmanagerSpec.replicas).toBe(3);
    const promtool = CHECKS.filter((c) => c.id === 'promtool/config' || c.id === 'kubernetes/values');
    expect((await runChecks(out, promtool)).findings).toEqual([]);
  });

  it('promtool/config checks the replica files too', async () => {
    const out = join(tempDir(), 'out');
    await ghmon('build', '--config', `${FIXTURES}ha.config.ts`, '--out', out);
    const file = join(out, 'prometheus/prometheus-1.yml');
    writeBroken(file);
    const { findings } = await runChecks(
      out,
      CHECKS.filter((c) => c.id === 'promtool/config'),
    );
    expect(findings.map((f) => f.file)).toEqual(['prometheus/prometheus-1.yml']);
  });

  it('asks for one target per replica and peer', () => {
    const err = (() => {
      try {
        validateConfig({
          services: [{ name: 'a', runtime: 'typescript', scrape: { targets: ['127.0.0.1:1'] } }],
          ha: { prometheusReplicas: 2, alertmanagerPeers: 3 },
        });
      } catch (e) {
        return e as UserError;
      }
    })();
    expect(err?.problems).toEqual([
      'prometheus.targets: expected 2 targets, one per member (ha.prometheusReplicas is 2)',
      'alertmanager.targets: expected 3 targets, one per member (ha.alertmanagerPeers is 3)',
    ]);
  });
});

function writeBroken(file: string): void {
  writeFileSync(file, readFileSync(file, 'utf8').replace('scrape_interval: 15s', 'scrape_interval: 15x'));
}
