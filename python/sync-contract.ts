/**
 * Writes python/greyhaven_metrics/contract.json, the Python package's copy of the metric contract, from
 * `contractJson()` (the same text `ghmon build` writes to out/contract/metrics.json), and
 * python/greyhaven_metrics/policy.json, its copy of the instrumentation policy (caps, route length, client-closed
 * status, path normaliser rules), from `policyJson()`.
 *
 *   npx tsx python/sync-contract.ts          (or: UPDATE_GOLDEN=1 npx vitest run python/contract.test.ts)
 *
 * python/contract.test.ts fails while a shipped copy differs from the TypeScript contract.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contractJson, policyJson } from '@greyhaven/metric-contract';

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), 'greyhaven_metrics');
export const CONTRACT_COPY = join(PACKAGE, 'contract.json');
export const POLICY_COPY = join(PACKAGE, 'policy.json');

/** The exact text of the shipped contract copy. */
export function contractText(): string {
  return `${JSON.stringify(contractJson(), null, 2)}\n`;
}

/** The exact text of the shipped policy copy. */
export function policyText(): string {
  return `${JSON.stringify(policyJson(), null, 2)}\n`;
}

export function syncContract(): void {
  writeFileSync(CONTRACT_COPY, contractText());
  writeFileSync(POLICY_COPY, policyText());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  syncContract();
  console.log(`wrote ${CONTRACT_COPY} and ${POLICY_COPY}`);
}
