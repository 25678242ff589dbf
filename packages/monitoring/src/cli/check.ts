/** `ghmon check [--out DIR] [--format text|json|github]`: runs every check on the files in out/; exit 1 on findings. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { runChecks } from '../checks/index.ts';
import { formatReport, REPORT_FORMATS, type ReportFormat } from '../checks/report-format.ts';
import { UserError } from '../config/errors.ts';
import type { Io } from './io.ts';

export async function check(opts: { out: string; format?: string | undefined }, io: Io): Promise<number> {
  const format = opts.format ?? 'text';
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UserError(`--format ${format}: expected one of ${REPORT_FORMATS.join(', ')}`);
  }
  const outDir = resolve(opts.out);
  if (!existsSync(outDir)) throw new UserError(`${opts.out}/ does not exist: run \`ghmon build\` first`);
  const report = await runChecks(outDir);
  const lines = formatReport(report, opts.out, format as ReportFormat);
  for (const line of lines.err) io.err(line);
  for (const line of lines.out) io.out(line);
  return report.findings.some((f) => f.severity === 'error') ? 1 : 0;
}
