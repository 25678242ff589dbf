/**
 * The scaling curve: one Prometheus vs the VictoriaMetrics path ghmon generates (`scale` in the config), scraping
 * the same synthetic fleet (bench/lib/load-targets.ts) at 10k, 50k and 200k active series, one engine at a time.
 *
 * For each size: the fleet (one Node process, one port per target, ~2,000 series per target, 4 services) runs in
 * a child process; a ghmon model whose services scrape exactly that fleet is generated in memory (the build's
 * `prometheus/` and `victoriametrics/` trees, written to a temp dir; scrape jobs other than the fleet's services
 * are dropped so nothing scrapes a well-known port). Then
 * (a) Debian's Prometheus 2.42 with that prometheus.yml and the generated rules (out/prometheus/rules);
 * (b) the processes of out/victoriametrics/processes.yml: 2 vmagent members with their cluster flags and
 *     replication 2 (as generated: each target is scraped twice, the store deduplicates — this is the HA cost the
 *     VM path pays), one victoria-metrics single node with `-dedup.minScrapeInterval`, and one vmalert (the
 *     config asks for `evaluators: 1`: a second replica would only double the same evaluations) on
 *     out/victoriametrics/rules. Alerts of both go to a sink HTTP server in this process.
 * Each engine gets WARMUP_S to create its series, then a WINDOW_S measurement window, then the queries.
 *
 * Measured, per engine and size:
 * - resident memory (VmRSS of every process of the engine, the largest total seen in the window) per active
 *   series, and the marginal bytes per series between sizes;
 * - CPU seconds (utime + stime from /proc/<pid>/stat, delta over the window) per second, per 1k samples/s the
 *   fleet offers (series / scrape interval — the same denominator for both engines; the VM path's replication and
 *   the rules' own samples are its cost, not extra "ingest");
 * - scrape duration (`scrape_duration_seconds` of the fleet's jobs, which Prometheus and vmagent both record,
 *   queried over the window: average and maximum) and scrapes done vs expected;
 * - the golden-signals dashboard's HTTP panel queries and the two by-service rules, through the recording rules
 *   (`greyhaven:*`), as range queries over the last RANGE_MIN minutes at the scrape interval: median of
 *   QUERY_ROUNDS calls each after a warm-up; and one raw query (the p95 rule's expression) for context.
 * - keeping up: scrapes done vs expected, p99 of the actual scrape interval, maximum scrape duration vs the
 *   interval, missed rule-group iterations, sample-limit hits, RSS vs the machine's available memory.
 *
 * Env: BENCH_QUICK=1 (1k and 2k series, 2 s interval, seconds per phase; writes nothing under docs/),
 * SCALING_SIZES=10000,50000 (override the sizes), SCALING_WRITE_DOCS=0 (print only).
 * Without BENCH_QUICK the report goes to docs/scaling-curve.md and the chart to docs/img/scaling-curve.svg.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { freePort, startPrometheus } from '../../../test/support/prometheus.ts';
import { validateConfig } from '../src/config/load.ts';
import { OUT, RECORD } from '../src/conventions.ts';
import { generate } from '../src/generate.ts';
import { ruleFiles } from '../src/generators/prometheus/rules/index.ts';
import type { RecordingRule } from '../src/generators/prometheus/rules/types.ts';
import { buildModel } from '../src/model/model.ts';
import { dashboardQueries } from '../src/outdir/dashboards.ts';
import { type LoadTarget, serviceNames } from './lib/load-targets.ts';
import { type ScalingPanel, scalingChartSvg } from './lib/scaling-chart.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const SIZES = (process.env.SCALING_SIZES?.split(',').map(Number) ?? (QUICK ? [1000, 2000] : [10_000, 50_000, 200_000]))
  .filter((n) => Number.isInteger(n) && n > 0)
  .sort((a, b) => a - b);
const INTERVAL_S = QUICK ? 2 : 15;
const WARMUP_S = QUICK ? 10 : 40;
const WINDOW_S = QUICK ? 8 : 60;
const QUERY_ROUNDS = QUICK ? 3 : 7;
const RANGE_MIN = 10;
const RULES_WAIT_S = 30;
const SERVICES = 4;
const SERIES_PER_TARGET = 2000;
const WRITE_DOCS = !QUICK && process.env.SCALING_WRITE_DOCS !== '0';
const CLK_TCK = 100; // Linux's USER_HZ on every architecture Debian ships
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const targetsFor = (series: number) => Math.max(SERVICES, Math.round(series / SERIES_PER_TARGET));

// --- Processes ---
interface Proc {
  name: string;
  child: ChildProcess;
  log: () => string;
  /** Everything the process printed on stdout (the load generator's JSON line). */
  stdout: () => string;
}

