/**
 * A load generator for the scaling bench: a fleet of synthetic scrape targets on 127.0.0.1 exposing the metric
 * contract (@greyhaven/metric-contract) with exactly as many series in total as asked.
 *
 * One HTTP server (one port) per target, all in one Node process: Prometheus and vmagent name a target by its
 * URL and attach `instance="host:port"`, so one port per target gives every target its own `instance` without
 * relabelling — what a fleet of service processes looks like to a scraper — and vmagent's cluster members share
 * targets by that URL. One process keeps the generator's own footprint small (a bench machine has 2 cores).
 *
 * Each target is one instance of one service (`svc-0`…; targets are dealt round-robin to services). It exposes
 * - per label set (`method`, `route`, `status`), 12 series: `http_requests_total` and
 *   `http_request_duration_seconds` (9 buckets with the contract's bounds and +Inf, `_sum`, `_count`);
 * - 5 series of its own: the contract's gauges `http_active_connections`, `db_pool_connections_active`,
 *   `db_pool_connections_max` and `greyhaven_metrics_overflow_total{metric}` for both capped families (at 0, as
 *   the instrumentation pre-initialises them).
 * Label sets are routes (`/api/r<k>/:id`) × 4 (method, status) pairs — GET 200, POST 201, and the pre-initialised
 * GET 500 and POST 500 — dealt evenly over the targets. What 12 per label set cannot reach (0–11 series) is made
 * up by `loadgen_padding{n}` gauges on the first target, so the total is exactly `series`.
 *
 * Values are functions of the time since the fleet started (no state, no randomness): a label set's request
 * count is ⌊rate × elapsed⌋ with a fixed per-route rate, each bucket a fixed cumulative share of it, `_count`
 * equal to `http_requests_total` and `+Inf`. So counters only grow between scrapes, whoever scrapes and when.
 *
 * CLI (prints the targets, serves until Ctrl-C / SIGTERM):
 *   npx tsx packages/monitoring/bench/lib/load-targets.ts --series 50000 --targets 20 [--services 4] [--json]
 * With `--json` it prints one JSON line `{ "series", "targets": [...] }` (what the scaling bench reads).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import {
  dbPoolConnectionsActive,
  dbPoolConnectionsMax,
  HTTP_DURATION_BUCKETS,
  httpActiveConnections,
  httpRequestDurationSeconds,
  httpRequestsTotal,
  metricsOverflowTotal,
  OVERFLOW_METRIC_LABEL,
} from '../../../contract/src/index.ts';

/** Series per HTTP label set: 1 counter + (buckets + +Inf) + `_sum` + `_count`. */
export const SERIES_PER_LABEL_SET = 1 + HTTP_DURATION_BUCKETS.length + 1 + 2;
/** Series every target exposes besides its label sets. */
export const FIXED_SERIES_PER_TARGET = 5;
/** The (method, status) pairs of each route, with their share of the route's requests. */
export const METHOD_STATUS = [
  { method: 'GET', status: '200', share: 0.9 },
  { method: 'POST', status: '201', share: 0.08 },
  { method: 'GET', status: '500', share: 0.015 },
  { method: 'POST', status: '500', share: 0.005 },
] as const;
const PADDING_METRIC = 'loadgen_padding';
/** Cumulative share of requests at or below each bucket bound, for a fast and a slow kind of route. */
const LATENCY_SHAPES = [
  { cumulative: [0.3, 0.8, 0.93, 0.99, 0.997, 0.999, 1, 1], meanSeconds: 0.03 },
  { cumulative: [0.05, 0.4, 0.7, 0.95, 0.99, 0.998, 1, 1], meanSeconds: 0.09 },
] as const;

export interface FleetOptions {
  /** Total series the fleet exposes (sum over targets of the samples in one scrape). */
  series: number;
  /** Number of targets (ports). */
  targets: number;
  /** Number of services the targets are dealt to (default 4, at most `targets`). */
  services?: number;
}

/** One label set of a target: its labels and how fast its counters grow. */
export interface LabelSetPlan {
  method: string;
  route: string;
  status: string;
  /** Requests per second. */
  rate: number;
  shape: 0 | 1;
}

