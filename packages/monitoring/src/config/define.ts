/**
 * `defineMonitoring({...})`: what `monitoring.config.ts` exports. It only gives the editor the types;
 * validation happens when ghmon loads the file, so that every problem is reported at once with its field path.
 */
import type { MonitoringInput } from './schema.ts';

export function defineMonitoring(config: MonitoringInput): MonitoringInput {
  return config;
}