function startProc(name: string, bin: string, args: string[], cwd: string): Proc {
  const child = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    if (out.length < 1_000_000) out += d.toString();
  });
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (e) => keep(Buffer.from(`spawn error: ${e.message}`)));
  return { name, child, log: () => log, stdout: () => out };
}

async function stopProc(p: Proc): Promise<void> {
  const c = p.child;
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), 8000);
  await exited;
  clearTimeout(timer);
}

async function waitHttp(url: string, p: Proc, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited (${p.child.exitCode}): ${p.log().slice(-2000)}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${p.name} not ready at ${url}: ${p.log().slice(-2000)}`);
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}
function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? Number.NaN) * 1024;
}
function memAvailableBytes(): number {
  return Number(/^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]) * 1024;
}

/** Sum of every sample of a metric family in a /metrics text (optionally only lines whose labels match). */
async function metricSum(url: string, name: string, labelFilter?: RegExp): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!(rest.startsWith(' ') || rest.startsWith('{'))) continue;
    if (labelFilter && !labelFilter.test(rest)) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) {
      sum += v;
      seen = true;
    }
  }
  return seen ? sum : Number.NaN;
}

// --- PromQL over HTTP (both engines speak the Prometheus API) ---
interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}
async function instant(base: string, expr: string, time?: number): Promise<number> {
  const at = time === undefined ? '' : `&time=${time}`;
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}${at}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: Sample[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  const v = body.data.result[0]?.value[1];
  return v === undefined ? Number.NaN : Number(v);
}
async function rangeMs(base: string, expr: string, start: number, end: number): Promise<{ ms: number; n: number }> {
  const url = `${base}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${start}&end=${end}&step=${INTERVAL_S}`;
  const t0 = performance.now();
  const res = await fetch(url);
  const body = (await res.json()) as { status: string; error?: string; data: { result: unknown[] } };
  const ms = performance.now() - t0;
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return { ms, n: body.data.result.length };
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] as number);
};

// --- The fleet and the generated config ---
interface Fleet {
  proc: Proc;
  targets: LoadTarget[];
}
async function startFleet(series: number): Promise<Fleet> {
  const proc = startProc(
    'load-targets',
    process.execPath,
    [
      '--conditions=@greyhaven/source',
      '--import',
      'tsx',
      join(here, 'lib', 'load-targets.ts'),
      '--series',
      String(series),
      '--targets',
      String(targetsFor(series)),
      '--services',
      String(SERVICES),
      '--json',
    ],
    root,
  );
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const line = proc.stdout().split('\n')[0] ?? '';
    if (line.startsWith('{') && proc.stdout().includes('\n')) {
      const parsed = JSON.parse(line) as { series: number; targets: LoadTarget[] };
      return { proc, targets: parsed.targets };
    }
    if (proc.child.exitCode !== null) throw new Error(`load generator exited: ${proc.log()}`);
    await sleep(100);
  }
  await stopProc(proc);
  throw new Error(`load generator did not start: ${proc.log()}`);
}

interface Generated {
  dir: string;
  files: Map<string, string>;
  /** The dashboard queries through recording rules, and one raw query for context. */
  queries: { name: string; expr: string }[];
  raw: { name: string; expr: string };
}

/** Keeps only the fleet's jobs in a generated scrape config (no scrape of well-known ports, no extra series). */
function onlyServiceJobs(text: string, services: string[], alertSink?: string): string {
  const doc = parse(text) as {
    scrape_configs: { job_name: string }[];
    alerting?: unknown;
  };
  doc.scrape_configs = doc.scrape_configs.filter((j) => services.includes(j.job_name));
  if (doc.alerting !== undefined && alertSink !== undefined) {
    doc.alerting = { alertmanagers: [{ static_configs: [{ targets: [alertSink] }] }] };
  }
  return stringify(doc);
}

function generateFor(targets: LoadTarget[], vmPort: number, sink: string): Generated {
  const services = serviceNames(SERVICES);
  const config = validateConfig({
    scrapeInterval: `${INTERVAL_S}s`,
    evaluationInterval: `${INTERVAL_S}s`,
    services: services.map((name) => ({
      name,
      runtime: 'typescript',
      scrape: { targets: targets.filter((t) => t.service === name).map((t) => t.instance) },
    })),
    alertmanager: { targets: [sink] },
    scale: {
      engine: 'victoriametrics',
      scrapers: 2,
      replication: 2,
      evaluators: 1,
      store: { writeUrl: `http://127.0.0.1:${vmPort}/api/v1/write`, queryUrl: `http://127.0.0.1:${vmPort}` },
    },
  });
  const model = buildModel(config);
  const files = generate(model);
  const dir = mkdtempSync(join(tmpdir(), 'ghmon-scaling-'));
  for (const [path, content] of files) {
    if (!path.startsWith('prometheus/') && !path.startsWith('victoriametrics/')) continue;
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    let text = content;
    if (path === 'prometheus/prometheus.yml') text = onlyServiceJobs(content, services, sink);
    if (path === 'victoriametrics/vmagent.yml') text = onlyServiceJobs(content, services);
    writeFileSync(join(dir, path), text);
  }
  const rules = new Map(
    ruleFiles(model)
      .flatMap((f) => f.groups.flatMap((g) => g.rules))
      .filter((r): r is RecordingRule => 'record' in r)
      .map((r) => [r.record, r]),
  );
  const dashboard = [...files].find(([p]) => p.startsWith(OUT.grafanaDashboardsDir) && p.includes('golden-signals'));
  const queries = (dashboard ? dashboardQueries(dashboard[0], dashboard[1]).queries : [])
    .filter((q) => /greyhaven:http_/.test(q.expr) && !q.expr.includes('$'))
    .map((q) => ({ name: q.expr, expr: q.expr }));
  for (const r of [RECORD.requestsRate5mByService, RECORD.errorsRate5mByService]) queries.push({ name: r, expr: r });
  const p95 = rules.get(RECORD.durationP95);
  if (!p95 || queries.length < 3) throw new Error('generated rules or dashboard lack the golden-signals HTTP queries');
  return { dir, files, queries, raw: { name: `raw ${RECORD.durationP95}`, expr: p95.expr } };
}

