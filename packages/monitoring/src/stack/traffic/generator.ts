/**
 * Demo traffic: a steady request rate to each demo service over its id routes (fresh ids, so route templates
 * and not raw paths must keep the series count flat), with a few 404s. Bounded by design: it only ever sends
 * to the 127.0.0.1 targets it is given, at a fixed rate, and stops when stopped.
 */
export interface TrafficTarget {
  name: string;
  baseUrl: string;
}

const PATHS = [
  (id: number) => `/users/${id}`,
  (id: number) => `/users/${id}`,
  (id: number) => `/orders/${id}/items`,
  () => '/health',
  () => '/users/0', // a 404
];

export interface TrafficOptions {
  targets: TrafficTarget[];
  /** Requests per second to each target. */
  rps: number;
  onResult?: (target: string, status: number) => void;
}

export function startTraffic(opts: TrafficOptions): { stop(): void; sent(): number } {
  let sent = 0;
  let i = 0;
  const timers = opts.targets.map((t) =>
    setInterval(
      () => {
        const path = (PATHS[i++ % PATHS.length] as (id: number) => string)(1 + Math.floor(Math.random() * 100_000));
        sent++;
        fetch(`${t.baseUrl}${path}`, { signal: AbortSignal.timeout(10_000) })
          .then(async (r) => {
            await r.arrayBuffer();
            opts.onResult?.(t.name, r.status);
          })
          .catch(() => opts.onResult?.(t.name, 0));
      },
      Math.max(1, Math.round(1000 / opts.rps)),
    ),
  );
  return {
    stop: () => {
      for (const t of timers) clearInterval(t);
    },
    sent: () => sent,
  };
}
