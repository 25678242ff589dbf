/**
 * The incident library: each scenario is plain data (id, title, timing, what it should cause) plus a function
 * that says what the world looks like at any moment. `series.ts` turns that into promtool `input_series`.
 *
 * Time is in seconds relative to the onset (negative before it). `state(t)` describes the interval
 * [t, t + step): the traffic served during it, whether the process was up, how busy the node was. The sample
 * taken at the end of that interval is the first to show it, exactly as a scrape would.
 */

/** What an incident should cause: a page (critical), a ticket (warning), or no notification at all. */
export type Expectation = 'page' | 'ticket' | 'none';

/**
 * Cumulative share of requests at or below a few latencies, keyed by the latency (seconds). The bounds need not be
 * the contract's buckets: the share at a bucket bound is interpolated linearly between the nearest given points
 * (0 at 0 s; the profile must reach 1), which is the distribution histogram_quantile assumes within a bucket — a
 * quantile read from the contract's buckets is then the same whatever bounds they gain or lose between the points.
 */
export interface LatencyProfile {
  /** Cumulative fraction at each latency given (ascending in both); the last one is 1. */
  readonly cumulative: Readonly<Record<number, number>>;
  /** Mean request duration in seconds (feeds `_sum`). */
  readonly mean: number;
}

/** The traffic one application target serves during one interval. */
export interface AppState {
  /** Requests per second. */
  readonly rps: number;
  /** Share of requests answered with a 5xx. */
  readonly errorRatio: number;
  /** Latency of the successful requests (failed ones are fast, see ERROR_LATENCY). */
  readonly latency: LatencyProfile;
  /** The process is not running: its series go stale, `up` is 0, counters restart from 0 afterwards. */
  readonly down?: boolean;
  /**
   * The target is gone from service discovery: every series of it, `up` included, goes stale and then absent;
   * when it comes back its counters start from 0.
   */
  readonly gone?: boolean;
  /** An exact number of 5xx during this interval, instead of `errorRatio` (a single error at low traffic). */
  readonly errors?: number;
}

export interface NodeState {
  /** Busy share of every CPU (1 - idle). */
  readonly cpu: number;
  /** Share of memory not available (1 - MemAvailable / MemTotal). */
  readonly memory: number;
}

/** The world during one interval: the service the incident hits, every other service, the node. */
export interface WorldState {
  readonly incident: AppState;
  readonly others: AppState;
  readonly node: NodeState;
}

/** A goal from issue 4 ("Alert quality"), checked against ghmon's rules (and, for one, the seed's). */
export type Goal =
  /** The first page trigger event reaches the receiver within `seconds` of the onset. */
  | { readonly kind: 'page-within'; readonly seconds: number }
  | { readonly kind: 'page-no-later-than-seed' }
  /** No page incident at all. */
  | { readonly kind: 'never-pages' }
  /** No ticket incident at all. */
  | { readonly kind: 'no-ticket' }
  | { readonly kind: 'ticket-within'; readonly seconds?: number }
  /** Exactly one page incident at the receiver, whichever alerts the incident trips. */
  | { readonly kind: 'one-incident' }
  /** Every page incident's resolve event reaches the receiver within `seconds` of its alerts resolving. */
  | { readonly kind: 'resolves-within'; readonly seconds: number };

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** One sentence: what happens, in numbers. */
  readonly description: string;
  readonly expect: Expectation;
  /** How long after the onset the replay watches (seconds). */
  readonly observe: number;
  /** When the incident is over, relative to the onset (seconds); `observe` if it lasts to the end. */
  readonly incidentEnd: number;
  /** The goals for this scenario (none for scenarios the issue set no goal for). */
  readonly goals: readonly Goal[];
  /**
   * Healthy history wanted before the onset, seconds, or 'max' for as much as fits in promtool's sample limit
   * (a slow burn "after clean days"); default: enough to fill the windows that can page (see run.ts).
   */
  readonly history?: number | 'max';
  readonly state: (t: number) => WorldState;
}

