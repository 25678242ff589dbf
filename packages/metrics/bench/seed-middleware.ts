// The seed's TypeScript middleware, verbatim from ../shared/seed/prometheus-grafana-monitoring.md, section 3
// ("middleware/metrics.ts"). Kept unchanged as the benchmark's reference; do not fix it.
// biome-ignore-all format: verbatim copy
// biome-ignore-all lint: verbatim copy
// biome-ignore-all assist/source/organizeImports: verbatim copy
import { Histogram, Counter, Gauge } from 'prom-client';

const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration in seconds',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5]  // 10ms to 5s
});

const httpRequestsTotal = new Counter({
  name: 'http_requests_total',
  help: 'Total HTTP requests',
  labelNames: ['method', 'route', 'status']
});

const activeConnections = new Gauge({
  name: 'http_active_connections',
  help: 'Number of active HTTP connections'
});

export function metricsMiddleware() {
  return async (request: Request, next: () => Promise<Response>) => {
    const start = Date.now();
    activeConnections.inc();

    try {
      const response = await next();
      const duration = (Date.now() - start) / 1000;

      httpRequestDuration.observe({
        method: request.method,
        route: new URL(request.url).pathname,
        status: response.status.toString()
      }, duration);

      httpRequestsTotal.inc({
        method: request.method,
        route: new URL(request.url).pathname,
        status: response.status.toString()
      });

      return response;
    } finally {
      activeConnections.dec();
    }
  };
}

// Metrics endpoint for Prometheus scraping
export async function GET() {
  const { register } = await import('prom-client');
  return new Response(await register.metrics(), {
    headers: { 'Content-Type': register.contentType }
  });
}
