/**
 * A real Prometheus (test/support/prometheus.ts) behind a `--web.config.file`, scraping itself with
 * `basic_auth.password_file` (what out/compose's prometheus.yml does): for the web-config tests.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { basicAuth, startPrometheus } from '../../../test/support/prometheus.ts';
import { DEFAULT_WEB_USER, webClientAuth } from '../src/model/web-config.ts';
import { toYaml } from '../src/util/yaml.ts';

export { basicAuth } from '../../../test/support/prometheus.ts';

export interface AuthPrometheus {
  base: string;
  /** `up` of the job scraping Prometheus itself with the password file, once it is 1 or after `timeoutMs`. */
  selfScrapeUp(timeoutMs?: number): Promise<string | undefined>;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus on a free 127.0.0.1 port with `webConfigFile`, scraping itself every second with `passwordFile`,
 * and waits until `/-/ready` answers 200 to `password` (so a wrong web config fails here, with Prometheus' log).
 */
export async function startAuthPrometheus(opts: {
  dir: string;
  webConfigFile: string;
  passwordFile: string;
  password: string;
  user?: string;
}): Promise<AuthPrometheus> {
  const user = opts.user ?? DEFAULT_WEB_USER;
  const prom = await startPrometheus({
    dir: mkdtempSync(join(opts.dir, 'prometheus-')),
    config: ({ port }) =>
      toYaml(
        {
          global: { scrape_interval: '1s' },
          scrape_configs: [
            {
              job_name: 'prometheus',
              ...webClientAuth(opts.passwordFile, user),
              static_configs: [{ targets: [`127.0.0.1:${port}`] }],
            },
          ],
        },
        '',
      ),
    args: [`--web.config.file=${opts.webConfigFile}`],
    headers: basicAuth(user, opts.password),
  });
  return {
    base: prom.url,
    async selfScrapeUp(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let up: string | undefined;
      while (up !== '1' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        up = (await prom.query('up'))[0]?.value[1];
      }
      return up;
    },
    stop: prom.stop,
  };
}
