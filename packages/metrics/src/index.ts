/**
 * `@greyhaven/metrics`: HTTP instrumentation that emits exactly the Grey Haven metric contract
 * (`@greyhaven/metric-contract`), for Node. Adapters: node:http, Express, Hono, TanStack Start, and the
 * web-standard `metricsMiddleware(options)`. Every `/metrics` handler also renders prom-client's default
 * registry, so metrics an application already has there keep being scraped.
 */
import promClient from 'prom-client';
import { setDefaultMetricsAuth } from './auth.ts';
import { defaultMetricsAuthFromEnv } from './auth-node.ts';
import { setDefaultRegistries } from './core/handler.ts';

setDefaultRegistries(() => [promClient.register]);
setDefaultMetricsAuth(defaultMetricsAuthFromEnv);

export { metricsAuthFromEnv, TOKEN_ENV, TOKEN_FILE_ENV, tokenFromFile } from './auth-node.ts';
export {
  type ClusterMetricsHandlerOptions,
  type ClusterMetricsPrimary,
  ClusterMetricsUnavailableError,
  type ClusterMetricsWorker,
  type ClusterPrimaryOptions,
  type ClusterWorkerOptions,
  clusterMetricsHandler,
  renderClusterMetrics,
  setupClusterMetricsPrimary,
  setupClusterMetricsWorker,
} from './cluster.ts';
export * from './core/index.ts';
export { type ExpressMetricsOptions, expressMetrics, expressMetricsHandler, expressRouteTemplate } from './express.ts';
export {
  instrumentNodeHandler,
  type NodeHandler,
  type NodeMetricsOptions,
  type NodeRequestTracker,
  nodeMetricsHandler,
  trackNodeRequest,
  writeMetrics,
} from './node.ts';
