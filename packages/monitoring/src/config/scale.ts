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
      })
      .prefault({}),
  })
  .superRefine((s, ctx) => {
    if (s.replication > s.scrapers)
      ctx.addIssue({
        code: 'custom',
        message: `expected at most scrapers (${s.scrapers}): each target is scraped by replication distinct members`,
        path: ['replication'],
      });
  });

export type ScaleConfig = z.output<typeof scaleSchema>;
