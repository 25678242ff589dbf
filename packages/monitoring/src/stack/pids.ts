/**
 * Pid files that survive pid reuse: each holds the pid and the process' start time from /proc, so a stale
 * file never makes us signal an unrelated process that happens to get the same pid.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); fields after the parenthesised command name, which may contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function writePidFile(file: string, pid: number): void {
  writeFileSync(file, `${pid} ${procStartTime(pid) ?? '?'}\n`);
}

/** The pid in the file if that very process still runs, else undefined. */
export function livePid(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8'); // may vanish between any check and the read: its process just ended
  } catch {
    return undefined;
  }
  const [pidText, start] = text.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const now = procStartTime(pid);
  if (now === undefined) return undefined;
  // A zombie still has a /proc entry: treat it as gone.
  try {
    if (/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return undefined;
  } catch {
    return undefined;
  }
  return start === '?' || start === now ? pid : undefined;
}

/** Live processes recorded in a pids directory: name → pid. */
export function livePids(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.pid')) continue;
    const pid = livePid(join(dir, f));
    if (pid !== undefined) out.set(f.slice(0, -4), pid);
    else rmSync(join(dir, f), { force: true });
  }
  return out;
}

export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
