/**
 * `ghmon` as a user runs it: the built CLI (bin/ghmon.js → dist/) on plain node, as child processes.
 *   - `ghmon help` and `ghmon status` (against the running stack): medians of repeated runs beside `node -e 0`
 *     measured in the same run, interleaved (goals ≤ 0.2 s and ≤ 0.4 s).
 *   - `ghmon up` start-up to all-healthy and the stack's total resident memory: every process of the stack and
 *     the supervisor (the `ghmon up` process itself), from /proc after 15 s of demo traffic (goals ≤ 10 s, ≤ 350 MB).
 * Three fresh starts, each in a new state directory on free ports.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.ts';
import { layout } from '../src/stack/layout.ts';
import { livePids } from '../src/stack/pids.ts';
import { freeStackPorts } from '../src/stack/up.ts';

const RUNS = 3;
const CLI_RUNS = 15;
const BIN = fileURLToPath(new URL('../bin/ghmon.js', import.meta.url));
const config = await loadConfig(join(process.cwd(), 'monitoring.config.ts'));

/** Resident memory of a process in KiB: RSS, and PSS (shared pages divided among the processes sharing them). */
function memKiB(pid: number): { rss: number; pss: number } {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rss: field('Rss'), pss: field('Pss') };
  } catch {
    return { rss: 0, pss: 0 };
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Wall time of one command to its exit, in seconds; throws when it fails. */
function timed(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return s;
}

/** Medians of interleaved runs of each command (interleaving spreads the machine's noise evenly). */
function medians(commands: Record<string, string[]>, runs: number): Record<string, number> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) for (const [k, args] of Object.entries(commands)) times[k]?.push(timed(args));
  return Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, median(xs)]));
}

interface Run {
  readyS: number;
  rssKiB: number;
  pssKiB: number;
  perProcess: Record<string, { rss: number; pss: number }>;
  cli?: Record<string, number>;
}

async function oneStack(measureCli: boolean): Promise<Run> {
  const ports = await freeStackPorts(config);
  const state = mkdtempSync(join(tmpdir(), 'ghmon-bench-'));
  const args = [BIN, 'up', '--state', state, ...Object.entries(ports).flatMap(([k, v]) => ['--port', `${k}=${v}`])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  try {
    const readyS = await new Promise<number>((resolve, reject) => {
      const onData = (d: Buffer) => {
        output += d.toString();
        const m = /processes ready in ([\d.]+)s/.exec(output);
        if (m) resolve(Number(m[1]));
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`ghmon up exited ${code}:\n${output}`)));
      setTimeout(() => reject(new Error(`ghmon up not ready after 120 s:\n${output}`)), 120_000).unref();
    });
    await new Promise((r) => setTimeout(r, 15_000));
    const perProcess = Object.fromEntries(
      [...livePids(layout(state).pids)].map(([name, pid]) => [name, memKiB(pid)] as const),
    );
    perProcess.supervisor = memKiB(child.pid as number);
    const total = (k: 'rss' | 'pss') => Object.values(perProcess).reduce((a, b) => a + b[k], 0);
    const cli = measureCli
      ? medians(
          { 'node -e 0': ['-e', '0'], 'ghmon help': [BIN, 'help'], 'ghmon status': [BIN, 'status', '--state', state] },
          CLI_RUNS,
        )
      : undefined;
    return { readyS, rssKiB: total('rss'), pssKiB: total('pss'), perProcess, ...(cli ? { cli } : {}) };
  } finally {
    spawnSync(process.execPath, [BIN, 'down', '--state', state], { stdio: 'ignore', timeout: 60_000 });
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(state, { recursive: true, force: true });
  }
}

const runs: Run[] = [];
for (let i = 0; i < RUNS; i++) runs.push(await oneStack(i === RUNS - 1));
const cli = runs.at(-1)?.cli as Record<string, number>;
const base = cli['node -e 0'] as number;

console.log(`\n## ghmon CLI on plain node (built dist/), medians of ${CLI_RUNS} interleaved runs\n`);
console.log('| command | median | minus `node -e 0` | goal | met |');
console.log('| --- | --- | --- | --- | --- |');
for (const [name, goal] of [
  ['node -e 0', undefined],
  ['ghmon help', 0.2],
  ['ghmon status', 0.4],
] as const) {
  const s = cli[name] as number;
  console.log(
    `| \`${name}\`${name === 'ghmon status' ? ' (running stack)' : ''} | ${s.toFixed(3)} s | ${name === 'node -e 0' ? '—' : `${(s - base).toFixed(3)} s`} | ${goal ? `≤ ${goal} s` : '—'} | ${goal ? (s <= goal ? 'yes' : '**no**') : '—'} |`,
  );
}

const s = median(runs.map((r) => r.readyS));
const mb = median(runs.map((r) => r.rssKiB)) / 1024;
const pssMb = median(runs.map((r) => r.pssKiB)) / 1024;
console.log('\n## ghmon up: start-up and memory (`ghmon up` run from bin/ghmon.js, supervisor included)\n');
console.log(`| figure | median of ${RUNS} | all runs | goal | ratio to goal |`);
console.log('| --- | --- | --- | --- | --- |');
console.log(
  `| up → all healthy | ${s.toFixed(1)} s | ${runs.map((r) => r.readyS.toFixed(1)).join(', ')} s | ≤ 10 s | ${(s / 10).toFixed(2)} |`,
);
console.log(
  `| total RSS (sum over the stack's processes + supervisor) | ${mb.toFixed(0)} MB | ${runs.map((r) => (r.rssKiB / 1024).toFixed(0)).join(', ')} MB | ≤ 350 MB | ${(mb / 350).toFixed(2)} |`,
);
console.log(
  `| total PSS (the same, shared pages counted once) | ${pssMb.toFixed(0)} MB | ${runs.map((r) => (r.pssKiB / 1024).toFixed(0)).join(', ')} MB | ≤ 350 MB | ${(pssMb / 350).toFixed(2)} |`,
);
console.log(
  `\nBy process (last run, RSS / PSS MB): ${Object.entries(runs.at(-1)?.perProcess ?? {})
    .map(([k, v]) => `${k} ${(v.rss / 1024).toFixed(0)}/${(v.pss / 1024).toFixed(0)}`)
    .join(', ')}. A summed RSS counts pages shared between processes once per process: each node process maps` +
    ' the same ~34 MB of the node binary and its libraries.',
);
