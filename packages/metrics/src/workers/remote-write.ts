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
   * Sent as `Authorization: Bearer <token>`. Prometheus' receiver has no authentication of its own: put it behind
   * a proxy that checks this token (the push path's authentication is its own piece of work; this is the seam).
   */
  bearerToken?: string;
  /** Extra request headers (e.g. a Cloudflare Access service token's `CF-Access-Client-Id`/`-Secret`). */
  headers?: Readonly<Record<string, string>>;
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

/** POSTs one body. Never throws: the outcome is in the result. */
export async function pushRemoteWrite(
  target: RemoteWriteTarget,
  body: Uint8Array<ArrayBuffer>,
  options: { timeoutMs: number; fetch: typeof fetch },
): Promise<PushResult> {
  const headers: Record<string, string> = { ...target.headers, ...REMOTE_WRITE_HEADERS };
  if (target.bearerToken !== undefined) headers.authorization = `Bearer ${target.bearerToken}`;
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
    return { status: response.status, error: text.slice(0, 300).trim() || response.statusText };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** Whether a failed push is worth sending again: no answer, 5xx, or 429 (the spec's retryable outcomes). */
export function retryable(result: PushResult): boolean {
  return result.status === undefined || result.status >= 500 || result.status === 429;
}
