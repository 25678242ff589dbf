/**
 * What a Worker bundle gets for `import '@greyhaven/metrics'` (package.json's `workerd`/`worker` conditions, which
 * wrangler and esbuild's Workers presets set): the Node entry needs prom-client and node:* modules, which a
 * Worker cannot load without nodejs_compat, and a scraped Worker counts wrongly anyway (a random isolate answers).
 */
import { entryPointList } from './entry-points.ts';

throw new Error(
  `@greyhaven/metrics: this is the Node entry point; a Cloudflare Worker imports '@greyhaven/metrics/workers' ` +
    `(withRemoteWrite: each isolate pushes its own series) or '@greyhaven/metrics/core'. Entry points:\n` +
    entryPointList(),
);
