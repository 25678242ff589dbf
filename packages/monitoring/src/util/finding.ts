/**
 * Findings are data (as in pint): every check returns a list of them; only the CLI formats them.
 * A check's id (`contract/unknown-metric`) names its constant, its source file and its docs page.
 */
export type Severity = 'error' | 'warning';

export interface Finding {
  /** Check id, e.g. `promtool/rules` or `contract/unknown-label`. */
  check: string;
  severity: Severity;
  /** File path relative to the output directory, e.g. `prometheus/rules/golden-signals.yml`. */
  file: string;
  /** Rule group name, when the finding is about a rule. */
  group?: string;
  /** Recording rule or alert name, when the finding is about a rule. */
  rule?: string;
  /** 1-based line in the file, when known. */
  line?: number;
  /** 1-based column within the PromQL expression, when the finding is about an expression. */
  column?: number;
  message: string;
}

/** `file:group:rule: message (at column N)` — the format the CLI prints. */
export function formatFinding(f: Finding): string {
  const where = [f.file, f.group, f.rule].filter((x) => x !== undefined && x !== '').join(':');
  const line = f.line !== undefined && f.group === undefined ? `:${f.line}` : '';
  const col = f.column !== undefined ? ` (at column ${f.column})` : '';
  return `${where}${line}: ${f.severity === 'warning' ? 'warning: ' : ''}${f.message}${col} [${f.check}]`;
}
