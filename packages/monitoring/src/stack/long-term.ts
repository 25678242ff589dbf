/**
 * What push services and `ghmon up --long-term` change in the local config: whether Prometheus needs its
 * remote-write receiver (any service of the user's config pushes), and the local config's `longTerm` pointing
 * Prometheus at the local VictoriaMetrics. The local stack never writes to the config's own long-term store: it gets
 * the local one or none. components.ts builds the processes (VictoriaMetrics, the second viewer) from the model.
 */

import { type LongTermConfig, longTermSchema } from '../config/long-term.ts';
import type { MonitoringConfig } from '../config/schema.ts';
import { victoriaMetricsUrls } from './victoria-metrics.ts';

/** Whether any service of the config pushes over remote write. */
export function hasPushServices(config: Pick<MonitoringConfig, 'services'>): boolean {
  return config.services.some((s) => s.push !== undefined);
}

/** The local stack's `longTerm`: the local VictoriaMetrics on `port`, with the queue settings of the config's. */
export function localLongTerm(port: number, fast: boolean, own?: LongTermConfig): LongTermConfig {
  const urls = victoriaMetricsUrls(`http://127.0.0.1:${port}`);
  return longTermSchema.parse({
    remoteWrite: {
      url: urls.write,
      queue: { ...own?.remoteWrite.queue, ...(fast ? { batchSendDeadline: '1s', maxBackoff: '1s' } : {}) },
    },
    queryUrl: urls.query,
  });
}
