/**
 * `ghmon backtest --prometheus URL --from T [--to T] [--out DIR] [--against DIR] [--max-samples N] [--format F]`:
 * how DIR's rules would have paged and ticketed over that Prometheus' history (backtest/run.ts). Times: RFC 3339
 * (2026-11-01T00:00:00Z), Unix seconds, `now`, or a duration before now (`7d` is 7 days ago). Progress on stderr;
 * the report on stdout (text, or one JSON document) and in DIR/backtest/ (report.json, backtest.svg, index.html).
 * Exit 0, or 2 on bad input.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { backtestHtml, backtestSvg } from '../backtest/chart.ts';
import { backtestText } from '../backtest/report.ts';
import { DEFAULT_MAX_SAMPLES, runBacktest } from '../backtest/run.ts';
import { parseDuration } from '../replay/ruleset.ts';
import { UserError } from '../util/errors.ts';
import { writeOutput } from '../util/write.ts';
import type { Io } from './io.ts';

/** Where the report and chart go, under the build's directory. */
export const BACKTEST_DIR = 'backtest';

export interface BacktestCliOptions {
  out: string;
  prometheus?: string | undefined;
  'prometheus-password-file'?: string | undefined;
  'prometheus-bearer-token-file'?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  against?: string | undefined;
  'max-samples'?: string | undefined;
  format: string;
}

/** A time as the options take it, in Unix seconds. */
export function parseTime(flag: string, text: string, now = Date.now() / 1000): number {
  if (text === 'now') return Math.floor(now);
  if (/^\d{9,11}(\.\d+)?$/.test(text)) return Math.floor(Number(text));
  const ago = parseDuration(text);
  if (ago !== undefined) return Math.floor(now - ago);
  const ms = Date.parse(text);
  if (/^\d{4}-\d\d-\d\d/.test(text) && Number.isFinite(ms)) return Math.floor(ms / 1000);
  throw new UserError(
    `${flag} ${text}: expected an RFC 3339 time (2026-11-01T00:00:00Z), Unix seconds, now, or a duration before now (7d)`,
  );
}

export async function backtest(opts: BacktestCliOptions, io: Io): Promise<number> {
  if (!opts.prometheus) throw new UserError('--prometheus URL is required (the Prometheus whose history is replayed)');
  if (!opts.from) throw new UserError('--from is required (e.g. --from 7d, --from 2026-11-01T00:00:00Z)');
  if (opts.format !== 'text' && opts.format !== 'json')
    throw new UserError(`--format ${opts.format}: expected text or json`);
  const from = parseTime('--from', opts.from);
  const to = parseTime('--to', opts.to ?? 'now');
  if (!(to > from)) throw new UserError(`--from ${opts.from} is not before --to ${opts.to ?? 'now'}`);
  let maxSamples = DEFAULT_MAX_SAMPLES;
  if (opts['max-samples'] !== undefined) {
    maxSamples = Number(opts['max-samples']);
    if (!Number.isInteger(maxSamples) || maxSamples < 1)
      throw new UserError(`--max-samples ${opts['max-samples']}: expected a whole number`);
  }
  const outDir = resolve(opts.out);
  for (const [flag, dir] of [
    ['--out', opts.out],
    ['--against', opts.against],
  ] as const) {
    if (dir !== undefined && !existsSync(resolve(dir)))
      throw new UserError(`${flag} ${dir}: no such directory (run \`ghmon build --out ${dir}\` first)`);
  }
  const report = await runBacktest({
    outDir,
    against: opts.against === undefined ? undefined : resolve(opts.against),
    source: {
      url: opts.prometheus,
      passwordFile: opts['prometheus-password-file'],
      bearerTokenFile: opts['prometheus-bearer-token-file'],
    },
    from,
    to,
    maxSamples,
    onProgress: (line) => io.err(line),
  });
  // The report and its chart beside the build, as the replay's: DIR/backtest/, replaced whole (never half-written).
  writeOutput(
    join(outDir, BACKTEST_DIR),
    new Map([
      ['report.json', `${JSON.stringify(report, null, 2)}\n`],
      ['backtest.svg', backtestSvg(report)],
      ['index.html', backtestHtml(report)],
    ]),
  );
  if (opts.format === 'json') io.out(JSON.stringify(report, null, 2));
  else {
    for (const line of backtestText(report)) io.out(line);
    io.out('');
    io.out(`wrote ${opts.out}/${BACKTEST_DIR}/index.html, backtest.svg, report.json`);
  }
  return 0;
}
