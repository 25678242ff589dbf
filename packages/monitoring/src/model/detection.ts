/**
 * The windows of the fast sustained pages (ErrorBudgetBurnSustained, HighLatencySustained), derived from a
 * service's scrape interval and `thresholds.burstTolerance`.
 *
 * A 60-second blip of errors and a sustained 2% differ in how long the errors last, not in how high the ratio
 * climbs (a blip of 100% errors is the highest ratio there is). So these pages ask for a short-window ratio (or
 * quantile) that stayed bad at every evaluation for longer than the tolerated burst:
 *   - the short window is two scrape intervals for errors (30s at 15s: the shortest window a rate has two
 *     samples in) and four for latency (1m at 15s: a quantile needs more requests than a ratio), of the longest
 *     scrape interval any service has;
 *   - a burst of length B is visible in a window-W rate for at most B + W - scrape (the first scrape that shows
 *     an error until the last window that still holds it), so the condition must hold for B + W: one more
 *     evaluation than any burst of at most B can fill.
 * At the seed's 15s and a 1m tolerance: errors must show in every 30s window for 90s, latency in every 1m
 * window for 2m. A total outage then pages about 1:45 after its onset; a 60s blip never does.
 */
import { formatDuration, parseDuration } from '../util/duration.ts';
import type { Model, ServiceModel } from './model.ts';

export interface DetectionPlan {
  /** Rate window of the error ratio whose persistence is checked (`30s`). */
  errorWindow: string;
  /** How long that ratio must have stayed above zero at every evaluation (`1m30s`). */
  errorPersistence: string;
  /** Window of the short latency quantiles (`1m`); one for all services, they are recorded by service. */
  latencyWindow: string;
  /** How long those quantiles must have stayed over the threshold (`2m`). */
  latencyPersistence: string;
  /**
   * A push service with traffic pushes at least once per scrape interval (the demo) or every 10s per isolate
   * (`withRemoteWrite`): no sample for this long (`1m`, at least four scrape intervals) means its pushes stopped.
   */
  pushSilence: string;
  /** ServiceErrorsStopped: no 5xx over this window (`1m`, four scrape intervals) means the errors are over. */
  quietWindow: string;
}

const ms = (d: string) => parseDuration(d) ?? 0;

/** The longest scrape interval any service has (push services count as the global one). */
function longestScrape(model: Model): number {
  return Math.max(
    ms(model.scrapeInterval),
    ...model.services.map((s) => ms(s.scrape?.interval ?? model.scrapeInterval)),
  );
}

export function detectionPlan(model: Model, s?: ServiceModel): DetectionPlan {
  const tolerance = ms(model.thresholds.burstTolerance);
  // Windows read every job's samples of the metric (a selector by `service` does not tell the contract check
  // which jobs match): two (four) of the longest scrape interval of any service.
  const longest = longestScrape(model);
  const scrape = s ? ms(s.scrape?.interval ?? model.scrapeInterval) : longest;
  const errorWindow = 2 * longest;
  const latencyWindow = 4 * longest;
  return {
    errorWindow: formatDuration(errorWindow),
    errorPersistence: formatDuration(tolerance + errorWindow),
    latencyWindow: formatDuration(latencyWindow),
    latencyPersistence: formatDuration(tolerance + latencyWindow),
    pushSilence: formatDuration(Math.max(60_000, 4 * scrape)),
    quietWindow: formatDuration(4 * longest),
  };
}
