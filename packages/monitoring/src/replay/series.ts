/**
 * Scenario → promtool `input_series`. The series carry the labels a scrape would attach (`job`, `instance` and
 * the target labels from out/prometheus/prometheus.yml, `service` among them) and the contract's labels and
 * buckets. Values are written in promtool's expanding notation (`a+bxN`, `_xN`, `stale`).
 */

import {
  HTTP_DURATION_BUCKETS,
  HTTP_METHODS,
  type HttpLabel,
  httpRequestDurationSeconds,
  httpRequestsTotal,
  SERVICE_LABEL,
  seriesNames,
} from '@greyhaven/metric-contract';
import { JOB, LABEL } from '../conventions.ts';
import { NODE_METRIC } from '../model/node-exporter.ts';
import { readScrapeConfig, staticTargets } from '../outdir/prometheus-yml.ts';
import {
  type AppState,
  cumulativeShare,
  ERROR_LATENCY,
  type LatencyProfile,
  type Scenario,
  type WorldState,
} from './scenarios.ts';

/** node_exporter's metric names the saturation rules read (model/node-exporter.ts, the one table of them). */
export const NODE_CPU_SECONDS = NODE_METRIC.cpuSeconds;
export const NODE_MEM_AVAILABLE = NODE_METRIC.memAvailable;
export const NODE_MEM_TOTAL = NODE_METRIC.memTotal;
/** Prometheus' own per-target health series. */
export const UP = 'up';

/** Label values the replay's synthetic traffic uses (the labels themselves come from the contract). */
const METHOD = HTTP_METHODS[0];
const ROUTE = '/api/items';
const OK_STATUS = '200';
const ERROR_STATUS = '500';
const CPUS = ['0', '1'];
const MEM_TOTAL_BYTES = 8 * 1024 ** 3;

export interface Target {
  /** `job`, `instance` and the target labels of its static config. */
  labels: Record<string, string>;
}

export interface Targets {
  /** Application targets: those with a `service` target label. */
  app: Target[];
  /**
   * Services that push their series (remote write): not in prometheus.yml, so no `up`; their request series are
   * generated healthy (`instance="push"`, `job` = the service) so that their absence alerts stay quiet.
   */
  push?: Target[];
  /** node_exporter targets. */
  node: Target[];
  /** Everything else scraped (Prometheus, Alertmanager): only `up`. */
  other: Target[];
  /**
   * The service the incident hits: the first scraped application service. A service that pushes (remote write)
   * is not in prometheus.yml's scrape configs and is not replayed: its series carry no `up`, and the scenarios
   * about targets (crash, targets gone) are about scraped ones.
   */
  incidentService: string;
}

/** The scrape targets of a generated prometheus.yml (undefined when it does not parse or has no application target). */
export function targetsFromPrometheusConfig(text: string): Targets | undefined {
  const config = readScrapeConfig(text);
  if (config === undefined) return undefined;
  const app: Target[] = [];
  const node: Target[] = [];
  const other: Target[] = [];
  for (const st of staticTargets(config)) {
    // Labels starting with `__` are dropped after relabelling: no series carries them.
    const extra = Object.fromEntries(Object.entries(st.labels).filter(([k]) => !k.startsWith('__')));
    for (const instance of st.targets) {
      const target = { labels: { [LABEL.job]: st.job, [LABEL.instance]: instance, ...extra } };
      if (SERVICE_LABEL in extra) app.push(target);
      else if (st.job === JOB.nodeExporter) node.push(target);
      else other.push(target);
    }
  }
  const incidentService = app[0]?.labels[SERVICE_LABEL];
  if (incidentService === undefined) return undefined;
  return { app, node: node.length > 0 ? node : defaultTargets().node, other, incidentService };
}

/** The targets plus a push target for each service the rules name that no scrape target serves. */
export function withPushServices(targets: Targets, services: readonly string[]): Targets {
  const scraped = new Set(targets.app.map((t) => t.labels[SERVICE_LABEL]));
  const push = services
    .filter((s) => !scraped.has(s))
    .map((s) => ({ labels: { [LABEL.job]: s, [LABEL.instance]: 'push', [SERVICE_LABEL]: s } }));
  return push.length > 0 ? { ...targets, push } : targets;
}

