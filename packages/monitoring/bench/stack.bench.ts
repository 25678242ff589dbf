/**
 * `ghmon up` start-up time to all-healthy and the stack's total resident memory (goals: ≤ 10 s and ≤ 400 MB
 * on this 2-core machine). Three fresh starts, each in a new state directory; RSS read from /proc after the
 * stack has run for 15 s with demo traffic.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import { layout } from '../src/stack/layout.ts';
import { livePids } from '../src/stack/pids.ts';
import { freeStackPorts, startStack } from '../src/stack/up.ts';

const RUNS = 3;
const config = await loadConfig(join(process.cwd(), 'monitoring.config.ts'));

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

const startup: number[] = [];
const rss: number[] = [];
let perProcess: Record<string, number> = {};
for (let i = 0; i < RUNS; i++) {
  const ports = await freeStackPorts(config);
  const state = mkdtempSync(join(tmpdir(), 'ghmon-bench-'));
  const stack = await startStack({ config, stateDir: state, ports, rps: 5 });
  startup.push(stack.readyMs);
  await new Promise((r) => setTimeout(r, 15_000));
  const pids = livePids(layout(state).pids);
  perProcess = Object.fromEntries([...pids].map(([name, pid]) => [name, rssKiB(pid)]));
  rss.push(Object.values(perProcess).reduce((a, b) => a + b, 0) + rssKiB(process.pid));
  await stack.stop();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const s = median(startup) / 1000;
const mb = median(rss) / 1024;
console.log('\n## ghmon up: start-up and memory\n');
console.log(`| figure | median of ${RUNS} | all runs | goal | ratio to goal |`);
console.log('| --- | --- | --- | --- | --- |');
console.log(
  `| up → all healthy | ${s.toFixed(1)} s | ${startup.map((x) => (x / 1000).toFixed(1)).join(', ')} s | ≤ 10 s | ${(s / 10).toFixed(2)} |`,
);
console.log(
  `| total RSS (stack + supervisor) | ${mb.toFixed(0)} MB | ${rss.map((x) => (x / 1024).toFixed(0)).join(', ')} MB | ≤ 400 MB | ${(mb / 400).toFixed(2)} |`,
);
console.log(
  `\nRSS by process (last run, MB): ${Object.entries(perProcess)
    .map(([k, v]) => `${k} ${(v / 1024).toFixed(0)}`)
    .join(', ')}, supervisor ${(rssKiB(process.pid) / 1024).toFixed(0)}`,
);
