/**
 * A real Prometheus (Debian's /usr/bin/prometheus) scraping given jobs once a second, for the auth and hostile
 * input tests: returns each active target's health and last error from `/api/v1/targets`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './helpers.ts';

export const PROMETHEUS = '/usr/bin/prometheus';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export interface TargetState {
  job: string;
  health: string;
  lastError: string;
  lastScrape: string;
}

export interface RunningPrometheus {
  url: string;
  dir: string;
  /** Waits until every job has been scraped at least `scrapes` times after now and returns the targets. */
  targets(): Promise<TargetState[]>;
  settled(jobs: string[]): Promise<TargetState[]>;
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/** Starts Prometheus with `scrapeConfigs` (YAML text of the `scrape_configs:` list items, already indented). */
export async function startPrometheus(scrapeConfigsYaml: string, files: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ghmon-sec-prom-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content, { mode: 0o600 });
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n${scrapeConfigsYaml.replaceAll('$DIR', dir)}`,
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(join(dir, 'tsdb'));
  let log = '';
  const proc: ChildProcess = spawn(
    PROMETHEUS,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  proc.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  });
  await until(
    async () => {
      if (proc.exitCode !== null) throw new Error(`prometheus exited:\n${log}`);
      return fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
    },
    'prometheus ready',
    30_000,
  );
  const targets = async (): Promise<TargetState[]> => {
    const body = (await (await fetch(`${url}/api/v1/targets?state=active`)).json()) as {
      data: { activeTargets: { labels: { job: string }; health: string; lastError: string; lastScrape: string }[] };
    };
    return body.data.activeTargets.map((t) => ({
      job: t.labels.job,
      health: t.health,
      lastError: t.lastError,
      lastScrape: t.lastScrape,
    }));
  };
  const running: RunningPrometheus = {
    url,
    dir,
    targets,
    async settled(jobs) {
      const since = Date.now();
      let last: TargetState[] = [];
      await until(
        async () => {
          last = await targets();
          return jobs.every((job) =>
            last.some((t) => t.job === job && t.health !== 'unknown' && Date.parse(t.lastScrape) > since + 200),
          );
        },
        `scrapes of ${jobs.join(', ')}`,
        30_000,
      );
      return last;
    },
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      return body.data.result;
    },
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return running;
}