/** Targets used when out/ has no prometheus.yml with application targets. */
export function defaultTargets(): Targets {
  return {
    app: [{ labels: { [LABEL.job]: 'api', [LABEL.instance]: 'api:8080', [SERVICE_LABEL]: 'api' } }],
    node: [{ labels: { [LABEL.job]: JOB.nodeExporter, [LABEL.instance]: 'localhost:9100' } }],
    other: [],
    incidentService: 'api',
  };
}

export interface Timeline {
  /** Seconds between samples (also promtool's evaluation interval). */
  step: number;
  /** Healthy time before the onset, in seconds (a multiple of `step`). */
  warmup: number;
}

/** One promtool input series. */
export interface InputSeries {
  series: string;
  values: string;
}

/** A sample: a number, a stale marker, or nothing scraped. */
export type Sample = number | 'stale' | null;

/** Counts are kept to multiples of 1/64, which floating point adds exactly: a counter never drifts down. */
function exact(x: number): number {
  return Math.round(x * 64) / 64;
}

function labelString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
}

/** The number of samples in a run: the onset is at sample `warmup / step`, the last at `(warmup + observe) / step`. */
export function sampleCount(scenario: Scenario, timeline: Timeline): number {
  return Math.round((timeline.warmup + scenario.observe) / timeline.step) + 1;
}

/** Requests and errors one target serves in one interval. */
function traffic(app: AppState, seconds: number): { ok: number; errors: number } {
  if (app.down) return { ok: 0, errors: 0 };
  const total = app.rps * seconds;
  if (app.errors !== undefined) return { ok: exact(Math.max(0, total - app.errors)), errors: app.errors };
  const errors = exact(total * app.errorRatio);
  return { ok: exact(total) - errors, errors };
}

/** A counter that follows a target: it goes stale while the process is down and restarts from 0 afterwards. */
class Counter {
  readonly samples: Sample[] = [];
  private value = 0;
  private wasDown = false;
  constructor(
    readonly name: string,
    readonly labels: Record<string, string>,
  ) {}
  sample(increment: number, down: boolean, first: boolean): void {
    if (first) {
      this.samples.push(0);
    } else if (down) {
      this.samples.push(this.wasDown ? null : 'stale');
      this.value = 0;
    } else {
      this.value = exact(this.value + increment);
      this.samples.push(this.value);
    }
    this.wasDown = down;
  }
}

/** Every input series of one scenario. */
export function generateSeries(scenario: Scenario, targets: Targets, timeline: Timeline): InputSeries[] {
  const { step, warmup } = timeline;
  const n = sampleCount(scenario, timeline);
  const counters: { target: Target; counters: Counter[]; observe: (app: AppState, first: boolean) => void }[] = [];
  const gauges = new Map<string, { labels: Record<string, string>; name: string; samples: Sample[] }>();
  const gauge = (name: string, labels: Record<string, string>) => {
    const key = `${name}{${labelString(labels)}}`;
    let g = gauges.get(key);
    if (!g) {
      g = { name, labels, samples: [] };
      gauges.set(key, g);
    }
    return g;
  };

  for (const target of targets.app) counters.push(appCounters(target, step));
  const pushCounters = (targets.push ?? []).map((target) => appCounters(target, step));
  const nodeCounters = targets.node.map((t) => nodeCpuCounters(t, step));

  for (let i = 0; i < n; i++) {
    // Sample i closes the interval [(i - 1) * step, i * step); sample 0 is the first scrape.
    const first = i === 0;
    const world: WorldState = scenario.state((Math.max(i, 1) - 1) * step - warmup);
    for (const c of counters) {
      const app = c.target.labels[SERVICE_LABEL] === targets.incidentService ? world.incident : world.others;
      c.observe(app.gone ? { ...app, down: true } : app, first);
      const up = gauge(UP, c.target.labels).samples;
      if (app.gone && !first) up.push(up[up.length - 1] === null || up[up.length - 1] === 'stale' ? null : 'stale');
      else up.push(app.down && !first ? 0 : 1);
    }
    for (const c of pushCounters) c.observe(world.others, first);
    for (const nc of nodeCounters) {
      nc.observe(world.node.cpu, first);
      gauge(UP, nc.target.labels).samples.push(1);
      gauge(NODE_MEM_TOTAL, nc.target.labels).samples.push(MEM_TOTAL_BYTES);
      gauge(NODE_MEM_AVAILABLE, nc.target.labels).samples.push(Math.round(MEM_TOTAL_BYTES * (1 - world.node.memory)));
    }
    for (const t of targets.other) gauge(UP, t.labels).samples.push(1);
  }

  const out: InputSeries[] = [];
  const all = [...counters, ...pushCounters].flatMap((c) => c.counters);
  for (const c of [...all, ...nodeCounters.flatMap((c) => c.counters)]) {
    out.push({ series: `${c.name}{${labelString(c.labels)}}`, values: encodeSamples(c.samples) });
  }
  for (const g of gauges.values()) {
    out.push({ series: `${g.name}{${labelString(g.labels)}}`, values: encodeSamples(g.samples) });
  }
  return out;
}

