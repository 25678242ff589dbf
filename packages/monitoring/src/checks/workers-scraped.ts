/**
 * `workers/scraped`: no scrape job of the deployed prometheus.yml (nor of an HA replica's) scrapes a Cloudflare
 * Worker. A Worker runs in many isolates at once and a scrape reaches one of them at random: `http_requests_total`
 * jumps between the isolates' counts, reads as counter resets, and every rate — so every alert and SLO on the
 * service — is wrong (docs/scaling.md). A Worker pushes its own series per isolate instead.
 *
 * It reads the files, not the config: a scraped target whose static labels say `runtime="workers"` (the target
 * label ghmon attaches to every service's job) is an error, unless the same static config carries
 * `__ghmon_single_instance="true"` — what `scrape: { singleInstance: true }` generates, the explicit opt-out for
 * a Worker that really is one instance (e.g. `/metrics` served by one Durable Object).
 */
import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import { LABEL, OUT } from '../conventions.ts';
import { readScrapeConfig, scalar } from '../outdir/prometheus-yml.ts';
import type { Finding } from '../util/finding.ts';
import type { Check } from './lib/context.ts';

export const WORKERS_SCRAPED = 'workers/scraped';

/** The runtime label value of a Cloudflare Worker (config `runtime: 'workers'`). */
const WORKERS = 'workers';

/** 1-based line of a character offset. */
const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

function labelsOf(staticConfig: YAMLMap): YAMLMap | undefined {
  const labels = staticConfig.get('labels', true);
  return isMap(labels) ? labels : undefined;
}

function targetsOf(staticConfig: YAMLMap): string[] {
  const targets = staticConfig.get('targets', true);
  return isSeq(targets) ? targets.items.map((t) => (isScalar(t) ? String(t.value) : String(t))) : [];
}

/** The findings for one prometheus.yml (`file` relative to out/). */
export function scrapedWorkers(file: string, text: string): Finding[] {
  const config = readScrapeConfig(text);
  // Missing or unparseable: promtool/config reports it.
  if (config === undefined) return [];
  const findings: Finding[] = [];
  for (const { name, source, job } of config.jobs) {
    if (source !== 'application') continue;
    const statics = job.get('static_configs', true);
    for (const sc of isSeq(statics) ? statics.items : []) {
      if (!isMap(sc)) continue;
      const labels = labelsOf(sc);
      if (labels === undefined || scalar(labels, LABEL.runtime) !== WORKERS) continue;
      if (scalar(labels, LABEL.singleInstance) === 'true') continue;
      const service = scalar(labels, LABEL.service);
      const targets = targetsOf(sc);
      const node = labels.get(LABEL.runtime, true);
      const offset = (isScalar(node) ? node.range?.[0] : undefined) ?? sc.range?.[0];
      findings.push({
        check: WORKERS_SCRAPED,
        severity: 'error',
        file,
        ...(offset !== undefined ? { line: lineOf(text, offset) } : {}),
        message:
          `job "${name}"${service ? ` (service "${service}")` : ''} scrapes a Cloudflare Worker` +
          `${targets.length ? ` at ${targets.join(', ')}` : ''}: each scrape reaches a random isolate, so ` +
          'http_requests_total jumps between isolates’ counts and reads as counter resets — every rate, alert and ' +
          "SLO on it is wrong. Make the service push: `push: { protocol: 'remote-write' }` instead of `scrape` in " +
          "monitoring.config.ts, and wrap the Worker with `withRemoteWrite` from '@greyhaven/metrics/workers' " +
          '(docs/scaling.md). Only if every scrape reaches one same instance (e.g. a single Durable Object): ' +
          '`scrape: { singleInstance: true }`.',
      });
    }
  }
  return findings;
}

export const workersScraped: Check = {
  id: WORKERS_SCRAPED,
  description: 'no scrape job scrapes a Cloudflare Worker (runtime="workers"): Workers push over remote write',
  async run(ctx) {
    if (!ctx.exists(OUT.prometheusConfig)) return [];
    // prometheus.yml and, with HA, one prometheus-<replica>.yml per replica (the files promtool/config checks).
    const files = ctx.list('prometheus', '.yml').filter((f) => /\/prometheus[^/]*\.yml$/.test(f));
    return files.flatMap((f) => scrapedWorkers(f, ctx.read(f)));
  },
};