// --- One engine's measurement ---
interface Measure {
  /** Largest total RSS seen in the window, bytes. */
  rss: number;
  /** CPU seconds per second over the window (cores in use). */
  cores: number;
  /** Per process: cores and RSS (VM path: which component costs what). */
  parts: { name: string; cores: number; rss: number }[];
  scrapeAvgS: number;
  scrapeMaxS: number;
  scrapesDone: number;
  scrapesExpected: number;
  /** VM path: scrapes the vmagent members made in the window (replication 2: twice the targets'). */
  agentScrapes: number;
  intervalP99S: number;
  missedRuleIterations: number;
  sampleLimitHits: number;
  /** Samples the engine wrote in the window, per second (its own counter). */
  writtenPerS: number;
  /** Median ms per query (through recording rules); the raw query's median; series returned. */
  queryMs: { name: string; ms: number; n: number }[];
  rawMs: number;
  /** Seconds waited after the window until every recorded query had a series. */
  rulesReadyS: number;
  headSeries: number;
}

async function window(pids: { name: string; pid: number }[]): Promise<Pick<Measure, 'rss' | 'cores' | 'parts'>> {
  const t0 = performance.now();
  const c0 = pids.map((p) => cpuSeconds(p.pid));
  const maxRss = pids.map(() => 0);
  let maxTotal = 0;
  const end = Date.now() + WINDOW_S * 1000;
  while (Date.now() < end) {
    const rs = pids.map((p) => rssBytes(p.pid));
    rs.forEach((r, i) => {
      maxRss[i] = Math.max(maxRss[i] as number, r);
    });
    maxTotal = Math.max(
      maxTotal,
      rs.reduce((a, b) => a + b, 0),
    );
    await sleep(Math.min(1000, Math.max(50, end - Date.now())));
  }
  const secs = (performance.now() - t0) / 1000;
  const parts = pids.map((p, i) => ({
    name: p.name,
    cores: (cpuSeconds(p.pid) - (c0[i] as number)) / secs,
    rss: maxRss[i] as number,
  }));
  return { rss: maxTotal, cores: parts.reduce((a, p) => a + p.cores, 0), parts };
}

