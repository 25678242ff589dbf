/**
 * Supervises the stack's processes: starts them (logs to <state>/logs/<name>.log, pid files in <state>/pids),
 * waits until each is ready, restarts a crashed one with exponential backoff (logged), honours a "hold" left
 * by a crash incident (no restart before a given time), and stops everything with SIGTERM, then SIGKILL after
 * a grace period, leaving no process behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Layout } from './layout.ts';
import { writePidFile } from './pids.ts';
import type { ChildSpec } from './spec.ts';

export type SupervisorEvent =
  | { type: 'starting'; name: string }
  | { type: 'ready'; name: string; ms: number }
  | { type: 'exited'; name: string; code: number | null; signal: string | null }
  | { type: 'restarting'; name: string; inMs: number; attempt: number }
  | { type: 'stopped'; name: string };

interface Child {
  spec: ChildSpec;
  proc?: ChildProcess;
  attempt: number;
  startedAt: number;
  restartTimer?: NodeJS.Timeout;
}

export interface SupervisorOptions {
  layout: Layout;
  onEvent?: (e: SupervisorEvent) => void;
  /** How long a process gets between SIGTERM and SIGKILL. */
  graceMs?: number;
  /** Backoff: first delay and cap. A process up for a minute starts again from the first delay. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export class Supervisor {
  private readonly children = new Map<string, Child>();
  private stopping = false;

  constructor(private readonly opts: SupervisorOptions) {
    for (const dir of [opts.layout.logs, opts.layout.pids, opts.layout.holds]) mkdirSync(dir, { recursive: true });
  }

  private emit(e: SupervisorEvent): void {
    this.opts.onEvent?.(e);
    const line = `${new Date().toISOString()} ${JSON.stringify(e)}\n`;
    try {
      writeFileSync(join(this.opts.layout.logs, 'supervisor.log'), line, { flag: 'a' });
    } catch {
      // logging must never stop supervision
    }
  }

  pidFile(name: string): string {
    return join(this.opts.layout.pids, `${name}.pid`);
  }

  /** Starts a process and waits until it is ready (or throws after timeoutMs, naming its log). */
  async start(spec: ChildSpec, timeoutMs = 30_000): Promise<void> {
    const child: Child = { spec, attempt: 0, startedAt: 0 };
    this.children.set(spec.name, child);
    this.launch(child);
    await this.waitReady(child, timeoutMs);
  }

  private launch(child: Child): void {
    const { spec } = child;
    this.emit({ type: 'starting', name: spec.name });
    const log = openSync(join(this.opts.layout.logs, `${spec.name}.log`), 'a');
    const proc = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    child.proc = proc;
    child.startedAt = Date.now();
    if (proc.pid) writePidFile(this.pidFile(spec.name), proc.pid);
    proc.once('error', (err) => {
      writeFileSync(join(this.opts.layout.logs, `${spec.name}.log`), `spawn failed: ${err.message}\n`, { flag: 'a' });
    });
    proc.once('exit', (code, signal) => {
      rmSync(this.pidFile(spec.name), { force: true });
      if (child.proc !== proc) return;
      child.proc = undefined;
      if (this.stopping) {
        this.emit({ type: 'stopped', name: spec.name });
        return;
      }
      this.emit({ type: 'exited', name: spec.name, code, signal });
      this.scheduleRestart(child);
    });
  }

  private scheduleRestart(child: Child): void {
    const first = this.opts.backoffMs ?? 1000;
    const cap = this.opts.maxBackoffMs ?? 30_000;
    if (Date.now() - child.startedAt > 60_000) child.attempt = 0;
    child.attempt++;
    const backoff = Math.min(cap, first * 2 ** (child.attempt - 1));
    const backoffUntil = Date.now() + backoff;
    const hold = this.holdUntil(child.spec.name);
    const delay = Math.max(backoff, hold === undefined ? 0 : hold - Date.now());
    this.emit({ type: 'restarting', name: child.spec.name, inMs: delay, attempt: child.attempt });
    // A hold is read again every second: the incident that wrote it may end early by removing it (Ctrl-C).
    const attempt = () => {
      child.restartTimer = undefined;
      if (this.stopping) return;
      const until = Math.max(backoffUntil, this.holdUntil(child.spec.name) ?? 0);
      if (until > Date.now()) {
        child.restartTimer = setTimeout(attempt, Math.min(1000, until - Date.now()));
        return;
      }
      rmSync(join(this.opts.layout.holds, child.spec.name), { force: true });
      this.launch(child);
    };
    child.restartTimer = setTimeout(attempt, hold === undefined ? delay : Math.min(delay, 1000));
  }

  private holdUntil(name: string): number | undefined {
    const file = join(this.opts.layout.holds, name);
    if (!existsSync(file)) return undefined;
    const until = Number(readFileSync(file, 'utf8'));
    return Number.isFinite(until) ? until : undefined;
  }

  private async waitReady(child: Child, timeoutMs: number): Promise<void> {
    const started = Date.now();
    const url = child.spec.ready;
    while (Date.now() - started < timeoutMs) {
      if (!child.proc && child.attempt > 0) {
        throw new Error(
          `${child.spec.name} exited while starting; see ${join(this.opts.layout.logs, `${child.spec.name}.log`)}`,
        );
      }
      if (!url) {
        if (child.proc?.pid) break;
      } else {
        try {
          const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
          await r.arrayBuffer();
          if (r.ok) break;
        } catch {
          // not yet
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const ms = Date.now() - started;
    if (ms >= timeoutMs) {
      throw new Error(
        `${child.spec.name} was not ready after ${timeoutMs / 1000}s; see ${join(this.opts.layout.logs, `${child.spec.name}.log`)}`,
      );
    }
    this.emit({ type: 'ready', name: child.spec.name, ms });
  }

  pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.children].map(([name, c]) => [name, c.proc?.pid]));
  }

  /** SIGTERM to every process (last started first), SIGKILL to any still alive after the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    const grace = this.opts.graceMs ?? 10_000;
    const running = [...this.children.values()].reverse();
    for (const c of running) if (c.restartTimer) clearTimeout(c.restartTimer);
    await Promise.all(
      running.map(async (c) => {
        const proc = c.proc;
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), grace);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
