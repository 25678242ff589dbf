/**
 * The VictoriaMetrics scale-out (config/scale.ts) as processes: each vmagent member, each vmalert replica and the
 * store, with the command-line flags that make them one system. Paths in the flags are relative to out/, where
 * the generated files are (`victoriametrics/…`); `ghmon up --scale` adds its own ports and data directories.
 */
import type { ScaleConfig } from '../config/scale.ts';

export interface ScaleModel {
  scrapers: number;
  replication: number;
  evaluators: number;
  /** Full remote-write URL (…/api/v1/write). */
  writeUrl: string;
  /** Prometheus-compatible query API root (no trailing slash). */
  queryUrl: string;
  /** A VictoriaMetrics cluster's vmstorage nodes (vminsert port) and replication; undefined: a single node. */
  cluster?: { storageNodes: string[]; replication: number };
}

export function scaleModel(config: ScaleConfig | undefined): ScaleModel | undefined {
  if (config === undefined) return undefined;
  return {
    scrapers: config.scrapers,
    replication: config.replication,
    evaluators: config.evaluators,
    writeUrl: config.store.writeUrl,
    queryUrl: config.store.queryUrl.replace(/\/+$/, ''),
    ...(config.store.cluster
      ? {
          cluster: {
            storageNodes: [...config.store.cluster.storageNodes],
            replication: config.store.cluster.replication,
          },
        }
      : {}),
  };
}

/** Files of out/victoriametrics/ that the flags name (relative to out/). */
export const VM_FILES = {
  dir: 'victoriametrics',
  scrapeConfig: 'victoriametrics/vmagent.yml',
  rulesDir: 'victoriametrics/rules',
  rulesGlob: 'victoriametrics/rules/*.yml',
  processes: 'victoriametrics/processes.yml',
  readme: 'victoriametrics/README.md',
} as const;

/** Fields of a Prometheus rule that vmalert 1.79 does not know (it refuses the whole file). */
export const VMALERT_UNSUPPORTED_FIELDS = ['keep_firing_for'] as const;

/** A rule (as in a rule file) as vmalert 1.79 runs it: a copy without the fields it refuses. */
export function asVmalertRule<T extends object>(rule: T): T {
  const copy = { ...rule } as Record<string, unknown>;
  for (const f of VMALERT_UNSUPPORTED_FIELDS) delete copy[f];
  return copy as T;
}

export interface VmProcess {
  /** vmagent-0, vmalert-1, victoria-metrics. */
  name: string;
  /** The binary (Debian's names: vmagent, vmalert, victoria-metrics; the cluster's are not in Debian). */
  command: 'vmagent' | 'vmalert' | 'victoria-metrics' | 'vmstorage' | 'vminsert' | 'vmselect';
  args: string[];
}

/** The store's root: the write URL without `/api/v1/write` (vmalert appends that path itself). */
export function storeBase(scale: ScaleModel): string {
  return scale.writeUrl.replace(/\/api\/v1\/write\/?$/, '');
}

/**
 * Every process of the scale-out. vmagent member i of N scrapes its share of the targets, each target by
 * `replication` members (so losing one loses no sample), and writes everything to the store; the store keeps one
 * sample per scrape interval of the copies (`-dedup.minScrapeInterval`); every vmalert evaluates every rule from
 * the store, writes recording rules back and notifies every Alertmanager peer, which deduplicates the replicas'
 * alerts (they carry the same labels).
 */
export function vmProcesses(
  scale: ScaleModel,
  m: { scrapeInterval: string; evaluationInterval: string; retention: string; alertmanagerTargets: readonly string[] },
): VmProcess[] {
  const vmagents = Array.from(
    { length: scale.scrapers },
    (_, i): VmProcess => ({
      name: `vmagent-${i}`,
      command: 'vmagent',
      args: [
        `-promscrape.config=${VM_FILES.scrapeConfig}`,
        `-promscrape.cluster.membersCount=${scale.scrapers}`,
        `-promscrape.cluster.memberNum=${i}`,
        `-promscrape.cluster.replicationFactor=${scale.replication}`,
        `-remoteWrite.url=${scale.writeUrl}`,
      ],
    }),
  );
  const store = storeBase(scale);
  const vmalerts = Array.from(
    { length: scale.evaluators },
    (_, i): VmProcess => ({
      name: `vmalert-${i}`,
      command: 'vmalert',
      args: [
        `-rule=${VM_FILES.rulesGlob}`,
        `-datasource.url=${scale.queryUrl}`,
        `-remoteWrite.url=${store}`,
        // Restores alert state (`for` timers) after a restart from what it wrote.
        `-remoteRead.url=${scale.queryUrl}`,
        `-evaluationInterval=${m.evaluationInterval}`,
        ...m.alertmanagerTargets.map((t) => `-notifier.url=${/^https?:\/\//.test(t) ? t : `http://${t}`}`),
      ],
    }),
  );
  const dedup = `-dedup.minScrapeInterval=${m.scrapeInterval}`;
  if (scale.cluster) return [...vmagents, ...vmalerts, ...clusterProcesses(scale.cluster, m.retention, dedup)];
  const single: VmProcess = {
    name: 'victoria-metrics',
    command: 'victoria-metrics',
    args: [`-retentionPeriod=${m.retention}`, dedup],
  };
  return [...vmagents, ...vmalerts, single];
}

/**
 * A VictoriaMetrics cluster: one vmstorage per node (vminsert writes to its port, vmselect reads from the next
 * one), vminsert spreading each sample over `replication` nodes, vmselect deduplicating both the scrapers' copies
 * and the replicas (the same `-dedup.minScrapeInterval` on vmstorage and vmselect, as VictoriaMetrics documents).
 */
function clusterProcesses(cluster: NonNullable<ScaleModel['cluster']>, retention: string, dedup: string): VmProcess[] {
  const nodes = cluster.storageNodes.map((n) => {
    const [host, port] = n.split(':') as [string, string];
    return { host, insert: Number(port), select: Number(port) + 1 };
  });
  return [
    ...nodes.map(
      (n, i): VmProcess => ({
        name: `vmstorage-${i}`,
        command: 'vmstorage',
        args: [`-retentionPeriod=${retention}`, dedup, `-vminsertAddr=:${n.insert}`, `-vmselectAddr=:${n.select}`],
      }),
    ),
    {
      name: 'vminsert',
      command: 'vminsert',
      args: [...nodes.map((n) => `-storageNode=${n.host}:${n.insert}`), `-replicationFactor=${cluster.replication}`],
    },
    {
      name: 'vmselect',
      command: 'vmselect',
      args: [
        ...nodes.map((n) => `-storageNode=${n.host}:${n.select}`),
        dedup,
        `-replicationFactor=${cluster.replication}`,
      ],
    },
  ];
}
