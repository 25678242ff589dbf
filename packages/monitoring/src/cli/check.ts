/**
 * `ghmon check [--out DIR] [--format text|json|github] [--verbose] [--prometheus URL [--prometheus-password-file F]]`:
 * runs every check on the files in out/ (and, given a Prometheus, live/series against it), several at a time;
 * exit 1 on errors. `--verbose` adds each check's wall time and the total.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { CHECKS, runChecks } from '../checks/index.ts';
import { formatReport, REPORT_FORMATS, type ReportFormat } from '../checks/lib/report-format.ts';
import { liveSeries } from '../checks/live-series.ts';
import { UserError } from '../util/errors.ts';
import type { Io } from './io.ts';

export interface CheckOptions {
  out: string;
  format?: string | undefined;
  /** A running Prometheus to check the rules' metrics against (live/series). */
  prometheus?: string | undefined;
  prometheusPasswordFile?: string | undefined;
  /** Also print each check's wall time and the total (text and github formats; json always carries them). */
  verbose?: boolean | undefined;
}

export async function check(opts: CheckOptions, io: Io): Promise<number> {
  const format = opts.format ?? 'text';
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UserError(`--format ${format}: expected one of ${REPORT_FORMATS.join(', ')}`);
  }
  const outDir = resolve(opts.out);
  if (!existsSync(outDir)) throw new UserError(`${opts.out}/ does not exist: run \`ghmon build\` first`);
  if (opts.prometheusPasswordFile !== undefined && opts.prometheus === undefined) {
    throw new UserError('--prometheus-password-file needs --prometheus URL');
  }
  const live =
    opts.prometheus === undefined
      ? []
      : [liveSeries({ url: opts.prometheus, passwordFile: opts.prometheusPasswordFile })];
  const start = performance.now();
  const report = await runChecks(outDir, [...CHECKS, ...live]);
  const totalMs = Math.round(performance.now() - start);
  const lines = formatReport(report, opts.out, format as ReportFormat);
  for (const line of lines.err) io.err(line);
  for (const line of lines.out) io.out(line);
  if (opts.verbose && format !== 'json') {
    for (const s of report.summary) io.out(`  ${seconds(s.ms ?? 0).padStart(7)} ${s.id}`);
    io.out(
      `ghmon check: ${seconds(totalMs)} in all (${report.summary.length} checks, up to ${availableParallelism()} at a time)`,
    );
  }
  return report.findings.some((f) => f.severity === 'error') ? 1 : 0;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
