/**
 * A real Prometheus (Debian's /usr/bin/prometheus) behind a `--web.config.file`, scraping itself with
 * `basic_auth.password_file` (what out/compose's prometheus.yml does): for the web-config tests.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toYaml } from '../src/output/yaml.ts';
import { DEFAULT_WEB_USER, webClientAuth } from '../src/security/web-config.ts';
import { freePort } from '../src/stack/ports.ts';

export const basicAuth = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

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
  const dir = mkdtempSync(join(opts.dir, 'prometheus-'));
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
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
  );
  mkdirSync(join(dir, 'tsdb'));
  const proc = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.config.file=${opts.webConfigFile}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  proc.stderr.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  });
  const exited = new Promise((r) => proc.once('exit', r));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
  };
  const base = `http://127.0.0.1:${port}`;
  const auth = basicAuth(user, opts.password);
  try {
    const deadline = Date.now() + 30_000;
    while (
      !(await fetch(`${base}/-/ready`, { headers: auth }).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (proc.exitCode !== null) throw new Error(`prometheus exited:\n${log}`);
      if (Date.now() > deadline) throw new Error(`prometheus not ready (with the password):\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    base,
    async selfScrapeUp(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let up: string | undefined;
      while (up !== '1' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        const q = (await (await fetch(`${base}/api/v1/query?query=up`, { headers: auth })).json()) as {
          data: { result: { value: [number, string] }[] };
        };
        up = q.data.result[0]?.value[1];
      }
      return up;
    },
    stop,
  };
}
