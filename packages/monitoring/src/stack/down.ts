/** `ghmon down`: stop a running stack (its supervisor first, then anything left in the pid files). */
import { rmSync } from 'node:fs';
import { layout } from './layout.ts';
import { livePid, livePids, signal } from './pids.ts';

export interface DownResult {
  /** Pid of the supervisor that was asked to stop, if one ran. */
  supervisor?: number;
  /** Processes that had to be killed after the supervisor (should be none). */
  killed: string[];
}

async function waitGone(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

export async function stopStack(stateDir?: string, timeoutMs = 30_000): Promise<DownResult> {
  const l = layout(stateDir);
  const supervisor = livePid(l.supervisorPid);
  if (supervisor !== undefined) {
    signal(supervisor, 'SIGTERM');
    await waitGone(() => livePid(l.supervisorPid) === undefined, timeoutMs);
  }
  const killed: string[] = [];
  let left = livePids(l.pids);
  for (const pid of left.values()) signal(pid, 'SIGTERM');
  if (left.size) await waitGone(() => livePids(l.pids).size === 0, 5_000);
  left = livePids(l.pids);
  for (const [name, pid] of left) {
    signal(pid, 'SIGKILL');
    killed.push(`${name} (pid ${pid})`);
  }
  if (supervisor !== undefined && livePid(l.supervisorPid) !== undefined) {
    signal(supervisor, 'SIGKILL');
    killed.push(`supervisor (pid ${supervisor})`);
  }
  rmSync(l.supervisorPid, { force: true });
  rmSync(l.stackFile, { force: true });
  return { ...(supervisor !== undefined ? { supervisor } : {}), killed };
}
