/**
 * `scale` in monitoring.config.ts: past one Prometheus, on VictoriaMetrics' engine. `scrapers` vmagent members
 * share the targets (`-promscrape.cluster.*`), each target scraped by `replication` of them; they remote-write to
 * one store (VictoriaMetrics single node, or a cluster's vminsert), which deduplicates the replicas' copies;
 * `evaluators` vmalert replicas evaluate the same generated rules against the store and notify every
 * Alertmanager peer, which deduplicates their alerts. Optional: without it, Prometheus scrapes and evaluates.
 */
import { z } from 'zod';

const count = (min: number, max: number) =>
  z.int('expected a whole number').min(min, `expected at least ${min}`).max(max, `expected at most ${max}`);
const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

export const scaleSchema = z
  .strictObject({
    engine: z.literal('victoriametrics', { error: 'expected "victoriametrics" (the only engine ghmon generates)' }),
    /** vmagent members sharing the scrape targets. */
    scrapers: count(1, 64).default(2),
    /** How many members scrape each target (≥ 2: losing one member loses no sample). */
    replication: count(1, 8).default(2),
    /** vmalert replicas evaluating every rule (an HA pair by default). */
    evaluators: count(1, 5).default(2),
    store: z
      .strictObject({
        /** Where vmagent and vmalert write (VictoriaMetrics single node: http://vm:8428/api/v1/write). */
        writeUrl: url.default('http://127.0.0.1:8428/api/v1/write'),
        /** Prometheus-compatible query API (single node: http://vm:8428; cluster: vmselect's /select/0/prometheus). */
        queryUrl: url.default('http://127.0.0.1:8428'),
        /**
         * A VictoriaMetrics cluster instead of a single node: its vmstorage nodes (host:port of their vminsert
         * port, 8400 by default; vmselect reaches them on that port + 1) and how many of them keep each sample.
         * writeUrl and queryUrl must then be vminsert's and vmselect's.
         */
        cluster: z
          .strictObject({
            storageNodes: z
              .array(
                z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'expected host:port (a vmstorage node, e.g. vmstorage-0:8400)'),
              )
              .min(1, 'expected at least one vmstorage node'),
            replication: count(1, 8).default(1),
          })
          .optional(),
      })
      .prefault({}),
  })
  .superRefine((s, ctx) => {
    const cluster = s.store.cluster;
    if (cluster) {
      if (!/\/insert\/\d+\/prometheus\/api\/v1\/write\/?$/.test(s.store.writeUrl))
        ctx.addIssue({
          code: 'custom',
          message:
            "expected vminsert's write URL with a cluster, e.g. http://vminsert:8480/insert/0/prometheus/api/v1/write",
          path: ['store', 'writeUrl'],
        });
      if (!/\/select\/\d+\/prometheus\/?$/.test(s.store.queryUrl))
        ctx.addIssue({
          code: 'custom',
          message: "expected vmselect's query URL with a cluster, e.g. http://vmselect:8481/select/0/prometheus",
          path: ['store', 'queryUrl'],
        });
      if (cluster.replication > cluster.storageNodes.length)
        ctx.addIssue({
          code: 'custom',
          message: `expected at most the number of storageNodes (${cluster.storageNodes.length})`,
          path: ['store', 'cluster', 'replication'],
        });
    }
    if (s.replication > s.scrapers)
      ctx.addIssue({
        code: 'custom',
        message: `expected at most scrapers (${s.scrapers}): each target is scraped by replication distinct members`,
        path: ['replication'],
      });
  });

export type ScaleConfig = z.output<typeof scaleSchema>;
