/** Runs the example service: `PORT=8080 npx tsx examples/ts-service/src/main.ts`. Binds 127.0.0.1 unless HOST is set. */
import { createService } from './service.ts';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const service = createService({
  injection: {
    errorRate: Number(process.env.INJECT_ERROR_RATE ?? 0),
    latencyMs: Number(process.env.INJECT_LATENCY_MS ?? 0),
  },
});
const url = await service.listen(port, host);
console.log(`[ts-service] listening on ${url} (metrics at ${url}/metrics)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    service.close().then(() => process.exit(0));
  });
}