async function queries(base: string, g: Generated): Promise<Pick<Measure, 'queryMs' | 'rawMs' | 'rulesReadyS'>> {
  // Both engines: wait (up to RULES_WAIT_S) until every recorded query has a series, so a query is timed on
  // data, not on an empty answer. vmalert's results reach the store later than Prometheus' (its remote write
  // flushes every few seconds and the store indexes new series), which only matters in a short BENCH_QUICK run.
  const t0 = performance.now();
  const deadline = Date.now() + RULES_WAIT_S * 1000;
  for (const q of g.queries) {
    while (Date.now() < deadline) {
      const now = Math.floor(Date.now() / 1000);
      if ((await rangeMs(base, q.expr, now - RANGE_MIN * 60, now)).n > 0) break;
      await sleep(500);
    }
  }
  const rulesReadyS = (performance.now() - t0) / 1000;
  const end = Math.floor(Date.now() / 1000);
  const start = end - RANGE_MIN * 60;
  for (const q of g.queries) await rangeMs(base, q.expr, start, end);
  await rangeMs(base, g.raw.expr, start, end);
  const times = new Map<string, number[]>(g.queries.map((q) => [q.name, []]));
  const counts = new Map<string, number>();
  for (let r = 0; r < QUERY_ROUNDS; r++) {
    for (const q of g.queries) {
      const { ms, n } = await rangeMs(base, q.expr, start, end);
      times.get(q.name)?.push(ms);
      counts.set(q.name, n);
    }
  }
  const raw: number[] = [];
  for (let r = 0; r < Math.min(3, QUERY_ROUNDS); r++) raw.push((await rangeMs(base, g.raw.expr, start, end)).ms);
  return {
    queryMs: g.queries.map((q) => ({ name: q.name, ms: median(times.get(q.name) ?? []), n: counts.get(q.name) ?? 0 })),
    rawMs: median(raw),
    rulesReadyS,
  };
}

const JOBS = `job=~"${serviceNames(SERVICES).join('|')}"`;
const W = `${WARMUP_S + WINDOW_S}s`;
/** Scrapes of the fleet stored in the window (`up` samples; the VM store counts the replicas' copies once). */
const SCRAPES_DONE = `sum(count_over_time(up{${JOBS}}[${WINDOW_S}s]))`;

async function measurePrometheus(g: Generated, targets: number): Promise<Measure> {
  const prometheus = await startPrometheus({ configFile: join(g.dir, 'prometheus', 'prometheus.yml') });
  try {
    const pid = prometheus.process.pid as number;
    const self = `${prometheus.url}/metrics`;
    await sleep(WARMUP_S * 1000);
    const a0 = await metricSum(self, 'prometheus_tsdb_head_samples_appended_total');
    const t0 = performance.now();
    const w = await window([{ name: 'prometheus', pid }]);
    const secs = (performance.now() - t0) / 1000;
    const tEnd = Date.now() / 1000;
    const written = ((await metricSum(self, 'prometheus_tsdb_head_samples_appended_total')) - a0) / secs;
    const scrapesDone = await instant(prometheus.url, SCRAPES_DONE, tEnd);
    const q = await queries(prometheus.url, g);
    return {
      ...w,
      scrapeAvgS: await instant(prometheus.url, `avg(avg_over_time(scrape_duration_seconds{${JOBS}}[${W}]))`),
      scrapeMaxS: await instant(prometheus.url, `max(max_over_time(scrape_duration_seconds{${JOBS}}[${W}]))`),
      scrapesDone,
      scrapesExpected: (targets * WINDOW_S) / INTERVAL_S,
      agentScrapes: Number.NaN,
      intervalP99S: await metricSum(
        self,
        'prometheus_target_interval_length_seconds',
        new RegExp(`interval="${INTERVAL_S}s",quantile="0.99"`),
      ),
      missedRuleIterations: await metricSum(self, 'prometheus_rule_group_iterations_missed_total'),
      sampleLimitHits: await metricSum(self, 'prometheus_target_scrapes_exceeded_sample_limit_total'),
      writtenPerS: written,
      headSeries: await metricSum(self, 'prometheus_tsdb_head_series'),
      ...q,
    };
  } finally {
    await prometheus.stop();
  }
}

interface ProcSpec {
  name: string;
  command: string;
  args: string[];
}

