/** The package's public entry points, as named in package.json's `exports` (the error modules list them). */
export const ENTRY_POINTS = {
  '@greyhaven/metrics': 'Node: node:http, Express, Hono, TanStack Start adapters and /metrics with prom-client',
  '@greyhaven/metrics/core': 'the web-standard middleware and handler (Request/Response), no Node modules',
  '@greyhaven/metrics/workers': 'Cloudflare Workers: each isolate pushes its series by remote write',
} as const;

export function entryPointList(): string {
  return Object.entries(ENTRY_POINTS)
    .map(([name, what]) => `  ${name}: ${what}`)
    .join('\n');
}
