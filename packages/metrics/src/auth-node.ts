/**
 * The Node entry point's default `/metrics` auth: the token from `GREYHAVEN_METRICS_TOKEN`, or from the file
 * named by `GREYHAVEN_METRICS_TOKEN_FILE` (a mounted Kubernetes/Compose secret; re-read at most every 10 s, so
 * a rotated secret is picked up). Neither set: no default (the endpoint is open unless a handler gets `auth`).
 */
import { readFileSync } from 'node:fs';
import type { MetricsAuth } from './auth.ts';

export const TOKEN_ENV = 'GREYHAVEN_METRICS_TOKEN';
export const TOKEN_FILE_ENV = 'GREYHAVEN_METRICS_TOKEN_FILE';

/** A token read from a file, cached for `ttlMs`. A missing or unreadable file throws (so requests are denied). */
export function tokenFromFile(path: string, ttlMs = 10_000): () => string {
  let cached: { at: number; value: string } | undefined;
  return () => {
    const now = Date.now();
    if (cached === undefined || now - cached.at > ttlMs) {
      cached = { at: now, value: readFileSync(path, 'utf8') };
    }
    return cached.value;
  };
}

/** `auth` from the environment, or undefined. */
export function metricsAuthFromEnv(env: NodeJS.ProcessEnv = process.env): MetricsAuth | undefined {
  const token = env[TOKEN_ENV];
  if (token !== undefined && token !== '') return { token };
  const file = env[TOKEN_FILE_ENV];
  if (file !== undefined && file !== '') return { token: tokenFromFile(file) };
  return undefined;
}

let memo: { key: string; auth: MetricsAuth | undefined } | undefined;

/** `metricsAuthFromEnv()`, recomputed only when the two variables change. */
export function defaultMetricsAuthFromEnv(): MetricsAuth | undefined {
  const key = `${process.env[TOKEN_ENV] ?? ''}\0${process.env[TOKEN_FILE_ENV] ?? ''}`;
  if (memo?.key !== key) memo = { key, auth: metricsAuthFromEnv() };
  return memo.auth;
}
