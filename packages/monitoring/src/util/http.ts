/**
 * ghmon's HTTP client, for Prometheus' and Grafana's APIs and the local stack's processes. Every request is bounded:
 * a timeout over the whole exchange (headers and body alike) and a limit on the body read (past it the connection is
 * closed, nothing more is read). Nothing here throws for a failed request: the answer, or what went wrong, comes back
 * as data, and the `describe…` functions turn it into one line that names the URL (never its credentials) and the
 * problem.
 *
 * Two transports: `exchange` uses fetch (its callers inject a fake fetch in tests, and may ask for redirects to be
 * refused so that credentials go nowhere but the given URL); `getText`/`getJson`/`isOk` use node:http for GETs to
 * the local stack on 127.0.0.1 (`ghmon status`), because fetch's undici is loaded on first use and costs a short
 * command a good part of its run time.
 */
import { get } from 'node:http';

/** The local stack's GETs: a timeout and a size limit; every failure is `undefined`/`false`. */
const LOCAL_TIMEOUT_MS = 3000;
const LOCAL_MAX_BYTES = 8 * 1024 * 1024;

/** The body of a 2xx answer, or undefined (error status, network error, timeout, over the size limit). */
export function getText(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: LOCAL_TIMEOUT_MS }, (res) => {
      const okStatus = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > LOCAL_MAX_BYTES) req.destroy();
        else chunks.push(c);
      });
      res.on('end', () => resolve(okStatus ? Buffer.concat(chunks).toString('utf8') : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** Whether the URL answers 2xx. */
export async function isOk(url: string): Promise<boolean> {
  return (await getText(url)) !== undefined;
}

/** A 2xx answer's JSON body, or undefined. */
export async function getJson<T>(url: string): Promise<T | undefined> {
  const text = await getText(url);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** The URL of an instant query against a Prometheus-compatible API at `base` (`http://host:port`). */
export function promQueryUrl(base: string, expr: string): string {
  return `${base}/api/v1/query?query=${encodeURIComponent(expr)}`;
}

/** An instant query's answer from the local stack (`getJson` of promQueryUrl), or undefined. */
export function promQuery<T>(base: string, expr: string): Promise<T | undefined> {
  return getJson<T>(promQueryUrl(base, expr));
}

/** The URL as it may appear in a message: user and password removed (a URL without them is returned as given). */
export function withoutCredentials(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return String(url).replace(/\/\/[^/@]*@/, '//');
  }
  if (u.username === '' && u.password === '') return String(url);
  u.username = '';
  u.password = '';
  return u.href;
}

/** An `Authorization` header value for basic auth. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** An `Authorization` header value for a bearer token. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** Control characters (C0, DEL, C1) and Unicode line/paragraph separators become spaces: one line, always. */
export function oneLine(s: string, max = 300): string {
  const flat = [...s]
    .map((ch) => {
      const c = ch.charCodeAt(0);
      return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 ? ' ' : ch;
    })
    .join('')
    .replace(/ {2,}/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** `application/json` or `application/<x>+json`, with or without parameters (Grafana sends `; charset=UTF-8`). */
export function isJsonContentType(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** Whether an answer is an HTML page (a proxy's or a login page), by its Content-Type or its first tag. */
export function looksLikeHtml(contentType: string | undefined, body: string): boolean {
  return /^text\/html\b/i.test(contentType?.trim() ?? '') || /^\s*<(!doctype\s+html|html)\b/i.test(body);
}

/**
 * Reads at most `limit` bytes of a body; undefined when it is larger, declared (Content-Length) or streamed: the
 * body is then cancelled, which closes the connection, so nothing past the limit is read or kept.
 */
export async function readLimited(res: Response, limit: number): Promise<string | undefined> {
  if (!res.body) return '';
  if (Number(res.headers.get('content-length') ?? 0) > limit) {
    await res.body.cancel().catch(() => {});
    return undefined;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface ExchangeOptions {
  timeoutMs: number;
  /** The most body bytes read; a longer answer is `oversize`. */
  maxBytes: number;
  /** `manual` (the default) refuses redirects: a 3xx is the answer. `follow` follows fetch's bounded chain. */
  redirect?: 'manual' | 'follow';
  fetch?: typeof fetch;
}

/** How a request went: an answer with its whole body, or where it stopped. */
export type Exchange =
  | { kind: 'answer'; status: number; headers: Headers; body: string }
  /** The body was longer than maxBytes: reading stopped there and the connection was closed. */
  | { kind: 'oversize'; status: number; headers: Headers }
  /** No answer: the connection failed, or no headers within the timeout. */
  | { kind: 'no-answer'; error: unknown }
  /** Headers came, but the body did not end within the timeout or the connection broke. */
  | { kind: 'broken-body'; status: number; headers: Headers; error: unknown };

/** One request, bounded by the timeout (the whole exchange) and the size limit; never throws. */
export async function exchange(url: string | URL, init: RequestInit, opts: ExchangeOptions): Promise<Exchange> {
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, {
      ...init,
      redirect: opts.redirect ?? 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (error) {
    return { kind: 'no-answer', error };
  }
  try {
    const body = await readLimited(res, opts.maxBytes);
    return body === undefined
      ? { kind: 'oversize', status: res.status, headers: res.headers }
      : { kind: 'answer', status: res.status, headers: res.headers, body };
  } catch (error) {
    return { kind: 'broken-body', status: res.status, headers: res.headers, error };
  }
}

/** An answer's body as JSON, or undefined when it is not JSON. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Whether fetch failed because its timeout signal fired. */
export function isTimeout(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** What the messages call the server and the option that names it (`Grafana`, `--url`). */
export interface ServerNames {
  server: string;
  flag: string;
}

/** Why a request got no answer or broke off, in words (undici's `fetch failed` and its cause's code). */
export function networkReason(err: unknown, names: ServerNames): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code ?? (err as { code?: string })?.code;
  const known: Record<string, string> = {
    ECONNREFUSED: `connection refused (is ${names.server} running, and is the host and port right?)`,
    ENOTFOUND: `host not found (check the host name in ${names.flag})`,
    EAI_AGAIN: `host name lookup failed (DNS); try again, or check the host name in ${names.flag}`,
    ECONNRESET: 'the connection was reset',
    ETIMEDOUT: 'the connection timed out',
    EHOSTUNREACH: 'host unreachable',
    UND_ERR_SOCKET: 'the connection closed before an answer',
    UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: the server certificate is self-signed and not trusted',
    SELF_SIGNED_CERT_IN_CHAIN: 'TLS: a self-signed certificate in the chain is not trusted',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: the server certificate cannot be verified',
    CERT_HAS_EXPIRED: 'TLS: the server certificate has expired',
    ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: the certificate does not match the host name',
    EPROTO: 'TLS: protocol error (is it http:// rather than https://?)',
  };
  return (code && known[code]) ?? oneLine(e?.cause?.message ?? e?.message ?? String(err), 200);
}

/** A clear message for a request that got no answer. */
export function describeNetworkError(err: unknown, url: string, timeoutMs: number, names: ServerNames): string {
  const where = withoutCredentials(url);
  if (isTimeout(err)) return `cannot reach ${names.server} at ${where}: no answer within ${timeoutMs / 1000}s`;
  return `cannot reach ${names.server} at ${where}: ${networkReason(err, names)}`;
}

/** A clear message for an answer whose body did not arrive whole: it never ended, or the connection broke. */
export function describeBodyError(
  err: unknown,
  url: string,
  status: number,
  timeoutMs: number,
  names: ServerNames,
): string {
  const where = withoutCredentials(url);
  if (isTimeout(err)) {
    return `${where} answered ${status} but the answer did not end within ${timeoutMs / 1000}s (stalled or endless); stopped reading and closed the connection`;
  }
  return `${where} answered ${status} but the answer broke off: ${networkReason(err, names)}`;
}

/** A short excerpt of a body for a message: one line, at most `max` characters, or '' when there is none. */
export function bodyExcerpt(body: string, max = 100): string {
  return body.trim() === '' ? '' : `"${oneLine(body, max)}"`;
}