async function measureVictoriaMetrics(g: Generated, vmPort: number, targets: number): Promise<Measure> {
  const specs = (
    parse(readFileSync(join(g.dir, 'victoriametrics', 'processes.yml'), 'utf8')) as { processes: ProcSpec[] }
  ).processes;
  const data = mkdtempSync(join(tmpdir(), 'ghmon-scaling-vm-'));
  const procs: (Proc & { url: string })[] = [];
  try {
    const vmSpec = specs.find((s) => s.command === 'victoria-metrics');
    if (!vmSpec) throw new Error('processes.yml has no victoria-metrics');
    const vmUrl = `http://127.0.0.1:${vmPort}`;
    const vm = startProc(
      vmSpec.name,
      '/usr/bin/victoria-metrics',
      [
        ...vmSpec.args,
        `-storageDataPath=${join(data, 'vm')}`,
        `-httpListenAddr=127.0.0.1:${vmPort}`,
        // Queries see the newest samples, as Prometheus' do (the default hides the last 30 s).
        '-search.latencyOffset=0s',
        '-loggerLevel=ERROR',
      ],
      g.dir,
    );
    procs.push({ ...vm, url: vmUrl });
    await waitHttp(`${vmUrl}/health`, vm);
    for (const s of specs.filter((x) => x.command !== 'victoria-metrics')) {
      const port = await freePort();
      const extra =
        s.command === 'vmagent'
          ? [`-remoteWrite.tmpDataPath=${join(data, s.name)}`, `-httpListenAddr=127.0.0.1:${port}`]
          : [`-httpListenAddr=127.0.0.1:${port}`];
      const p = startProc(s.name, `/usr/bin/${s.command}`, [...s.args, ...extra, '-loggerLevel=ERROR'], g.dir);
      procs.push({ ...p, url: `http://127.0.0.1:${port}` });
      await waitHttp(`http://127.0.0.1:${port}/health`, p);
    }
    const agents = procs.filter((p) => p.name.startsWith('vmagent'));
    const alerts = procs.filter((p) => p.name.startsWith('vmalert'));
    const sumOver = async (ps: typeof procs, name: string, filter?: RegExp) => {
      let s = 0;
      for (const p of ps) s += await metricSum(`${p.url}/metrics`, name, filter);
      return s;
    };
    await sleep(WARMUP_S * 1000);
    const s0 = await sumOver(agents, 'vm_promscrape_scrapes_total');
    const r0 = await metricSum(`${vmUrl}/metrics`, 'vm_rows_inserted_total');
    const t0 = performance.now();
    const w = await window(procs.map((p) => ({ name: p.name, pid: p.child.pid as number })));
    const secs = (performance.now() - t0) / 1000;
    const tEnd = Date.now() / 1000;
    const agentScrapes = (await sumOver(agents, 'vm_promscrape_scrapes_total')) - s0;
    const written = ((await metricSum(`${vmUrl}/metrics`, 'vm_rows_inserted_total')) - r0) / secs;
    await fetch(`${vmUrl}/internal/force_flush`);
    await sleep(1500);
    const scrapesDone = await instant(vmUrl, SCRAPES_DONE, tEnd);
    const q = await queries(vmUrl, g);
    return {
      ...w,
      scrapeAvgS: await instant(vmUrl, `avg(avg_over_time(scrape_duration_seconds{${JOBS}}[${W}]))`),
      scrapeMaxS: await instant(vmUrl, `max(max_over_time(scrape_duration_seconds{${JOBS}}[${W}]))`),
      scrapesDone,
      scrapesExpected: (targets * WINDOW_S) / INTERVAL_S,
      agentScrapes,
      intervalP99S: Number.NaN,
      missedRuleIterations: await sumOver(alerts, 'vmalert_iteration_missed_total'),
      sampleLimitHits: await sumOver(agents, 'vm_promscrape_scrapes_skipped_by_sample_limit_total'),
      writtenPerS: written,
      headSeries: await instant(vmUrl, `count({__name__=~".+"})`),
      ...q,
    };
  } finally {
    for (const p of [...procs].reverse()) await stopProc(p);
    rmSync(data, { recursive: true, force: true });
  }
}

// --- Run ---
const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const mib = (b: number) => b / 2 ** 20;
const memAvailable0 = memAvailableBytes();
const freeM = (() => {
  const r = spawn('free', ['-m']);
  let s = '';
  r.stdout.on('data', (d: Buffer) => {
    s += d.toString();
  });
  return new Promise<string>((res) => r.on('close', () => res(s.trim())));
})();
const sinkServer = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((r) => sinkServer.listen(0, '127.0.0.1', () => r()));
const sink = `127.0.0.1:${(sinkServer.address() as AddressInfo).port}`;
const startedAt = new Date();
const results: { series: number; targets: number; prom?: Measure; vm?: Measure; error?: string }[] = [];
try {
  for (const series of SIZES) {
    const row: (typeof results)[number] = { series, targets: targetsFor(series) };
    results.push(row);
    console.error(`[scaling] ${series} series on ${row.targets} targets`);
    let fleet: Fleet | undefined;
    let g: Generated | undefined;
    try {
      fleet = await startFleet(series);
      const vmPort = await freePort();
      g = generateFor(fleet.targets, vmPort, sink);
      console.error('[scaling]   Prometheus');
      row.prom = await measurePrometheus(g, fleet.targets.length);
      console.error('[scaling]   vmagent ×2 → VictoriaMetrics + vmalert');
      row.vm = await measureVictoriaMetrics(g, vmPort, fleet.targets.length);
    } catch (err) {
      row.error = (err as Error).message.slice(0, 500);
      console.error(`[scaling]   failed: ${row.error}`);
    } finally {
      if (fleet) await stopProc(fleet.proc);
      if (g) rmSync(g.dir, { recursive: true, force: true });
    }
  }
} finally {
  sinkServer.close();
}