const MIN = 60;
const HOUR = 3600;

/**
 * Traffic levels. The incident service serves 1000 requests a minute per target and every other service 200,
 * so that counts per interval (15 s, 30 s or 1 m) stay multiples of 1/64 and the counters are exact in
 * floating point (a counter that drifts down by 1e-12 would read as a reset).
 */
export const INCIDENT_RPS = 1000 / 60;
export const OTHER_RPS = 200 / 60;
/** Night-time traffic: 3 requests a minute. */
export const LOW_RPS = 0.05;

/** Healthy latency: p50 ≈ 30 ms, p95 = 100 ms, p99 ≈ 460 ms. */
export const HEALTHY_LATENCY: LatencyProfile = {
  cumulative: { 0.01: 0.2, 0.05: 0.7, 0.1: 0.95, 0.5: 0.995, 1: 0.999, 2: 1 },
  mean: 0.0625,
};

/** Healthy but slower: p95 = 150 ms, p99 ≈ 680 ms (well under 1 s); nobody should be paged or ticketed. */
export const SLOWER_HEALTHY_LATENCY: LatencyProfile = {
  cumulative: { 0.01: 0.1, 0.05: 0.5, 0.1: 0.945, 0.5: 0.985, 1: 0.999, 2: 1 },
  mean: 0.078125,
};

/** A latency regression: p99 = 1.5 s (2% of requests take 1–2 s), p95 ≈ 475 ms (just under the seed's 500 ms). */
export const SLOW_LATENCY: LatencyProfile = {
  cumulative: { 0.01: 0.1, 0.05: 0.5, 0.1: 0.8, 0.5: 0.96, 1: 0.98, 2: 1 },
  mean: 0.1875,
};

/** p95 far over 200 ms with p99 under 1 s: p95 = 750 ms, p99 = 950 ms. */
export const P95_SLOW_LATENCY: LatencyProfile = {
  cumulative: { 0.01: 0.05, 0.05: 0.3, 0.1: 0.5, 0.2: 0.7, 0.5: 0.9, 1: 1 },
  mean: 0.296875,
};

/** Failed requests are answered fast (a 5xx from a failing dependency or the platform). */
export const ERROR_LATENCY: LatencyProfile = HEALTHY_LATENCY;

/** The profile's points, ascending, with (0, 0) first; throws if it does not reach 1 or is not monotonic. */
function profilePoints(profile: LatencyProfile): [number, number][] {
  const pts = Object.entries(profile.cumulative)
    .map(([k, v]) => [Number(k), v] as [number, number])
    .sort((x, y) => x[0] - y[0]);
  const all: [number, number][] = [[0, 0], ...pts];
  for (let i = 1; i < all.length; i++) {
    const [b0, c0] = all[i - 1] as [number, number];
    const [b1, c1] = all[i] as [number, number];
    if (!(b1 > b0) || c1 < c0 || c1 > 1) throw new Error(`latency profile not monotonic at ${b1}s`);
  }
  if ((all[all.length - 1] as [number, number])[1] !== 1) throw new Error('latency profile does not reach 1');
  return all;
}

/**
 * The share of requests at or below `le` seconds: exact at the profile's points, linear between them, 1 beyond
 * the last. Any bucket list works, the contract's included whatever bounds it gains.
 */
export function cumulativeShare(profile: LatencyProfile, le: number): number {
  if (le === Number.POSITIVE_INFINITY) return 1;
  const pts = profilePoints(profile);
  for (let i = 1; i < pts.length; i++) {
    const [b1, c1] = pts[i] as [number, number];
    if (le <= b1) {
      const [b0, c0] = pts[i - 1] as [number, number];
      return c0 + ((c1 - c0) * (le - b0)) / (b1 - b0);
    }
  }
  return 1;
}

