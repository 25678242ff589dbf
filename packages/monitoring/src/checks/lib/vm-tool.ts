/**
 * Reading VictoriaMetrics' tools (vmalert, vmagent) in `-dryRun`: they log in lines of `time level source message`
 * and exit non-zero on a `fatal` line, whose message may continue on the following lines (one per error).
 */
import type { Finding } from '../../util/finding.ts';
import type { ToolResult } from '../../util/tool.ts';

/** The `fatal` message and its continuation lines, without the log prefix; empty when the run succeeded. */
export function vmFatalLines(result: ToolResult): string[] {
  if (result.code === 0) return [];
  const lines = `${result.stderr}\n${result.stdout}`.split('\n');
  const at = lines.findIndex((l) => /\tfatal\t/.test(l));
  if (at < 0) return [`exited with code ${result.code}`];
  const first = (lines[at] as string).split('\t').slice(3).join('\t').trim();
  const rest: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (/^\d{4}-\d\d-\d\dT/.test(l)) break;
    if (l.trim()) rest.push(l.trim());
  }
  return [first, ...rest];
}

/**
 * Findings of a failed dry run: one per error vmalert lists (`invalid group "g" in file "f": …`, each naming its
 * file), else one with the whole message, on `file`.
 */
export function vmDryRunFindings(check: string, file: string, result: ToolResult): Finding[] {
  const lines = vmFatalLines(result);
  if (lines.length === 0) return [];
  const perFile = lines
    .flatMap((l) => l.split(/(?=invalid group ")/))
    .map((l) => /invalid group "[^"]*" in file "([^"]+)": (.*)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null);
  if (perFile.length > 0)
    return perFile.map((m) => ({ check, severity: 'error', file: m[1] as string, message: (m[2] as string).trim() }));
  return [{ check, severity: 'error', file, message: lines.join(' ') }];
}
