/**
 * A small client of Prometheus' HTTP API (also VictoriaMetrics', which answers the same): GET a path with query
 * parameters through the bounded exchange of http.ts (a timeout over the whole exchange, a size limit, redirects
 * followed as fetch does without sending credentials to another origin), and the `data` of a `success` answer,
 * or a PrometheusApiError whose message names the server and what it answered (never the credentials).
 */
import { readFileSync } from 'node:fs';
import { UserError } from './errors.ts';
import { basicAuth, bearer, exchange, parseJson } from './http.ts';

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

export interface TargetOptions {
  /** `--prometheus URL`. */
  url: string;
  /** Basic auth as `user` with the password in this file (`--prometheus-password-file`). */
  passwordFile?: string | undefined;
  user: string;
  /** A bearer token in this file (`--prometheus-bearer-token-file`). */
  bearerTokenFile?: string | undefined;
}

/**
 * The `--prometheus URL` and credential options as a base URL and headers: a UserError for a URL that is not
 * http(s), an unreadable file, or both credentials at once. Credentials come from files, never the command line.
 */
export function prometheusTarget(opts: TargetOptions): { base: URL; headers: Record<string, string> } {
  let base: URL;
  try {
    base = new URL(opts.url);
    if (!/^https?:$/.test(base.protocol)) throw new Error('not http');
  } catch {
    throw new UserError(`--prometheus ${opts.url}: expected an http(s) URL such as http://127.0.0.1:9090`);
  }
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new UserError(`${flag} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  if (opts.passwordFile !== undefined && opts.bearerTokenFile !== undefined)
    throw new UserError('give --prometheus-password-file or --prometheus-bearer-token-file, not both');
  const headers: Record<string, string> = {};
  if (opts.passwordFile !== undefined)
    headers.authorization = basicAuth(opts.user, read('--prometheus-password-file', opts.passwordFile));
  if (opts.bearerTokenFile !== undefined)
    headers.authorization = bearer(read('--prometheus-bearer-token-file', opts.bearerTokenFile));
  return { base, headers };
}
