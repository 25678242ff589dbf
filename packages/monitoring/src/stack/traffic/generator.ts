/**
 * Demo traffic: a steady request rate to each demo service over its id routes (fresh ids, so route templates
 * and not raw paths must keep the series count flat), with a few 404s. Bounded by design: it only ever sends
 * to the 127.0.0.1 targets it is given, at a fixed rate, and stops when stopped.
 */
import { request } from 'node:http';

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
        // node:http rather than fetch: fetch loads undici, ~13 MB more resident memory (`npm run bench`).
        const req = request(`${t.baseUrl}${path}`, { timeout: 10_000 }, (r) => {
          r.resume();
          r.on('end', () => opts.onResult?.(t.name, r.statusCode ?? 0));
          r.on('error', () => opts.onResult?.(t.name, 0));
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', () => opts.onResult?.(t.name, 0));
        req.end();
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