// --- Report ---
const done = results.filter(
  (r): r is typeof r & { prom: Measure; vm: Measure } => r.prom !== undefined && r.vm !== undefined,
);
const offered = (series: number) => series / INTERVAL_S / 1000; // 1k samples/s the fleet offers
const perSeriesKiB = (m: Measure, s: number) => m.rss / s / 1024;
const cpuPer1k = (m: Measure, s: number) => m.cores / offered(s);
const dashMs = (m: Measure) => m.queryMs.reduce((a, q) => a + q.ms, 0);
const ratio = (vm: number, p: number) => (Number.isFinite(vm / p) ? `${fmt(vm / p, 2)}×` : '—');

/** Where an engine stops keeping up at a size: the reasons, or none. */
function behind(m: Measure): string[] {
  const why: string[] = [];
  if (m.scrapesDone < 0.9 * m.scrapesExpected)
    why.push(`only ${fmt(m.scrapesDone, 0)} of ${fmt(m.scrapesExpected, 0)} scrapes`);
  if (m.scrapeMaxS > INTERVAL_S) why.push(`a scrape took ${fmt(m.scrapeMaxS, 1)} s > ${INTERVAL_S} s`);
  if (m.intervalP99S > 1.5 * INTERVAL_S) why.push(`p99 scrape interval ${fmt(m.intervalP99S, 1)} s`);
  if (m.missedRuleIterations > 0) why.push(`${m.missedRuleIterations} missed rule-group iterations`);
  if (m.sampleLimitHits > 0) why.push(`${m.sampleLimitHits} scrapes over the sample limit`);
  if (m.rss > 0.5 * memAvailable0) why.push(`RSS ${fmt(mib(m.rss), 0)} MiB > half the available memory`);
  if (m.cores > 0.8 * cpus().length) why.push(`${fmt(m.cores, 2)} cores busy of ${cpus().length}`);
  const empty = m.queryMs.filter((q) => q.n === 0).map((q) => `\`${q.name}\``);
  if (empty.length > 0) why.push(`no recorded series for ${empty.join(', ')}`);
  return why;
}

