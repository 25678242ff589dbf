/**
 * `@greyhaven/metrics/core`: the web-standard core and the fetch-style adapters (Hono, TanStack Start), with no
 * Node or prom-client import — for Workers and other non-Node runtimes. `/metrics` here renders only this
 * package's families unless given `registries`.
 */

export {
  isAuthorized,
  type MetricsAuth,
  setDefaultMetricsAuth,
  timingSafeEqualString,
  unauthorizedResponse,
} from '../auth.ts';
export { type HonoContextLike, type HonoMetricsOptions, honoMetrics, honoMetricsHandler } from '../hono.ts';
export {
  type TanStackRequestMiddlewareArgs,
  type TanStackStartMetricsOptions,
  tanstackRoutes,
  tanstackStartMetrics,
  tanstackStartMetricsHandler,
} from '../tanstack.ts';
export {
  contentTypeOf,
  type ExpositionFormat,
  escapeLabelValue,
  negotiateFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
} from './exposition.ts';
export {
  formatPromClientMetrics,
  type MetricsHandlerOptions,
  metricsHandler,
  type PromClientMetricJson,
  type PromClientRegistryLike,
  type RenderedMetrics,
  renderMetrics,
  setDefaultRegistries,
} from './handler.ts';
export { METHOD_VALUES, methodIndex, normalizePath, pathOf, routeLabel } from './labels.ts';
export { type MetricsMiddlewareOptions, metricsMiddleware, type Next, type WebMiddleware } from './middleware.ts';
export {
  type DbPoolSource,
  defaultHttpMetrics,
  HttpMetrics,
  type HttpMetricsOptions,
  pgPoolSource,
  registerDbPool,
} from './registry.ts';
export { createRouteMatcher, type RouteSpec } from './route-matcher.ts';
