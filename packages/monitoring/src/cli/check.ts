/** `ghmon check [--out DIR]`: runs every check on the files in out/; exit 1 on findings. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatFinding } from '../checks/finding.ts';
import { runChecks } from '../checks/index.ts';
import { UserError } from '../config/errors.ts';
import type { Io } from './io.ts';

export async function check(opts: { out: string }, io: Io): Promise<number> {
  const outDir = resolve(opts.out);
  if (!existsSync(outDir)) throw new UserError(`${opts.out}/ does not exist: run \`ghmon build\` first`);
  const report = await runChecks(outDir);
  for (const f of report.findings) io.err(`${opts.out}/${formatFinding(f)}`);
  for (const s of report.summary) {
    io.out(
      `  ${s.findings === 0 ? 'ok  ' : 'FAIL'} ${s.id.padEnd(20)} ${s.description}${s.findings ? ` (${s.findings} finding${s.findings > 1 ? 's' : ''})` : ''}`,
    );
  }
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  io.out(
    errors === 0
      ? `ghmon check: ${opts.out}/ is clean`
      : `ghmon check: ${errors} problem${errors > 1 ? 's' : ''} in ${opts.out}/`,
  );
  return errors === 0 ? 0 : 1;
}