const lines: string[] = [];
const say = (s = '') => lines.push(s);
say('# Scaling curve: one Prometheus vs vmagent → VictoriaMetrics');
say();
say(
  `Produced by \`npm run bench -- scaling\` (packages/monitoring/bench/scaling.bench.ts) on ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC${QUICK ? ' with BENCH_QUICK=1 (tiny sizes: a smoke run, not figures)' : ''}. Machine: ${cpus().length} cores (nproc), Node ${process.version}, Prometheus 2.42 and VictoriaMetrics 1.79 (Debian). \`free -m\` at the start:`,
);
say();
say('```');
say(await freeM);
say('```');
say();
say(
  `What ran, per size: the synthetic fleet (bench/lib/load-targets.ts: one port per target, ${SERIES_PER_TARGET.toLocaleString('en')} series per target, ${SERVICES} services, the metric contract's counters and histograms growing between scrapes) scraped every ${INTERVAL_S} s by (a) one Prometheus with ghmon's generated prometheus.yml and rules, then (b) the generated VictoriaMetrics processes: 2 vmagent members (cluster flags, replication 2: every target scraped twice), one victoria-metrics single node (\`-dedup.minScrapeInterval=${INTERVAL_S}s\`; the bench adds \`-search.latencyOffset=0s\` so its queries see the newest samples as Prometheus' do) and one vmalert on the generated vmalert rules. One engine at a time on the same fleet; ${WARMUP_S} s warm-up, then a ${WINDOW_S} s window for CPU (utime+stime from /proc) and RSS (largest total VmRSS seen); then the golden-signals dashboard's HTTP panels and the two by-service rules as range queries through the recording rules over the last ${RANGE_MIN} min (median of ${QUERY_ROUNDS} calls each, after a warm-up; "dashboard" = the sum of the medians). "VM path" figures add up every process of the path (2 vmagents + victoria-metrics + vmalert). The fleet keeps idle keep-alive connections open: with Node's default 5 s keep-alive timeout, a first run measured every vmagent scrape at 2.0 s (vmagent 1.79 retries a pooled connection the server closed after a pause, Prometheus reconnects at once) — worth knowing for Node services scraped by vmagent at 15 s.`,
);
say();
say(
  '| active series (targets) | engine | RSS | RSS per series | CPU cores | CPU s per 1k samples/s | scrape avg / max | scrapes done / expected | dashboard via rules (ms) | raw p95 query (ms) | series in the store |',
);
say('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  if (r.error !== undefined && !(r.prom && r.vm)) {
    say(
      `| ${r.series.toLocaleString('en')} (${r.targets}) | — | not measured: ${r.error.replace(/\|/g, '/')} | | | | | | | | |`,
    );
  }
  for (const [label, m] of [
    ['Prometheus', r.prom],
    ['VM path', r.vm],
  ] as const) {
    if (!m) continue;
    say(
      `| ${r.series.toLocaleString('en')} (${r.targets}) | ${label} | ${fmt(mib(m.rss), 0)} MiB | ${fmt(perSeriesKiB(m, r.series), 2)} KiB | ${fmt(m.cores, 3)} | ${fmt(cpuPer1k(m, r.series), 3)} | ${fmt(m.scrapeAvgS * 1000, 0)} / ${fmt(m.scrapeMaxS * 1000, 0)} ms | ${fmt(m.scrapesDone, 0)} / ${fmt(m.scrapesExpected, 0)} | ${fmt(dashMs(m), 1)} | ${fmt(m.rawMs, 0)} | ${fmt(m.headSeries, 0)} |`,
    );
  }
}
say();
say('Ratios VM path / Prometheus at each size (below 1: the VM path uses less):');
say();
say('| active series | RSS | CPU per 1k samples/s | scrape avg | dashboard via rules | raw p95 query |');
say('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of done) {
  say(
    `| ${r.series.toLocaleString('en')} | ${ratio(r.vm.rss, r.prom.rss)} | ${ratio(cpuPer1k(r.vm, r.series), cpuPer1k(r.prom, r.series))} | ${ratio(r.vm.scrapeAvgS, r.prom.scrapeAvgS)} | ${ratio(dashMs(r.vm), dashMs(r.prom))} | ${ratio(r.vm.rawMs, r.prom.rawMs)} |`,
  );
}
say();
say('VM path by component (cores, largest RSS):');
say();
for (const r of done) {
  say(
    `- ${r.series.toLocaleString('en')} series: ${r.vm.parts.map((p) => `${p.name} ${fmt(p.cores, 3)} cores, ${fmt(mib(p.rss), 0)} MiB`).join('; ')}. vmagent scrapes in the window: ${fmt(r.vm.agentScrapes, 0)} (replication 2). Rows written to the store: ${fmt(r.vm.writtenPerS, 0)}/s (Prometheus appended ${fmt(r.prom.writtenPerS, 0)}/s; the fleet offers ${fmt(r.series / INTERVAL_S, 0)}/s).`,
  );
}
say();
say('Per dashboard query (median ms, Prometheus / VM path, series returned):');
say();
for (const r of done) {
  say(
    `- ${r.series.toLocaleString('en')} series: ${r.prom.queryMs.map((q, i) => `\`${q.name}\` ${fmt(q.ms, 1)} / ${fmt(r.vm.queryMs[i]?.ms ?? Number.NaN, 1)} (${q.n}/${r.vm.queryMs[i]?.n ?? 0})`).join('; ')}`,
  );
}
say();
// Marginal memory per series between the two largest sizes, and where each engine would meet the machine's limits.
say('## Where one Prometheus stops keeping up');
say();
for (const r of done) {
  const pb = behind(r.prom);
  const vb = behind(r.vm);
  say(
    `- ${r.series.toLocaleString('en')} series: Prometheus ${pb.length === 0 ? 'kept up' : `fell behind (${pb.join('; ')})`}; VM path ${vb.length === 0 ? 'kept up' : `fell behind (${vb.join('; ')})`}. Missed rule iterations: ${fmt(r.prom.missedRuleIterations, 0)} / ${fmt(r.vm.missedRuleIterations, 0)}; p99 of Prometheus' actual scrape interval ${fmt(r.prom.intervalP99S, 1)} s; every recorded query had data ${fmt(r.prom.rulesReadyS, 1)} s / ${fmt(r.vm.rulesReadyS, 1)} s after the window.`,
  );
}
if (done.length >= 2) {
  const [a, b] = [done[done.length - 2], done[done.length - 1]] as [(typeof done)[number], (typeof done)[number]];
  const slope = (x: Measure, y: Measure) => (y.rss - x.rss) / (b.series - a.series);
  const cpuSlope = (x: Measure, y: Measure) => (y.cores - x.cores) / (b.series - a.series);
  const limit = (perSeries: number, cap: number, used: number) =>
    perSeries > 0 ? b.series + (cap - used) / perSeries : Number.POSITIVE_INFINITY;
  const cores = cpus().length;
  const pMem = limit(slope(a.prom, b.prom), memAvailable0, b.prom.rss);
  const vMem = limit(slope(a.vm, b.vm), memAvailable0, b.vm.rss);
  const pCpu = limit(cpuSlope(a.prom, b.prom), cores, b.prom.cores);
  const vCpu = limit(cpuSlope(a.vm, b.vm), cores, b.vm.cores);
  const m = (x: number) =>
    !Number.isFinite(x) ? 'no limit in sight' : x >= 1e6 ? `${fmt(x / 1e6, 1)} M` : `${fmt(x / 1e3, 0)}k`;
  say();
  say(
    `Marginal cost between ${a.series.toLocaleString('en')} and ${b.series.toLocaleString('en')} series: Prometheus ${fmt(slope(a.prom, b.prom) / 1024, 2)} KiB per series and ${fmt(cpuSlope(a.prom, b.prom) * 1e6, 2)} cores per 1M series; VM path ${fmt(slope(a.vm, b.vm) / 1024, 2)} KiB per series and ${fmt(cpuSlope(a.vm, b.vm) * 1e6, 2)} cores per 1M series. Extrapolated linearly (not measured): with ${fmt(mib(memAvailable0), 0)} MiB available, Prometheus' RSS would fill the memory at ≈ ${m(pMem)} series and its CPU both cores at ≈ ${m(pCpu)}; the VM path's at ≈ ${m(vMem)} (memory) and ≈ ${m(vCpu)} (CPU). Compaction, WAL replay on restart and heavier query load come on top of these steady-state figures, so the real limit is below the smaller of the two.`,
  );
}
say();
say(
  `Load average at the end: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(', ')}. The machine is shared (other jobs may run): compare the two engines within a size, not across runs.`,
);
const report = lines.join('\n');
console.log(report);

