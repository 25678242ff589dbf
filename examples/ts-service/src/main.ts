/** Runs the example service: `PORT=8080 npx tsx examples/ts-service/src/main.ts`. Binds 127.0.0.1 unless HOST is set. */
import { isolateMetrics, pushConfigFromEnv, pushLikeAWorker } from './push.ts';
import { createService } from './service.ts';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
// With REMOTE_WRITE_URLS set (`ghmon up` playing a push service such as Grey Haven's Workers `api`), the service
// pushes its series the way a Worker does and serves no /metrics; otherwise it is scraped.
const push = pushConfigFromEnv(process.env);
const metrics = push ? isolateMetrics() : undefined;
const service = createService({
  injection: {
    errorRate: Number(process.env.INJECT_ERROR_RATE ?? 0),
    latencyMs: Number(process.env.INJECT_LATENCY_MS ?? 0),
  },
  ...(metrics ? { metrics, metricsEndpoint: false } : {}),
});
const writers = push && metrics ? pushLikeAWorker(service.server, metrics, push) : [];
const url = await service.listen(port, host);
console.log(
  push
    ? `[ts-service] listening on ${url}; pushing like a Worker (instance ${writers[0]?.instance}) to ${push.urls.join(', ')}`
    : `[ts-service] listening on ${url} (metrics at ${url}/metrics)`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    service.close().then(() => process.exit(0));
  });
}
