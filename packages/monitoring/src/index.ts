/** @greyhaven/monitoring: what `monitoring.config.ts` and other code import. */
export { defineMonitoring } from './config/define.ts';
export { loadConfig, validateConfig } from './config/load.ts';
export type { MonitoringConfig, MonitoringInput } from './config/schema.ts';
export { generate } from './generate.ts';
export { buildModel, type Model } from './model/model.ts';
