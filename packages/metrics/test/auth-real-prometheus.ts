/**
 * A real Prometheus (test/support/prometheus.ts) scraping given jobs once a second, for the auth and hostile input
 * tests: `settled(jobs)` returns each active target's health and last error from `/api/v1/targets`.
 */
import { type StartedPrometheus, startPrometheus } from '../../../test/support/prometheus.ts';

/**
 * Starts Prometheus with `scrapeConfigsYaml` (YAML text of the `scrape_configs:` list items, already indented), in
 * a temp dir holding `files` (mode 0600); `$DIR` in the YAML stands for that dir.
 */
export function startScrapingPrometheus(
  scrapeConfigsYaml: string,
  files: Record<string, string> = {},
): Promise<StartedPrometheus> {
  return startPrometheus({
    files,
    config: ({ dir }) =>
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n${scrapeConfigsYaml.replaceAll('$DIR', dir)}`,
  });
}
