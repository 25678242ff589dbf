/**
 * The table runner for checks that read a whole output directory: Grey Haven (or a fixture) is built once per test file; each
 * case copies that clean out/, applies its edits (each must change the file, so a case cannot silently test the
 * clean build) and runs the one check under test on it. A case without edits is the clean build: no finding.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { type Check, checkContext } from '../../src/checks/lib/context.ts';
import { type Finding, formatFinding } from '../../src/util/finding.ts';
import { GREYHAVEN_CONFIG, ghmon, tempDir } from '../helpers.ts';

export interface Edit {
  /** Path relative to out/. */
  readonly file: string;
  readonly from: string | RegExp;
  readonly to: string;
}

export interface OutCase {
  readonly name: string;
  /** Edits to the clean build; none: the clean build itself, which must give no finding. */
  readonly edits?: readonly Edit[];
  /** The finding expected (matched against one of the findings); undefined: none at all. */
  readonly expect?: {
    readonly check: string;
    readonly file?: string;
    readonly line?: number;
    /** Matched against the finding as `ghmon check` prints it (formatFinding). */
    readonly printed: RegExp;
  };
}

export interface OutTableOptions {
  /** The config built; Grey Haven's by default. */
  readonly config?: string;
  readonly timeoutMs?: number;
}

export function outTable(check: Check, cases: readonly OutCase[], options: OutTableOptions = {}): void {
  const { config = GREYHAVEN_CONFIG, timeoutMs = 60_000 } = options;
  // promtool and amtool run as real binaries; on a shared 2-core machine give them room.
  vi.setConfig({ testTimeout: timeoutMs, hookTimeout: timeoutMs });
  let clean = '';
  beforeAll(async () => {
    clean = join(tempDir(), 'out');
    const r = await ghmon('build', '--config', config, '--out', clean);
    expect(r.code, r.err).toBe(0);
  });

  describe(`${check.id} (each broken input fires, the clean build passes)`, () => {
    it('has broken cases, all of this id, and a clean one', () => {
      expect(cases.some((c) => c.expect === undefined)).toBe(true);
      expect(cases.filter((c) => c.expect !== undefined).length).toBeGreaterThan(0);
      for (const c of cases) if (c.expect !== undefined) expect(c.expect.check).toBe(check.id);
    });

    it.each(cases)('$name', async (c) => {
      const out = join(tempDir(), 'out');
      cpSync(clean, out, { recursive: true });
      for (const e of c.edits ?? []) edit(out, e);
      const findings = await check.run(checkContext(out));
      if (c.expect === undefined) {
        expect(findings).toEqual([]);
        return;
      }
      const { check: id, file, line, printed } = c.expect;
      const match = (f: Finding) =>
        f.check === id &&
        (file === undefined || f.file === file) &&
        (line === undefined || f.line === line) &&
        printed.test(formatFinding(f));
      expect(findings.some(match), findings.map(formatFinding).join('\n')).toBe(true);
    });
  });
}

function edit(out: string, e: Edit): void {
  const p = join(out, e.file);
  const before = readFileSync(p, 'utf8');
  const after = before.replace(e.from, e.to);
  expect(after, `pattern ${e.from} not found in ${e.file}`).not.toBe(before);
  writeFileSync(p, after);
}