/** What one target exposes. */
export interface TargetPlan {
  service: string;
  labelSets: LabelSetPlan[];
  /** `loadgen_padding` gauges (only on the first target). */
  padding: number;
  /** Series in one scrape of this target. */
  series: number;
}

/** Service names of a fleet: `svc-0`, `svc-1`, … */
export function serviceNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `svc-${i}`);
}

/** The fleet's layout: which target exposes which series, summing to exactly `series`. */
export function planFleet(opts: FleetOptions): TargetPlan[] {
  const { series, targets } = opts;
  const services = Math.min(opts.services ?? 4, targets);
  if (!Number.isInteger(targets) || targets < 1) throw new RangeError(`targets: expected a whole number ≥ 1`);
  if (!Number.isInteger(services) || services < 1) throw new RangeError(`services: expected a whole number ≥ 1`);
  if (!Number.isInteger(series) || series < FIXED_SERIES_PER_TARGET * targets) {
    throw new RangeError(
      `series: expected a whole number ≥ ${FIXED_SERIES_PER_TARGET * targets} (${FIXED_SERIES_PER_TARGET} per target)`,
    );
  }
  const variable = series - FIXED_SERIES_PER_TARGET * targets;
  const labelSets = Math.floor(variable / SERIES_PER_LABEL_SET);
  const padding = variable - labelSets * SERIES_PER_LABEL_SET;
  const names = serviceNames(services);
  return Array.from({ length: targets }, (_, t) => {
    const count = Math.floor(labelSets / targets) + (t < labelSets % targets ? 1 : 0);
    const sets: LabelSetPlan[] = [];
    for (let i = 0; i < count; i++) {
      const routeIndex = Math.floor(i / METHOD_STATUS.length);
      const pair = METHOD_STATUS[i % METHOD_STATUS.length] as (typeof METHOD_STATUS)[number];
      // A fixed, uneven spread of route traffic (0.5–20 requests/s), the same on every target of a service.
      const routeRate = 0.5 + ((routeIndex * 7919 + (t % services) * 104_729) % 1000) / 50;
      sets.push({
        method: pair.method,
        route: `/api/r${routeIndex}/:id`,
        status: pair.status,
        rate: routeRate * pair.share,
        shape: (routeIndex % 2) as 0 | 1,
      });
    }
    const pad = t === 0 ? padding : 0;
    return {
      service: names[t % services] as string,
      labelSets: sets,
      padding: pad,
      series: FIXED_SERIES_PER_TARGET + count * SERIES_PER_LABEL_SET + pad,
    };
  });
}

const BOUNDS = [...HTTP_DURATION_BUCKETS.map(String), '+Inf'];
const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(3));

/** A target's exposition renderer: label strings built once, numbers filled in at each scrape. */
export function targetRenderer(plan: TargetPlan, startMs: number): (nowMs: number) => string {
  const labels = plan.labelSets.map((s) => `method="${s.method}",route="${s.route}",status="${s.status}"`);
  const total = httpRequestsTotal.name;
  const h = httpRequestDurationSeconds.name;
  const head = (name: string, help: string, type: string) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
  const counterPrefixes = labels.map((l) => `${total}{${l}} `);
  const bucketPrefixes = labels.map((l) => BOUNDS.map((le) => `${h}_bucket{${l},le="${le}"} `));
  const sumPrefixes = labels.map((l) => `${h}_sum{${l}} `);
  const countPrefixes = labels.map((l) => `${h}_count{${l}} `);
  return (nowMs: number) => {
    const elapsed = Math.max(0, (nowMs - startMs) / 1000);
    const counts = plan.labelSets.map((s) => Math.floor(s.rate * elapsed));
    const out: string[] = [head(total, httpRequestsTotal.help, 'counter')];
    counts.forEach((n, i) => {
      out.push(`${counterPrefixes[i]}${n}\n`);
    });
    out.push(head(h, httpRequestDurationSeconds.help, 'histogram'));
    counts.forEach((n, i) => {
      const shape = LATENCY_SHAPES[(plan.labelSets[i] as LabelSetPlan).shape];
      const prefixes = bucketPrefixes[i] as string[];
      for (let b = 0; b < prefixes.length; b++) {
        const v = b < shape.cumulative.length ? Math.floor(n * (shape.cumulative[b] as number)) : n;
        out.push(`${prefixes[b]}${v}\n`);
      }
      out.push(`${sumPrefixes[i]}${fmt(n * shape.meanSeconds)}\n`, `${countPrefixes[i]}${n}\n`);
    });
    const inFlight = Math.round(counts.length / 40 + 2 + Math.sin(elapsed / 10));
    out.push(
      head(httpActiveConnections.name, httpActiveConnections.help, 'gauge'),
      `${httpActiveConnections.name} ${inFlight}\n`,
      head(dbPoolConnectionsActive.name, dbPoolConnectionsActive.help, 'gauge'),
      `${dbPoolConnectionsActive.name} ${Math.min(10, inFlight)}\n`,
      head(dbPoolConnectionsMax.name, dbPoolConnectionsMax.help, 'gauge'),
      `${dbPoolConnectionsMax.name} 10\n`,
      head(metricsOverflowTotal.name, metricsOverflowTotal.help, 'counter'),
      `${metricsOverflowTotal.name}{${OVERFLOW_METRIC_LABEL}="${total}"} 0\n`,
      `${metricsOverflowTotal.name}{${OVERFLOW_METRIC_LABEL}="${h}"} 0\n`,
    );
    if (plan.padding > 0) {
      out.push(head(PADDING_METRIC, 'Filler series that make the fleet total exactly the requested count.', 'gauge'));
      for (let i = 0; i < plan.padding; i++) out.push(`${PADDING_METRIC}{n="${i}"} 1\n`);
    }
    return out.join('');
  };
}

