/**
 * `ghmon up --scale`: the stack on VictoriaMetrics' engine instead of one Prometheus. 2 vmagent members (cluster
 * scraping, every target scraped by both: replication 2), a VictoriaMetrics single node (deduplicating the copies),
 * 2 vmalert replicas evaluating the vmalert copy of the rules against it, the 3-peer Alertmanager cluster, and the
 * demo services; push services write to VictoriaMetrics. The processes and their flags are the generated ones
 * (model/scale.ts: the same as out/victoriametrics/processes.yml), run from <state>/out with local ports, data
 * directories and faster freshness added here.
 */
import { join } from 'node:path';
import type { MonitoringConfig } from '../config/schema.ts';
import type { Model } from '../model/model.ts';
import { vmProcesses } from '../model/scale.ts';
import type { Layout } from './layout.ts';
import type { Ports } from './ports.ts';
import { type ChildSpec, VICTORIA_METRICS } from './spec.ts';
import { victoriaMetricsUrls } from './victoria-metrics.ts';

/** Debian's VictoriaMetrics binaries. */
const VM_BIN = {
  vmagent: '/usr/bin/vmagent',
  vmalert: '/usr/bin/vmalert',
  'victoria-metrics': '/usr/bin/victoria-metrics',
};

export const SCALE = { scrapers: 2, replication: 2, evaluators: 2, alertmanagerPeers: 3 } as const;

/** Default ports: vmagent 8429…, vmalert 8880…, VictoriaMetrics 8428 (their own defaults, then upwards). */
export function scalePorts(): Ports {
  const ports: Ports = { [VICTORIA_METRICS]: 8428 };
  for (let i = 0; i < SCALE.scrapers; i++) ports[`vmagent-${i}`] = 8429 + i * 2;
  for (let i = 0; i < SCALE.evaluators; i++) ports[`vmalert-${i}`] = 8880 + i;
  return ports;
}

/** The config as `ghmon up --scale` runs it: the scale-out with the local store, and an Alertmanager cluster. */
export function scaleSized(config: MonitoringConfig, port: number): MonitoringConfig {
  const store = victoriaMetricsUrls(`http://127.0.0.1:${port}`);
  return {
    ...config,
    ha: { prometheusReplicas: 1, alertmanagerPeers: SCALE.alertmanagerPeers },
    scale: {
      engine: 'victoriametrics',
      scrapers: SCALE.scrapers,
      replication: SCALE.replication,
      evaluators: SCALE.evaluators,
      store: { writeUrl: store.write, queryUrl: store.query },
    },
  };
}

/** The processes of the scale-out, from the generated flags plus what the local stack adds. */
export function scaleSpecs(model: Model, layout: Layout, ports: Ports): ChildSpec[] {
  if (!model.scale) return [];
  return vmProcesses(model.scale, model).map((p): ChildSpec => {
    const port = ports[p.name] as number;
    const at = `http://127.0.0.1:${port}`;
    const data = join(layout.data, p.name);
    const local: Partial<Record<typeof p.command, string[]>> = {
      vmagent: [
        // Samples the store did not take yet wait here (and survive a restart of the store or of vmagent).
        `-remoteWrite.tmpDataPath=${data}`,
        // Locally a store restart should be caught up on in seconds, not after the default minute of backoff.
        '-remoteWrite.flushInterval=1s',
      ],
      vmalert: [`-external.url=${at}`],
      'victoria-metrics': [
        `-storageDataPath=${data}`,
        // The default (1m in 1.79) hides the newest minute from queries, vmalert's included: alerts would lag by it.
        '-search.latencyOffset=1s',
      ],
    };
    const command = (VM_BIN as Partial<Record<typeof p.command, string>>)[p.command];
    // scaleSized() asks for a single node: Debian ships no vmstorage, vminsert or vmselect.
    if (command === undefined) throw new Error(`the local stack does not run ${p.command}`);
    return {
      name: p.name,
      kind: 'monitoring',
      command,
      args: [...p.args, `-httpListenAddr=127.0.0.1:${port}`, ...(local[p.command] ?? [])],
      // The generated flags name files relative to out/.
      cwd: layout.out,
      ready: `${at}/health`,
      url: p.command === 'vmalert' ? `${at}/api/v1/alerts` : p.command === 'vmagent' ? `${at}/targets` : at,
      port,
    };
  });
}