/** Requests counter and duration histogram of one application target, for a success and an error status. */
function appCounters(target: Target, step: number) {
  const [bucketName, sumName, countName] = seriesNames(httpRequestDurationSeconds) as [string, string, string];
  const httpLabels = (status: string): Record<HttpLabel, string> => ({ method: METHOD, route: ROUTE, status });
  const forStatus = (status: string) => {
    const base = { ...target.labels, ...httpLabels(status) };
    return {
      requests: new Counter(httpRequestsTotal.name, base),
      buckets: [...HTTP_DURATION_BUCKETS, Number.POSITIVE_INFINITY].map(
        (le) =>
          [
            le,
            new Counter(bucketName, { ...base, le: le === Number.POSITIVE_INFINITY ? '+Inf' : String(le) }),
          ] as const,
      ),
      sum: new Counter(sumName, base),
      count: new Counter(countName, base),
    };
  };
  const ok = forStatus(OK_STATUS);
  const err = forStatus(ERROR_STATUS);
  const record = (
    s: ReturnType<typeof forStatus>,
    count: number,
    latency: LatencyProfile,
    down: boolean,
    first: boolean,
  ) => {
    s.requests.sample(count, down, first);
    for (const [le, c] of s.buckets) {
      const share = cumulativeShare(latency, le);
      c.sample(exact(count * share), down, first);
    }
    s.sum.sample(exact(count * latency.mean), down, first);
    s.count.sample(count, down, first);
  };
  const all = (s: ReturnType<typeof forStatus>) => [s.requests, ...s.buckets.map(([, c]) => c), s.sum, s.count];
  return {
    target,
    counters: [...all(ok), ...all(err)],
    observe(app: AppState, first: boolean) {
      const t = traffic(app, step);
      const down = Boolean(app.down) && !first;
      record(ok, t.ok, app.latency, down, first);
      record(err, t.errors, ERROR_LATENCY, down, first);
    },
  };
}

/** node_exporter's CPU counters: idle and user seconds for each CPU. */
function nodeCpuCounters(target: Target, step: number) {
  const cpus = CPUS.map((cpu) => ({
    idle: new Counter(NODE_CPU_SECONDS, { ...target.labels, cpu, mode: 'idle' }),
    user: new Counter(NODE_CPU_SECONDS, { ...target.labels, cpu, mode: 'user' }),
  }));
  return {
    target,
    counters: cpus.flatMap((c) => [c.idle, c.user]),
    observe(busy: number, first: boolean) {
      for (const c of cpus) {
        c.idle.sample(exact(step * (1 - busy)), false, first);
        c.user.sample(exact(step * busy), false, first);
      }
    },
  };
}

function num(n: number): string {
  // Values are multiples of 1/64 well below 2^53: String() prints them exactly and never in exponent form.
  return String(n);
}

/**
 * Samples in promtool's expanding notation: runs with a constant step become `a+bxN` (N + 1 values), runs of
 * nothing `_xN` (N values), stale markers `stale`.
 */
export function encodeSamples(samples: readonly Sample[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < samples.length) {
    const s = samples[i];
    if (s === 'stale') {
      parts.push('stale');
      i++;
    } else if (s === null || s === undefined) {
      let j = i;
      while (j < samples.length && samples[j] === null) j++;
      parts.push(j - i === 1 ? '_' : `_x${j - i}`);
      i = j;
    } else {
      const next = samples[i + 1];
      if (typeof next !== 'number') {
        parts.push(num(s));
        i++;
        continue;
      }
      const d = next - s;
      let j = i + 1;
      while (
        j + 1 < samples.length &&
        typeof samples[j + 1] === 'number' &&
        (samples[j + 1] as number) - (samples[j] as number) === d
      )
        j++;
      const count = j - i;
      parts.push(d >= 0 ? `${num(s)}+${num(d)}x${count}` : `${num(s)}-${num(-d)}x${count}`);
      i = j + 1;
    }
  }
  return parts.join(' ');
}