/** A profile `u` of the way from `a` to `b` (both with the same points). */
function mix(a: LatencyProfile, b: LatencyProfile, u: number): LatencyProfile {
  const cumulative: Record<number, number> = {};
  for (const [k, v] of Object.entries(a.cumulative)) {
    cumulative[Number(k)] = v + ((b.cumulative[Number(k)] ?? v) - v) * u;
  }
  return { cumulative, mean: Math.round((a.mean + (b.mean - a.mean) * u) * 64) / 64 };
}

/** A deterministic value in [0, 1) for a time (the noise of the noisy scenarios is the same on every run). */
function noise(t: number): number {
  const x = Math.sin(t * 12.9898 + 78.233) * 43758.5453;
  return x - Math.floor(x);
}

const healthyApp = (rps: number): AppState => ({ rps, errorRatio: 0, latency: HEALTHY_LATENCY });
const HEALTHY_NODE: NodeState = { cpu: 0.2, memory: 0.5 };

/** The steady state every scenario starts from and returns to. */
export function healthy(): WorldState {
  return { incident: healthyApp(INCIDENT_RPS), others: healthyApp(OTHER_RPS), node: HEALTHY_NODE };
}

function during(t: number, from: number, to: number): boolean {
  return t >= from && t < to;
}

/** A world that is healthy except for the incident service while `from <= t < to`. */
function incidentWhile(from: number, to: number, app: Partial<AppState>): (t: number) => WorldState {
  return (t) => {
    const h = healthy();
    return during(t, from, to) ? { ...h, incident: { ...h.incident, ...app } } : h;
  };
}

/** How long after its alerts resolve a page incident's resolve event must reach the receiver. */
export const RESOLVE_WITHIN = MIN;

/** The goals of every scenario that pages: in time, one incident, resolved promptly. */
function pages(seconds?: number): Goal[] {
  return [
    ...(seconds === undefined ? [] : [{ kind: 'page-within' as const, seconds }]),
    { kind: 'one-incident' },
    { kind: 'resolves-within', seconds: RESOLVE_WITHIN },
  ];
}

