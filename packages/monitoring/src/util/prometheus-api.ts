/**
 * A small client of Prometheus' HTTP API (also VictoriaMetrics', which answers the same): GET a path with query
 * parameters through the bounded exchange of http.ts (a timeout over the whole exchange, a size limit, redirects
 * followed as fetch does without sending credentials to another origin), and the `data` of a `success` answer,
 * or a PrometheusApiError whose message names the server and what it answered (never the credentials).
 */
import { exchange, parseJson } from './http.ts';

export class PrometheusApiError extends Error {}

export interface PrometheusApiOptions {
  /** Base URL, e.g. http://127.0.0.1:9090 (a path prefix is kept). */
  base: URL;
  /** Sent with every request (Authorization). */
  headers?: Record<string, string>;
  timeoutMs: number;
  maxBytes: number;
  /** What to tell the user on a 401, e.g. "give --prometheus-password-file". */
  unauthorised: string;
}

export interface PrometheusApi {
  /** The server's origin, as messages name it. */
  readonly where: string;
  /** GET `path` (e.g. `api/v1/series`) with `params` (a list value repeats the parameter); the answer's `data`. */
  get<T>(path: string, params: Record<string, string | readonly string[]>): Promise<T>;
}

export function prometheusApi(opts: PrometheusApiOptions): PrometheusApi {
  const where = opts.base.origin;
  const root = opts.base.href.endsWith('/') ? opts.base.href : `${opts.base.href}/`;
  return {
    where,
    async get<T>(path: string, params: Record<string, string | readonly string[]>): Promise<T> {
      const url = new URL(path, root);
      for (const [k, v] of Object.entries(params))
        for (const one of typeof v === 'string' ? [v] : v) url.searchParams.append(k, one);
      const res = await exchange(
        url,
        { headers: opts.headers ?? {} },
        { timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes, redirect: 'follow' },
      );
      if (res.kind === 'no-answer')
        throw new PrometheusApiError(`${where} did not answer (${(res.error as Error).message})`);
      if (res.status === 401) throw new PrometheusApiError(`${where} answered 401: ${opts.unauthorised}`);
      if (res.kind === 'oversize') {
        throw new PrometheusApiError(
          `${where}/${path} answered ${res.status} with more than ${opts.maxBytes / 1024 ** 2} MiB`,
        );
      }
      const body = (res.kind === 'answer' ? parseJson(res.body) : undefined) as
        | { status?: string; data?: unknown; error?: string }
        | undefined;
      if (res.status < 200 || res.status > 299 || body?.status !== 'success' || body.data === undefined) {
        throw new PrometheusApiError(`${where}/${path} answered ${res.status}${body?.error ? `: ${body.error}` : ''}`);
      }
      return body.data as T;
    },
  };
}
