/**
 * Prometheus remote-write 1.0 on the wire: a protobuf `WriteRequest` compressed with snappy's block format (not
 * the framed/stream format), POSTed with the three headers the spec requires. Web-standard APIs only (`fetch`,
 * `AbortSignal`, `setTimeout`): it runs in workerd, browsers and Node alike.
 *
 * Snappy is `snappyjs` (pure JavaScript, MIT, no dependencies; it only touches `Buffer` when `process.versions.node`
 * exists, so nothing Node-specific is reached in a Worker). A push of a few hundred series compresses ~5–10×
 * because every series repeats its label names and most of their values.
 */
import { compress } from 'snappyjs';
import { type EncodedSeries, encodeWriteRequest } from './protobuf.ts';

/** The headers of a remote-write 1.0 request (https://prometheus.io/docs/specs/remote_write_spec/). */
export const REMOTE_WRITE_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
} as const;

/** Where to push, and how to authenticate. */
export interface RemoteWriteTarget {
  /**
   * The receiver's write URL: Prometheus started with `--web.enable-remote-write-receiver` answers at
   * `/api/v1/write`; VictoriaMetrics and Mimir take the same protocol.
   */
  url: string;
  /**
   * Sent as `Authorization: Bearer <token>`. Prometheus' receiver does not check bearer tokens: use this with a
   * proxy in front of it that does (or a receiver that takes tokens). At most one of `bearerToken` and `basicAuth`.
   */
  bearerToken?: string;
  /**
   * Sent as `Authorization: Basic base64(username:password)` (RFC 7617, UTF-8). This is what Prometheus' own
   * `--web.config.file` checks — ghmon's Compose output puts the receiver behind it, user `ghmon` with the password
   * of `ghmon-web-auth/password`. At most one of `bearerToken` and `basicAuth`. The password is never logged nor
   * put in an error: failures name the field, and a receiver's error text has it replaced by `[redacted]`.
   */
  basicAuth?: { username: string; password: string };
  /** Extra request headers (e.g. a Cloudflare Access service token's `CF-Access-Client-Id`/`-Secret`). */
  headers?: Readonly<Record<string, string>>;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Base64 of the UTF-8 bytes of `text` (`btoa` alone takes Latin-1 only). */
function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * The `Authorization` header a target sends, or undefined for none. Throws a TypeError naming the field (never its
 * value) when the target is misconfigured: both `bearerToken` and `basicAuth`, or a `basicAuth` field that is not
 * a non-empty string, holds control characters (e.g. the newline at the end of a secret's file) or, for the
 * username, a colon (RFC 7617).
 */
export function remoteWriteAuthorization(target: RemoteWriteTarget): string | undefined {
  const { bearerToken, basicAuth } = target;
  if (bearerToken !== undefined && basicAuth !== undefined) {
    throw new TypeError('remoteWrite: give either bearerToken or basicAuth, not both');
  }
  if (basicAuth !== undefined) {
    const { username, password } = (basicAuth ?? {}) as Partial<typeof basicAuth>;
    if (typeof username !== 'string' || username === '') {
      throw new TypeError('remoteWrite.basicAuth.username: expected a non-empty string');
    }
    if (username.includes(':') || CONTROL.test(username)) {
      throw new TypeError('remoteWrite.basicAuth.username: may not contain ":" or control characters (RFC 7617)');
    }
    if (typeof password !== 'string' || password === '') {
      throw new TypeError('remoteWrite.basicAuth.password: expected a non-empty string (is the secret bound?)');
    }
    if (CONTROL.test(password)) {
      throw new TypeError(
        'remoteWrite.basicAuth.password: contains control characters (a trailing newline from the secret file?)',
      );
    }
    return `Basic ${base64Utf8(`${username}:${password}`)}`;
  }
  return bearerToken !== undefined ? `Bearer ${bearerToken}` : undefined;
}

/** Replaces every credential of `target` in `text` (a receiver's error body may echo the request). */
function redact(text: string, target: RemoteWriteTarget, authorization: string | undefined): string {
  const secrets = [target.basicAuth?.password, target.bearerToken, authorization?.slice(authorization.indexOf(' ') + 1)]
    .filter((s): s is string => typeof s === 'string' && s !== '')
    .sort((a, b) => b.length - a.length);
  for (const secret of secrets) text = text.replaceAll(secret, '[redacted]');
  return text;
}

/** The compressed body of a WriteRequest holding `series`. */
export function remoteWriteBody(series: readonly EncodedSeries[]): Uint8Array<ArrayBuffer> {
  return compress(encodeWriteRequest(series));
}

export interface PushResult {
  /** The receiver's HTTP status, or undefined when no answer came (network error, timeout). */
  status?: number;
  /** The start of the receiver's error message, or the network error. */
  error?: string;
}

/**
 * POSTs one body. Never throws for what the receiver or the network does: the outcome is in the result. A
 * misconfigured target is a TypeError (`remoteWriteAuthorization`), thrown before anything is sent.
 */
export async function pushRemoteWrite(
  target: RemoteWriteTarget,
  body: Uint8Array<ArrayBuffer>,
  options: { timeoutMs: number; fetch: typeof fetch },
): Promise<PushResult> {
  const authorization = remoteWriteAuthorization(target);
  const headers: Record<string, string> = { ...target.headers, ...REMOTE_WRITE_HEADERS };
  if (authorization !== undefined) headers.authorization = authorization;
  try {
    const response = await options.fetch(target.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (response.ok) {
      await response.body?.cancel();
      return { status: response.status };
    }
    const text = await response.text().catch(() => '');
    return {
      status: response.status,
      error: redact(text, target, authorization).slice(0, 300).trim() || response.statusText,
    };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { error: redact(message, target, authorization) };
  }
}

/** Whether a failed push is worth sending again: no answer, 5xx, or 429 (the spec's retryable outcomes). */
export function retryable(result: PushResult): boolean {
  return result.status === undefined || result.status >= 500 || result.status === 429;
}
