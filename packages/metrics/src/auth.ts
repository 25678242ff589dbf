/**
 * Bearer-token authentication of `/metrics` (web-standard: no Node import, so it also runs in Workers).
 *
 * A handler given a token (option `auth: { token }`, or through the Node entry point's default: the
 * `GREYHAVEN_METRICS_TOKEN` environment variable or the file named by `GREYHAVEN_METRICS_TOKEN_FILE`) answers
 * 401 to any request whose `Authorization` header is not `Bearer <token>`. The comparison takes the same time
 * whatever the presented value (no early exit on the first differing byte). `auth: 'none'` turns it off
 * explicitly; with neither an option nor a default token, the endpoint is open (as before) — the generated
 * Prometheus config sends the token for every non-localhost target, so deploy the token with the service.
 */

export type MetricsAuth =
  | 'none'
  | {
      /** The expected token, or a function returning it (read per request: a rotated file is picked up). */
      token: string | (() => string | undefined);
    };

let defaultAuth: () => MetricsAuth | undefined = () => undefined;

/** Sets what `auth` defaults to (the Node entry point reads the environment and the token file). */
export function setDefaultMetricsAuth(fn: () => MetricsAuth | undefined): void {
  defaultAuth = fn;
}

const encoder = new TextEncoder();

/** Compares two strings in time that depends only on their lengths (not on where they differ). */
export function timingSafeEqualString(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.max(x.length, y.length);
  let diff = x.length ^ y.length;
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** The token an `auth` setting expects; undefined when the endpoint is open. Trailing newlines are trimmed. */
export function expectedToken(auth: MetricsAuth | undefined): string | undefined {
  const a = auth ?? defaultAuth();
  if (a === undefined || a === 'none') return undefined;
  const t = typeof a.token === 'function' ? a.token() : a.token;
  if (t === undefined) return undefined;
  const trimmed = t.replace(/[\r\n]+$/, '');
  if (trimmed === '') throw new Error('metrics auth: the token is empty');
  return trimmed;
}

/**
 * Whether a request with this `Authorization` header may read `/metrics`. A misconfigured token (empty file)
 * denies every request rather than opening the endpoint.
 */
export function isAuthorized(authorization: string | null | undefined, auth: MetricsAuth | undefined): boolean {
  let token: string | undefined;
  try {
    token = expectedToken(auth);
  } catch {
    return false;
  }
  if (token === undefined) return true;
  if (typeof authorization !== 'string') return false;
  const m = /^Bearer +(.+)$/i.exec(authorization.trim());
  if (m === null) return false;
  return timingSafeEqualString(m[1] as string, token);
}

export const UNAUTHORIZED_HEADERS = {
  'content-type': 'text/plain; charset=utf-8',
  'www-authenticate': 'Bearer realm="metrics"',
  'cache-control': 'no-store',
} as const;

/** The 401 answer (web-standard). */
export function unauthorizedResponse(): Response {
  return new Response('unauthorized\n', { status: 401, headers: UNAUTHORIZED_HEADERS });
}