if (done.length > 0) {
  const panels: ScalingPanel[] = [
    {
      title: 'Memory per active series',
      unit: 'KiB RSS / series',
      points: done.map((r) => ({
        series: r.series,
        prometheus: perSeriesKiB(r.prom, r.series),
        victoriametrics: perSeriesKiB(r.vm, r.series),
      })),
    },
    {
      title: 'CPU per 1k samples/s offered',
      unit: 'CPU s/s per 1k samples/s',
      points: done.map((r) => ({
        series: r.series,
        prometheus: cpuPer1k(r.prom, r.series),
        victoriametrics: cpuPer1k(r.vm, r.series),
      })),
    },
    {
      title: 'Scrape duration (average)',
      unit: 'ms',
      points: done.map((r) => ({
        series: r.series,
        prometheus: r.prom.scrapeAvgS * 1000,
        victoriametrics: r.vm.scrapeAvgS * 1000,
      })),
    },
    {
      title: 'Dashboard via recording rules',
      unit: 'ms (sum of panel medians)',
      points: done.map((r) => ({ series: r.series, prometheus: dashMs(r.prom), victoriametrics: dashMs(r.vm) })),
    },
  ];
  const svg = scalingChartSvg(
    panels,
    `ghmon scaling curve (${startedAt.toISOString().slice(0, 10)}, ${cpus().length} cores)`,
  );
  const docs = WRITE_DOCS ? join(root, 'docs') : mkdtempSync(join(tmpdir(), 'ghmon-scaling-docs-'));
  mkdirSync(join(docs, 'img'), { recursive: true });
  writeFileSync(join(docs, 'img', 'scaling-curve.svg'), svg);
  writeFileSync(
    join(docs, 'scaling-curve.md'),
    `${report.replace('## Where one Prometheus', '![Scaling curve](img/scaling-curve.svg)\n\n## Where one Prometheus')}\n`,
  );
  console.error(`[scaling] wrote ${join(docs, 'scaling-curve.md')} and ${join(docs, 'img', 'scaling-curve.svg')}`);
}
if (done.length < results.length) process.exitCode = 1;
