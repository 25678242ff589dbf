/**
 * A real Prometheus 2.42 on 127.0.0.1 whose only data is a history written as OpenMetrics and backfilled with
 * `promtool tsdb create-blocks-from openmetrics` (the backtest tests' source). Optionally behind basic auth as
 * ghmon's web config sets it up (user ghmon, a bcrypt hash of the password in `passwordFile`).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { until } from '../../../../test/support/until.ts';
import { freePort } from '../../src/stack/ports.ts';

export interface BackfilledPrometheus {
  url: string;
  /** The password's file when started with basic auth. */
  passwordFile?: string;
  stop(): void;
}

/** Starts one on `dir` (which must exist) with the OpenMetrics `lines` (without `# EOF`) as its history. */
export async function backfilledPrometheus(
  dir: string,
  lines: readonly string[],
  opts: { password?: string } = {},
): Promise<BackfilledPrometheus> {
  writeFileSync(join(dir, 'history.om'), [...lines, '# EOF', ''].join('\n'));
  const data = join(dir, 'data');
  mkdirSync(data);
  const made = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'history.om'), data], {
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(`promtool tsdb create-blocks-from openmetrics: ${made.stderr}`);
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${data}`,
    '--storage.tsdb.retention.time=30d',
  ];
  const headers: Record<string, string> = {};
  let passwordFile: string | undefined;
  if (opts.password !== undefined) {
    passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, `${opts.password}\n`, { mode: 0o600 });
    writeFileSync(
      join(dir, 'web.yml'),
      `basic_auth_users:\n  ghmon: ${JSON.stringify(bcrypt.hashSync(opts.password, 10))}\n`,
    );
    args.push(`--web.config.file=${join(dir, 'web.yml')}`);
    headers.authorization = `Basic ${Buffer.from(`ghmon:${opts.password}`).toString('base64')}`;
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('prometheus', [...args, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: 'ignore',
  });
  const stop = () => {
    child.kill('SIGKILL');
  };
  try {
    await until(
      async () => (await fetch(`${url}/-/ready`, { headers }).catch(() => undefined))?.ok,
      'Prometheus ready',
      60_000,
      250,
    );
  } catch (err) {
    stop();
    throw err;
  }
  return { url, ...(passwordFile ? { passwordFile } : {}), stop };
}
