/**
 * Runs a real Prometheus tool (promtool, amtool) and turns its output into findings. The binaries come
 * from Debian's `prometheus` and `prometheus-alertmanager` packages (scripts/setup.mjs installs them).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Finding } from './finding.ts';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Finds a binary on PATH (and /usr/bin, /usr/sbin), or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/bin', '/usr/sbin', '/usr/local/bin']);
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function runTool(
  bin: string,
  args: string[],
  cwd?: string,
  env?: Readonly<Record<string, string>>,
): Promise<ToolResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: env && { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (err) => resolvePromise({ code: 127, stdout, stderr: `${stderr}${err.message}` }));
    child.on('close', (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
  });
}

/** A finding for a missing binary: the check cannot pass without the real tool. */
export function missingTool(check: string, bin: string, pkg: string): Finding {
  return {
    check,
    severity: 'error',
    file: '-',
    message: `${bin} not found: install Debian's ${pkg} package (npm test and npm start do this through scripts/setup.mjs)`,
  };
}

/**
 * `promtool test rules` output → one finding per failed test case (`name: …` block), compacted to one line.
 */
export function promtoolTestFindings(check: string, file: string, result: ToolResult): Finding[] {
  if (result.code === 0) return [];
  const findings: Finding[] = [];
  let current = '';
  const flush = () => {
    if (current) findings.push({ check, severity: 'error', file, message: current.replace(/\s+/g, ' ').trim() });
    current = '';
  };
  for (const raw of `${result.stdout}\n${result.stderr}`.split('\n')) {
    const line = raw.trim();
    if (/^Unit Testing:/.test(line)) {
      flush();
    } else if (line.startsWith('name:')) {
      flush();
      current = line;
    } else if (current && line) {
      current += ` ${line}`;
    } else if (!current && line && !/^(SUCCESS|FAILED:?)$/.test(line)) {
      findings.push({ check, severity: 'error', file, message: line });
    }
  }
  flush();
  return findings.length ? findings : toolFindings(check, file, result);
}

/**
 * Turns a failed tool run into findings, one per FAILED/error line the tool printed (promtool and amtool
 * print `  FAILED: file: ...` and then details). Paths in the tool's output are made relative to `cwd`.
 */
export function toolFindings(check: string, file: string, result: ToolResult): Finding[] {
  if (result.code === 0) return [];
  const lines = `${result.stdout}\n${result.stderr}`
    .split('\n')
    // amtool prints `Checking 'file'  FAILED: reason` on one line; promtool prints `Checking file` alone.
    .map((l) => l.replace(/^\s*Checking\s+('[^']*'|\S+)\s*/, '').trim())
    .filter((l) => l !== '' && !/SUCCESS/.test(l) && l !== 'FAILED:' && !/failed to validate \d+ file/.test(l));
  const messages = lines.map((l) => l.replace(/^FAILED:\s*/, ''));
  if (messages.length === 0) messages.push(`exited with code ${result.code}`);
  return messages.map((message) => ({ check, severity: 'error', file, message }));
}
