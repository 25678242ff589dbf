/**
 * `ghmon check [--out DIR] [--format text|json|github] [--prometheus URL [--prometheus-password-file F]]`: runs
 * every check on the files in out/ (and, given a Prometheus, live/series against it); exit 1 on errors.
 */
import { existsSync } from 'node:fs';
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
  const report = await runChecks(outDir, [...CHECKS, ...live]);
  const lines = formatReport(report, opts.out, format as ReportFormat);
  for (const line of lines.err) io.err(line);
  for (const line of lines.out) io.out(line);
  return report.findings.some((f) => f.severity === 'error') ? 1 : 0;
}