const QUIET: Goal[] = [{ kind: 'never-pages' }, { kind: 'no-ticket' }];

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'total-outage',
    title: 'Total outage',
    description: 'Every request to the service fails with a 5xx for 20 minutes; the target stays up.',
    expect: 'page',
    observe: 45 * MIN,
    incidentEnd: 20 * MIN,
    goals: pages(2 * MIN),
    state: incidentWhile(0, 20 * MIN, { errorRatio: 1 }),
  },
  {
    id: 'errors-5pct',
    title: '5% errors',
    description: '5% of requests to the service fail with a 5xx for 30 minutes (50× the budget of a 99.9% SLO).',
    expect: 'page',
    observe: 55 * MIN,
    incidentEnd: 30 * MIN,
    goals: pages(3 * MIN),
    state: incidentWhile(0, 30 * MIN, { errorRatio: 0.05 }),
  },
  {
    id: 'errors-2pct',
    title: '2% errors',
    description: '2% of requests to the service fail with a 5xx for an hour (20× the error budget of a 99.9% SLO).',
    expect: 'page',
    observe: 85 * MIN,
    incidentEnd: 60 * MIN,
    goals: pages(5 * MIN),
    state: incidentWhile(0, 60 * MIN, { errorRatio: 0.02 }),
  },
  {
    id: 'crash',
    title: 'Crash',
    description:
      'The process dies: its series go stale and `up` is 0 for 20 minutes, then it restarts (counters from 0).',
    expect: 'page',
    observe: 45 * MIN,
    incidentEnd: 20 * MIN,
    goals: pages(2 * MIN),
    state: incidentWhile(0, 20 * MIN, { down: true }),
  },
  {
    id: 'targets-gone',
    title: 'Targets gone',
    description:
      'Every target of the service disappears from service discovery for 20 minutes: all its series, `up` included, go stale and absent; then it is back (counters from 0).',
    expect: 'page',
    observe: 45 * MIN,
    incidentEnd: 20 * MIN,
    goals: pages(2 * MIN),
    state: incidentWhile(0, 20 * MIN, { gone: true }),
  },
  {
    id: 'recovery',
    title: 'Recovery',
    description: 'Every request fails for 5 minutes, then the service recovers: the page must resolve promptly.',
    expect: 'page',
    observe: 40 * MIN,
    incidentEnd: 5 * MIN,
    goals: pages(2 * MIN),
    state: incidentWhile(0, 5 * MIN, { errorRatio: 1 }),
  },
  {
    id: 'latency-p99',
    title: 'Latency regression (p99)',
    description: 'p99 latency rises to 1.5 s (2% of requests take 1–2 s) for 30 minutes; no errors.',
    expect: 'page',
    observe: 55 * MIN,
    incidentEnd: 30 * MIN,
    goals: pages(5 * MIN),
    state: incidentWhile(0, 30 * MIN, { latency: SLOW_LATENCY }),
  },
  {
    id: 'latency-p95',
    title: 'Latency regression (p95)',
    description: 'p95 latency rises to 750 ms (p99 950 ms, under 1 s) for 30 minutes; no errors.',
    expect: 'page',
    observe: 55 * MIN,
    incidentEnd: 30 * MIN,
    goals: pages(5 * MIN),
    state: incidentWhile(0, 30 * MIN, { latency: P95_SLOW_LATENCY }),
  },
  {
    id: 'latency-slower',
    title: 'Healthy but slower',
    description: 'p95 latency 150 ms and p99 680 ms (from 100 ms and 460 ms) for an hour: slower, still healthy.',
    expect: 'none',
    observe: 60 * MIN,
    incidentEnd: 60 * MIN,
    goals: QUIET,
    state: incidentWhile(0, 60 * MIN, { latency: SLOWER_HEALTHY_LATENCY }),
  },
  {
    id: 'latency-noisy',
    title: 'Noisy but healthy latency',
    description:
      'For an hour, every interval p95 lands anywhere between 100 ms and 150 ms (p99 460–680 ms), at random.',
    expect: 'none',
    observe: 60 * MIN,
    incidentEnd: 60 * MIN,
    goals: QUIET,
    state: (t) => {
      const h = healthy();
      if (!during(t, 0, 60 * MIN)) return h;
      return { ...h, incident: { ...h.incident, latency: mix(HEALTHY_LATENCY, SLOWER_HEALTHY_LATENCY, noise(t)) } };
    },
  },
  {
    id: 'healthy',
    title: 'Healthy traffic',
    description: 'Nothing happens: an hour of healthy traffic on every service.',
    expect: 'none',
    observe: 60 * MIN,
    incidentEnd: 0,
    goals: QUIET,
    state: () => healthy(),
  },
  {
    id: 'blip-60s',
    title: '60-second error blip',
    description: 'Every request fails for 60 seconds (a deploy, a dependency restart), then all is well.',
    expect: 'none',
    observe: 30 * MIN,
    incidentEnd: MIN,
    goals: QUIET,
    // Its budget cost is what the 1d and 3d ticket windows judge: with hours of history instead of days they
    // would ticket a burst production's days of clean traffic dilute (docs/replay.md).
    history: 'max',
    state: incidentWhile(0, MIN, { errorRatio: 1 }),
  },
  {
    id: 'low-traffic-error',
    title: 'Low traffic, two errors',
    description:
      'At night every service serves 3 requests a minute (0.05 req/s); one request fails with a 5xx, another 10 minutes later.',
    expect: 'none',
    // As for the blip: the 1d and 3d ticket windows need clean history to weigh two errors against.
    history: 'max',
    observe: 30 * MIN,
    incidentEnd: 10 * MIN,
    goals: QUIET,
    state: (t) => {
      const h = healthy();
      const low = { ...h, incident: healthyApp(LOW_RPS), others: healthyApp(LOW_RPS) };
      // Each error is served in the first interval at or after its time, whatever the step.
      return t === 0 || t === 10 * MIN ? { ...low, incident: { ...low.incident, errors: 1 } } : low;
    },
  },
  {
    id: 'cpu-90',
    title: 'CPU 90%',
    description: "The node's CPUs are 90% busy for 30 minutes; requests are still served well.",
    expect: 'ticket',
    observe: 45 * MIN,
    incidentEnd: 30 * MIN,
    goals: [],
    state: (t) => {
      const h = healthy();
      return during(t, 0, 30 * MIN) ? { ...h, node: { ...h.node, cpu: 0.9 } } : h;
    },
  },
  {
    id: 'memory-90',
    title: 'Memory 90%',
    description: "90% of the node's memory is in use for 30 minutes; requests are still served well.",
    expect: 'ticket',
    observe: 45 * MIN,
    incidentEnd: 30 * MIN,
    goals: [],
    state: (t) => {
      const h = healthy();
      return during(t, 0, 30 * MIN) ? { ...h, node: { ...h.node, memory: 0.9 } } : h;
    },
  },
  {
    id: 'slow-burn',
    title: 'Slow burn',
    description:
      '0.3% of requests fail for 6 hours (3× the error budget burn rate of a 99.9% SLO), after as many clean hours as the replay can hold.',
    expect: 'ticket',
    observe: 6 * HOUR + 15 * MIN,
    incidentEnd: 6 * HOUR,
    history: 'max',
    goals: [{ kind: 'ticket-within', seconds: 6 * HOUR }, { kind: 'never-pages' }],
    state: incidentWhile(0, 6 * HOUR, { errorRatio: 0.003 }),
  },
  {
    id: 'flapping',
    title: 'Flapping errors',
    description: '20% of requests fail for 2 minutes out of every 8, six times over (48 minutes).',
    expect: 'page',
    observe: 75 * MIN,
    incidentEnd: 48 * MIN,
    goals: pages(),
    state: (t) => {
      const h = healthy();
      return during(t, 0, 48 * MIN) && t % (8 * MIN) < 2 * MIN
        ? { ...h, incident: { ...h.incident, errorRatio: 0.2 } }
        : h;
    },
  },
  {
    id: 'traffic-stops',
    title: 'Traffic stops, target up',
    description:
      'The service stops receiving requests (DNS, routing, a client bug) for 30 minutes; it is still up and scraped.',
    expect: 'ticket',
    observe: 45 * MIN,
    incidentEnd: 30 * MIN,
    goals: [{ kind: 'ticket-within', seconds: 10 * MIN }],
    state: incidentWhile(0, 30 * MIN, { rps: 0 }),
  },
];

export function scenarioById(id: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.id === id);
}

/** A goal's text as the report prints it. */
export function goalText(goal: Goal): string {
  switch (goal.kind) {
    case 'page-within':
      return `pages within ${formatSeconds(goal.seconds)}`;
    case 'page-no-later-than-seed':
      return 'pages no later than the seed';
    case 'never-pages':
      return 'never pages';
    case 'no-ticket':
      return 'opens no ticket';
    case 'one-incident':
      return 'one page incident';
    case 'resolves-within':
      return `resolve reaches the receiver within ${formatSeconds(goal.seconds)} of the alert resolving`;
    case 'ticket-within':
      return goal.seconds === undefined ? 'opens a ticket' : `opens a ticket within ${formatSeconds(goal.seconds)}`;
  }
}

/** Seconds as `m:ss` (or `h:mm:ss` from an hour on); negative values get a minus sign. */
export function formatSeconds(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  const s = Math.abs(Math.round(seconds));
  const h = Math.floor(s / HOUR);
  const m = Math.floor((s % HOUR) / MIN);
  const ss = String(s % MIN).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${ss}` : `${sign}${m}:${ss}`;
}
