/**
 * Writes python/greyhaven_metrics/contract.json, the Python package's copy of the metric contract, from
 * `contractJson()` (the same text `ghmon build` writes to out/contract/metrics.json).
 *
 *   npx tsx python/sync-contract.ts          (or: UPDATE_GOLDEN=1 npx vitest run python/contract.test.ts)
 *
 * python/contract.test.ts fails while the shipped copy differs from the TypeScript contract.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contractJson } from '@greyhaven/metric-contract';

export const CONTRACT_COPY = join(dirname(fileURLToPath(import.meta.url)), 'greyhaven_metrics', 'contract.json');

/** The exact text of the shipped copy. */
export function contractText(): string {
  return `${JSON.stringify(contractJson(), null, 2)}\n`;
}

export function syncContract(): void {
  writeFileSync(CONTRACT_COPY, contractText());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  syncContract();
  console.log(`wrote ${CONTRACT_COPY}`);
}
