/**
 * `ghmon check` wall time on Grey Haven's out/ (issue 18: the goal is ≤ 6 s with every check run).
 *
 * Builds Grey Haven's out/ (the repository's monitoring.config.ts) into a temporary directory with the built
 * CLI (`node scripts/build.mjs` first), then runs the built `ghmon check --format json` RUNS times (5; 1 with
 * BENCH_QUICK=1), as users run it. Reported: the median, lowest and highest wall time, the median user+system
 * CPU time of the command and its children, the ratio of the median to the goal, and every check's median wall
 * time from the JSON summary (`ms`; checks run concurrently, so they add up to more than the total). The load
 * average is printed too: on a shared machine it explains most of the spread. Not a timed test: nothing fails
 * on a slow run, only a failing or unclean check does.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = join(ROOT, 'packages', 'monitoring', 'bin', 'ghmon.js');
const RUNS = process.env.BENCH_QUICK ? 1 : Number(process.env.RUNS ?? 5);
const GOAL_S = 6;

interface Summary {
  id: string;
  findings: number;
  ms: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Runs the built CLI; throws with its output on a non-zero exit. */
function ghmon(args: string[]): { stdout: string; wallS: number; cpuS: number } {
  // A node wrapper times the command's wall clock; /usr/bin/time around the wrapper reports the CPU of the
  // whole tree (rusage counts waited-for children: ghmon, promtool, amtool).
  const wrapper = `
    const { spawnSync } = require('node:child_process');
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ${JSON.stringify([BIN, ...args])}, { cwd: ${JSON.stringify(ROOT)}, encoding: 'utf8', maxBuffer: 1 << 26 });
    const wall = Number(process.hrtime.bigint() - t) / 1e9;
    process.stdout.write(JSON.stringify({ status: r.status, stdout: r.stdout, stderr: r.stderr, wall }));
  `;
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, '-e', wrapper], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const res = JSON.parse(r.stdout) as { status: number; stdout: string; stderr: string; wall: number };
  if (res.status !== 0) throw new Error(`ghmon ${args.join(' ')} exited ${res.status}:\n${res.stderr}${res.stdout}`);
  const [user = 0, sys = 0] = (r.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return { stdout: res.stdout, wallS: res.wall, cpuS: user + sys };
}

const dir = mkdtempSync(join(tmpdir(), 'ghmon-check-bench-'));
try {
  const out = join(dir, 'out');
  ghmon(['build', '--out', out]);
  const walls: number[] = [];
  const cpus: number[] = [];
  const perCheck = new Map<string, number[]>();
  for (let i = 0; i < RUNS; i++) {
    const r = ghmon(['check', '--out', out, '--format', 'json']);
    const doc = JSON.parse(r.stdout) as { clean: boolean; checks: Summary[] };
    if (!doc.clean) throw new Error(`ghmon check: ${out}/ is not clean`);
    walls.push(r.wallS);
    cpus.push(r.cpuS);
    for (const c of doc.checks) perCheck.set(c.id, [...(perCheck.get(c.id) ?? []), c.ms]);
  }
  const wall = median(walls);
  console.log(`## ghmon check on Grey Haven's out/ (${RUNS} run${RUNS > 1 ? 's' : ''})\n`);
  console.log(
    `CPUs: ${availableParallelism()}; load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  console.log('| measure | value |\n|---|---|');
  console.log(`| median wall | ${wall.toFixed(2)} s |`);
  console.log(`| min / max wall | ${Math.min(...walls).toFixed(2)} s / ${Math.max(...walls).toFixed(2)} s |`);
  console.log(`| median CPU (user+sys, with children) | ${median(cpus).toFixed(2)} s |`);
  console.log(`| median / goal (${GOAL_S} s) | ${(wall / GOAL_S).toFixed(2)}× |\n`);
  console.log('| check | median wall |\n|---|---|');
  for (const [id, ms] of perCheck) console.log(`| ${id} | ${(median(ms) / 1000).toFixed(2)} s |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