/** A running target as scrape configs name it. */
export interface LoadTarget {
  service: string;
  /** `127.0.0.1:<port>`, what a scraper puts in `instance`. */
  instance: string;
  url: string;
  series: number;
}

export interface LoadFleet {
  /** Total series (exactly the requested count). */
  series: number;
  targets: LoadTarget[];
  /** Closes every server. Idempotent. */
  stop(): Promise<void>;
}

/** Starts the fleet: one server per target on a free 127.0.0.1 port, each serving `/metrics`. */
export async function startLoadTargets(opts: FleetOptions): Promise<LoadFleet> {
  const plans = planFleet(opts);
  const startMs = Date.now();
  const servers: Server[] = [];
  const stop = async () => {
    const closing = servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    );
    await Promise.all(closing);
  };
  try {
    const targets: LoadTarget[] = [];
    for (const plan of plans) {
      const render = targetRenderer(plan, startMs);
      const server = createServer((req, res) => {
        if (req.method !== 'GET' || !req.url?.startsWith('/metrics')) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(render(Date.now()));
      });
      // Keep idle scrape connections open well past any scrape interval. Node closes an idle keep-alive
      // connection after 5 s by default; vmagent 1.79 then finds its pooled connection dead at the next scrape
      // (15 s later) and retries after ~2 s, so every scrape read 2.0 s here (Prometheus' client reconnects at
      // once). Go exporters keep idle connections open, which this copies.
      server.keepAliveTimeout = 10 * 60_000;
      servers.push(server);
      // listen(0) binds at once (no probe-then-bind race): the OS picks a port nobody holds.
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      const port = (server.address() as AddressInfo).port;
      targets.push({
        service: plan.service,
        instance: `127.0.0.1:${port}`,
        url: `http://127.0.0.1:${port}/metrics`,
        series: plan.series,
      });
    }
    return { series: opts.series, targets, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function parseArgs(argv: string[]): FleetOptions & { json: boolean } {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (flag: string, dflt?: number) => {
    const v = get(flag);
    if (v === undefined) {
      if (dflt === undefined) throw new Error(`${flag} N is required`);
      return dflt;
    }
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`${flag}: expected a whole number, got ${v}`);
    return n;
  };
  return {
    series: num('--series'),
    targets: num('--targets', 20),
    services: num('--services', 4),
    json: argv.includes('--json'),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = parseArgs(process.argv.slice(2));
  const fleet = await startLoadTargets(args);
  if (args.json) {
    console.log(JSON.stringify({ series: fleet.series, targets: fleet.targets }));
  } else {
    console.log(`${fleet.series} series on ${fleet.targets.length} targets:`);
    for (const t of fleet.targets) console.log(`${t.service}\t${t.url}\t${t.series} series`);
  }
  const shutdown = () => {
    void fleet.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
