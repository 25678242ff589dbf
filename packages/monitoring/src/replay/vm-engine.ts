/**
 * VictoriaMetrics' engine as a replay engine: a throwaway VictoriaMetrics single node (Debian's victoria-metrics) on
 * 127.0.0.1 with its data in a temp dir, series imported into it as JSON lines, `vmalert -replay` evaluating rule
 * files over a time range level by level (ruleLevels: a rule runs once everything it reads is written and
 * flushed), and the alerts it wrote (`ALERTS{alertstate="firing"}`) read back sample by sample. Used by the engine
 * parity of `ghmon replay --parity` and by `ghmon backtest`, which replays a Prometheus' history: unlike promtool's
 * unit tests, no 10,000-sample limit per query, so windows of days work.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { UserError } from '../util/errors.ts';
import { freeLocalPort } from '../util/free-port.ts';
import { runTool } from '../util/tool.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A VictoriaMetrics single node on 127.0.0.1 with its data in a temp dir. */
export class VictoriaMetrics {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly dataDir: string,
    private readonly log: () => string,
  ) {}

  /**
   * Starts one (three attempts on other free ports). `maxPoints`: the most points one range query may return per
   * series (vmalert's replay asks for the whole range of a rule in one query).
   */
  static async start(bin: string, opts: { maxPoints?: number } = {}): Promise<VictoriaMetrics> {
    let lastError = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freeLocalPort();
      const dataDir = mkdtempSync(join(tmpdir(), 'ghmon-vm-'));
      let log = '';
      const child = spawn(
        bin,
        [
          `-storageDataPath=${dataDir}`,
          `-httpListenAddr=127.0.0.1:${port}`,
          // Any history a Prometheus may hold (VictoriaMetrics refuses samples older than its retention).
          '-retentionPeriod=100y',
          // Historical data, read right after it is written: no latency offset, no rollup cache.
          '-search.latencyOffset=0s',
          '-search.disableCache',
          ...(opts.maxPoints ? [`-search.maxPointsPerTimeseries=${opts.maxPoints}`] : []),
          '-loggerLevel=ERROR',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout?.on('data', (d) => {
        log += d;
      });
      child.stderr?.on('data', (d) => {
        log += d;
      });
      const vm = new VictoriaMetrics(child, `http://127.0.0.1:${port}`, dataDir, () => log);
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && child.exitCode === null) {
        try {
          if ((await fetch(`${vm.url}/health`)).ok) return vm;
        } catch {
          // Not listening yet.
        }
        await sleep(100);
      }
      lastError = log.slice(-500);
      await vm.stop();
    }
    throw new UserError(`victoria-metrics did not start on 127.0.0.1: ${lastError}`);
  }

  async get(path: string): Promise<string> {
    const res = await fetch(`${this.url}${path}`);
    const text = await res.text();
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 300)}`);
    return text;
  }

  /** Imports JSON lines (`{"metric":…,"values":[…],"timestamps":[ms…]}`) and makes them searchable. */
  async importLines(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    const res = await fetch(`${this.url}/api/v1/import`, { method: 'POST', body: `${lines.join('\n')}\n` });
    if (!res.ok) throw new Error(`import: ${res.status} ${(await res.text()).slice(0, 300)}`);
    await this.get('/internal/force_flush');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  logTail(): string {
    return this.log().slice(-1000);
  }
}

/** Rule files split into levels (see ruleLevels in vmalert.ts): each level's files, with their groups. */
export type RuleLevels = readonly (readonly { file: string; groups: readonly unknown[] }[])[];

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/**
 * `vmalert -replay` of the rules over [from, to] (Unix seconds) at `step` seconds, level by level, writing the
 * recording rules and ALERTS back into `vm`. The whole range is one query per rule (vmalert restarts `for` at each
 * query of a replay): `vm` must allow that many points (VictoriaMetrics.start's maxPoints).
 */
export async function vmalertReplay(
  vmalert: string,
  vm: VictoriaMetrics,
  levels: RuleLevels,
  range: { from: number; to: number; step: number },
  what: string,
): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'ghmon-vmalert-'));
  try {
    for (const [l, files] of levels.entries()) {
      const args = files.map((f, i) => {
        const path = join(workDir, `level${l}-${i}.yml`);
        writeFileSync(path, stringifyYaml({ groups: f.groups }));
        return `-rule=${path}`;
      });
      const r = await runTool(vmalert, [
        ...args,
        `-datasource.url=${vm.url}`,
        `-remoteWrite.url=${vm.url}`,
        `-evaluationInterval=${range.step}s`,
        // The step of vmalert's range queries (default 5m): every group at the replay's interval.
        `-datasource.queryStep=${range.step}s`,
        `-replay.timeFrom=${iso(range.from)}`,
        `-replay.timeTo=${iso(range.to)}`,
        `-replay.maxDatapointsPerQuery=${Math.ceil((range.to - range.from) / range.step) + 10}`,
        '-replay.rulesDelay=0s',
        '-replay.disableProgressBar',
        `-httpListenAddr=127.0.0.1:${await freeLocalPort()}`,
        '-loggerLevel=ERROR',
      ]);
      if (r.code !== 0) {
        throw new UserError(`vmalert -replay failed on ${what} (exit ${r.code})`, [
          `${r.stdout}\n${r.stderr}`.trim().slice(-1500),
        ]);
      }
      await vm.get('/internal/force_flush');
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** One firing sample of an alert as vmalert wrote it: its labels (without alertstate) and time (Unix seconds). */
export interface FiringSample {
  labels: Record<string, string>;
  time: number;
}

/** Every `ALERTS{alertstate="firing"}` sample in [from, to] (Unix seconds). */
export async function firingSamples(vm: VictoriaMetrics, from: number, to: number): Promise<FiringSample[]> {
  const query = new URLSearchParams({ 'match[]': 'ALERTS{alertstate="firing"}', start: String(from), end: String(to) });
  const exported = await vm.get(`/api/v1/export?${query}`);
  const out: FiringSample[] = [];
  for (const line of exported.split('\n')) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line.replace(/\bNaN\b/g, 'null')) as {
      metric: Record<string, string>;
      timestamps: number[];
    };
    const { __name__: _n, alertstate: _s, ...labels } = row.metric;
    for (const ts of row.timestamps) out.push({ labels, time: Math.round(ts / 1000) });
  }
  return out;
}
