/** Runs demo traffic as a process of the stack: `tsx main.ts --target api=http://127.0.0.1:8081 --rps 5`. */
import { parseArgs } from 'node:util';
import { startTraffic } from './generator.ts';

const { values } = parseArgs({ options: { target: { type: 'string', multiple: true }, rps: { type: 'string' } } });
const targets = (values.target ?? []).map((spec) => {
  const [name = '', baseUrl = ''] = spec.split(/=(.*)/s);
  return { name, baseUrl };
});
const counts = new Map<string, number>();
const traffic = startTraffic({
  targets,
  rps: Number(values.rps ?? 5),
  onResult: (name, status) => {
    const key = `${name} ${status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  },
});
console.log(`[traffic] ${values.rps ?? 5} req/s to ${targets.map((t) => t.name).join(', ')}`);
const report = setInterval(() => {
  console.log(`[traffic] sent ${traffic.sent()}: ${[...counts].map(([k, v]) => `${k}:${v}`).join(' ')}`);
}, 60_000);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    traffic.stop();
    clearInterval(report);
    process.exit(0);
  });
}
