/**
 * `@greyhaven/metrics/workers`: Cloudflare Workers. A Worker runs in many short-lived isolates, so a scrape of
 * `/metrics` reaches one of them at random — counters jump and reset, rates are wrong. Here each isolate records
 * as usual and pushes its own cumulative series, labelled with its own `instance`, to Prometheus' remote-write
 * receiver from `ctx.waitUntil` after the response; the rules sum the isolates (writer.ts says how each series
 * stays monotonic). Web-standard APIs only: nothing here imports a Node module.
 *
 * ```ts
 * import { withRemoteWrite } from '@greyhaven/metrics/workers';
 * export default withRemoteWrite(
 *   {
 *     labels: { service: 'api', job: 'cloudflare-workers', runtime: 'workers', team: 'platform' },
 *     remoteWrite: (env) => ({ url: env.REMOTE_WRITE_URL, bearerToken: env.REMOTE_WRITE_TOKEN }),
 *     // To ghmon's Compose Prometheus (its receiver is behind the web config's basic auth) instead:
 *     // remoteWrite: (env) => ({
 *     //   url: env.REMOTE_WRITE_URL,
 *     //   basicAuth: { username: 'ghmon', password: env.REMOTE_WRITE_PASSWORD },
 *     // }),
 *     routes: ['/users/:id'],
 *   },
 *   { fetch: (request, env, ctx) => app.fetch(request, env, ctx) },
 * );
 * ```
 */
import { type MetricsMiddlewareOptions, metricsMiddleware } from '../core/middleware.ts';
import { HttpMetrics } from '../core/registry.ts';
import type { RemoteWriteTarget } from './remote-write.ts';
import { RemoteWriter, type RemoteWriterOptions } from './writer.ts';

export { type EncodedSeries, encodeLabels, encodeWriteRequest, type Label, type Sample } from './protobuf.ts';
export {
  type PushResult,
  pushRemoteWrite,
  REMOTE_WRITE_HEADERS,
  type RemoteWriteTarget,
  remoteWriteAuthorization,
  remoteWriteBody,
  retryable,
} from './remote-write.ts';
export { RemoteWriter, type RemoteWriterOptions, type RemoteWriterStats, validateLabels } from './writer.ts';

/** The part of a Workers `ExecutionContext` used here. */
export interface WaitUntilContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** A module Worker's exported handler (only `fetch` is wrapped; other handlers pass through). */
export interface FetchHandler<Env, Ctx extends WaitUntilContext = WaitUntilContext> {
  fetch(request: Request, env: Env, ctx: Ctx): Response | Promise<Response>;
}

export interface WorkersMetricsOptions<Env>
  extends Omit<MetricsMiddlewareOptions, 'metrics'>,
    Omit<RemoteWriterOptions, 'target' | 'metrics'> {
  /**
   * Where this Worker pushes, from its bindings (read at every push). Return undefined to record without
   * pushing (e.g. in local development without a receiver).
   */
  remoteWrite: (env: Env) => RemoteWriteTarget | undefined;
  /**
   * The isolate's metrics. Default: a new instance per isolate with `maxLabelSets: 250` — every isolate's label
   * sets become series of their own, so the cap bounds series per isolate (≈ 250 × 11).
   */
  metrics?: HttpMetrics;
}

/** Per-isolate state: module scope is per isolate, so one wrapped handler = one writer per isolate. */
export interface WorkersMetrics {
  readonly metrics: HttpMetrics;
  /** Created on the first request (it needs the Worker's `env`). */
  readonly writer: RemoteWriter | undefined;
}

/**
 * Wraps a module Worker's handler: every request is recorded (`metricsMiddleware`, with `trackBody: false` by
 * default — rebuilding a Response would drop a WebSocket upgrade's `webSocket`), then
 * `ctx.waitUntil(writer.schedule())` pushes after the response.
 */
export function withRemoteWrite<Env, Ctx extends WaitUntilContext, H extends FetchHandler<Env, Ctx>>(
  options: WorkersMetricsOptions<Env>,
  handler: H,
): H & { readonly state: WorkersMetrics } {
  const { remoteWrite, metrics: given, routes, route, trackBody, ...writerOptions } = options;
  const metrics = given ?? new HttpMetrics({ maxLabelSets: 250 });
  const middleware = metricsMiddleware({
    metrics,
    trackBody: trackBody ?? false,
    ...(routes !== undefined ? { routes } : {}),
    ...(route !== undefined ? { route } : {}),
  });
  // Labels are checked now, at module load: a misconfigured Worker fails on deploy, not on its first push.
  new RemoteWriter({ ...writerOptions, metrics, target: () => undefined, instance: 'x' });
  const state: { metrics: HttpMetrics; writer: RemoteWriter | undefined } = { metrics, writer: undefined };
  return {
    ...handler,
    state,
    async fetch(request: Request, env: Env, ctx: Ctx): Promise<Response> {
      state.writer ??= new RemoteWriter({ ...writerOptions, metrics, target: () => remoteWrite(env) });
      const writer = state.writer;
      try {
        return await middleware(request, async () => handler.fetch(request, env, ctx));
      } finally {
        try {
          ctx.waitUntil(writer.schedule());
        } catch (error) {
          metrics.onError(error, 'ctx.waitUntil');
        }
      }
    },
  };
}
