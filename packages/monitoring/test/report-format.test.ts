/** `ghmon check --format`: the text/json/github renderings of a report, without running any check. */
import { describe, expect, it } from 'vitest';
import type { CheckReport } from '../src/checks/index.ts';
import { formatReport, githubCommand } from '../src/checks/lib/report-format.ts';

const report: CheckReport = {
  findings: [
    {
      check: 'contract/unknown-label',
      severity: 'error',
      file: 'prometheus/rules/a,b:c.yml',
      group: 'g',
      rule: 'R',
      line: 7,
      column: 12,
      message: '100% wrong\nsecond line\r',
    },
    { check: 'promtool/config', severity: 'warning', file: 'prometheus/prometheus.yml', message: 'hm' },
  ],
  summary: [
    { id: 'promtool/config', description: 'promtool check config', findings: 1, errors: 0 },
    { id: 'contract', description: 'the contract', findings: 1, errors: 1 },
  ],
};

describe('check report formats', () => {
  it('github: escapes the message (%, CR, LF) and the properties (also : and ,), severity picks the command', () => {
    const [error, warning] = report.findings.map((f) => githubCommand(f, 'out'));
    expect(error).toBe(
      '::error file=out/prometheus/rules/a%2Cb%3Ac.yml,line=7,title=ghmon check contract/unknown-label::g:R: 100%25 wrong%0Asecond line%0D (at column 12)',
    );
    expect(warning).toBe('::warning file=out/prometheus/prometheus.yml,title=ghmon check promtool/config::hm');
    const lines = formatReport(report, 'out', 'github');
    expect(lines.err).toEqual([]);
    expect(lines.out.slice(0, 2)).toEqual([error, warning]);
    for (const l of lines.out) expect(l).not.toMatch(/[\r\n]/); // one workflow command per line
  });

  it('json: errors and warnings counted apart; clean only without errors', () => {
    const doc = JSON.parse(formatReport(report, 'build', 'json').out.join('\n'));
    expect(doc).toMatchObject({ out: 'build', clean: false, errors: 1, warnings: 1 });
    expect(doc.findings.map((f: { file: string }) => f.file)).toEqual([
      'build/prometheus/rules/a,b:c.yml',
      'build/prometheus/prometheus.yml',
    ]);
    const warningsOnly = { ...report, findings: report.findings.slice(1) };
    expect(JSON.parse(formatReport(warningsOnly, 'out', 'json').out.join('\n'))).toMatchObject({
      clean: true,
      errors: 0,
      warnings: 1,
    });
  });

  it('text: findings on stderr, a line per check and the verdict on stdout', () => {
    const lines = formatReport(report, 'out', 'text');
    expect(lines.err[0]).toBe(
      'out/prometheus/rules/a,b:c.yml:g:R: 100% wrong\nsecond line\r (at column 12) [contract/unknown-label]',
    );
    expect(lines.out).toEqual([
      '  warn promtool/config      promtool check config (1 finding)',
      '  FAIL contract             the contract (1 finding)',
      'ghmon check: 1 problem in out/',
    ]);
  });
});
