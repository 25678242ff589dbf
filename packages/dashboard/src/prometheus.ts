/**
 * Prometheus' HTTP API, through the viewer's own server (same origin: `/api/v1/...` is proxied to Prometheus,
 * so there is no CORS to set up). Errors come back as Prometheus words them.
 */

export interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export class QueryError extends Error {}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

async function get<T>(path: string, params: Record<string, string | string[]>, signal?: AbortSignal): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
  }
  let res: Response;
  try {
    res = await fetch(`${path}?${q}`, { signal: signal ?? null, headers: { Accept: 'application/json' } });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new QueryError(`Prometheus is not reachable: ${(err as Error).message}`);
  }
  let body: ApiAnswer<T>;
  try {
    body = (await res.json()) as ApiAnswer<T>;
  } catch {
    throw new QueryError(`Prometheus answered ${res.status} without JSON`);
  }
  if (body.status !== 'success' || body.data === undefined) {
    throw new QueryError(`${body.errorType ?? `HTTP ${res.status}`}: ${body.error ?? 'query failed'}`);
  }
  return body.data;
}

export async function queryRange(
  expr: string,
  start: number,
  end: number,
  step: number,
  signal?: AbortSignal,
): Promise<RangeSeries[]> {
  const data = await get<{ resultType: string; result: RangeSeries[] }>(
    'api/v1/query_range',
    { query: expr, start: start.toFixed(3), end: end.toFixed(3), step: String(step) },
    signal,
  );
  if (data.resultType !== 'matrix') throw new QueryError(`expected a range vector, got ${data.resultType}`);
  return data.result;
}

export async function labelValues(label: string, match: string | undefined, start: number, end: number) {
  return get<string[]>(`api/v1/label/${encodeURIComponent(label)}/values`, {
    ...(match ? { 'match[]': match } : {}),
    start: start.toFixed(0),
    end: end.toFixed(0),
  });
}

export async function labelNames(match: string | undefined, start: number, end: number) {
  return get<string[]>('api/v1/labels', {
    ...(match ? { 'match[]': match } : {}),
    start: start.toFixed(0),
    end: end.toFixed(0),
  });
}

export async function instantValues(expr: string, time: number): Promise<string[]> {
  const data = await get<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>(
    'api/v1/query',
    { query: expr, time: time.toFixed(3) },
  );
  return data.resultType === 'vector' ? data.result.map((r) => r.value[1]) : [];
}

/** The global scrape interval of the Prometheus behind the proxy, in seconds (15 when it cannot tell). */
export async function scrapeIntervalSeconds(): Promise<number> {
  try {
    const data = await get<{ yaml: string }>('api/v1/status/config', {});
    const m = /^global:\n(?:[ \t]+.*\n)*?[ \t]+scrape_interval:\s*(\d+)(s|m)\b/m.exec(data.yaml);
    if (m) return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
  } catch {
    // fall through
  }
  return 15;
}
