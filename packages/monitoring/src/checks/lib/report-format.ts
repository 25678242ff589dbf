/**
 * `ghmon check`'s report in the three forms it prints (`--format`):
 *
 * - `text`: a line per finding (`file:group:rule: message (at column N) [check-id]`), then a line per check.
 * - `json`: one JSON document for other tools: every finding with its file (under the output directory),
 *   group, rule, line, column, check id, severity and message, and every check's finding count.
 * - `github`: GitHub Actions workflow commands (`::error file=…,line=…,title=…::message`), which a workflow
 *   step's runner turns into annotations on the pull request's files; then the per-check lines. Values are
 *   escaped as GitHub's toolkit does (`%`, CR, LF in the message; also `:` and `,` in properties).
 *
 * A finding's `column` counts inside the PromQL expression, not the file, so it stays in the message text and
 * is never passed as GitHub's `col`.
 */

import { type Finding, formatFinding } from '../../util/finding.ts';

export interface CheckReport {
  findings: Finding[];
  /**
   * Per check: id, number of findings and how many of them are errors, and its wall time in milliseconds (as
   * runChecks measured it), in the order the checks were given.
   */
  summary: { id: string; description: string; findings: number; errors: number; ms?: number }[];
}

export const REPORT_FORMATS = ['text', 'json', 'github'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The lines to print: `out` to stdout, `err` to stderr. */
export interface ReportLines {
  out: string[];
  err: string[];
}

/** `dir` is the output directory as the user named it; findings' paths are relative to it. */
export function formatReport(report: CheckReport, dir: string, format: ReportFormat): ReportLines {
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  if (format === 'json') {
    const document = {
      out: dir,
      clean: errors === 0,
      errors,
      warnings,
      checks: report.summary,
      findings: report.findings.map((f) => ({ ...f, file: `${dir}/${f.file}` })),
    };
    return { out: [JSON.stringify(document, null, 2)], err: [] };
  }
  // At least 20 wide (the ids of the base checks), wider when an id is longer: the descriptions line up.
  const width = Math.max(20, ...report.summary.map((s) => s.id.length));
  const summary = [
    ...report.summary.map(
      (s) =>
        `  ${s.findings === 0 ? 'ok  ' : s.errors === 0 ? 'warn' : 'FAIL'} ${s.id.padEnd(width)} ${s.description}${s.findings ? ` (${s.findings} finding${s.findings > 1 ? 's' : ''})` : ''}`,
    ),
    errors > 0
      ? `ghmon check: ${errors} problem${errors > 1 ? 's' : ''} in ${dir}/`
      : warnings > 0
        ? `ghmon check: ${dir}/ has no problem, ${warnings} warning${warnings > 1 ? 's' : ''}`
        : `ghmon check: ${dir}/ is clean`,
  ];
  if (format === 'github') {
    // Workflow commands are read from stdout.
    return { out: [...report.findings.map((f) => githubCommand(f, dir)), ...summary], err: [] };
  }
  return { out: summary, err: report.findings.map((f) => `${dir}/${formatFinding(f)}`) };
}

/** One finding as a GitHub Actions `::error`/`::warning` workflow command. */
export function githubCommand(f: Finding, dir: string): string {
  const properties = [
    `file=${escapeProperty(`${dir}/${f.file}`)}`,
    ...(f.line === undefined ? [] : [`line=${f.line}`]),
    `title=${escapeProperty(`ghmon check ${f.check}`)}`,
  ];
  const where = [f.group, f.rule].filter((x) => x !== undefined && x !== '').join(':');
  const col = f.column === undefined ? '' : ` (at column ${f.column})`;
  const message = `${where ? `${where}: ` : ''}${f.message}${col}`;
  return `::${f.severity === 'warning' ? 'warning' : 'error'} ${properties.join(',')}::${escapeData(message)}`;
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
