/**
 * Runs the local PagerDuty receiver as a process of the stack:
 * `tsx main.ts --port N --state FILE [--routing-key-file F]`. Binds 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createReceiver } from './server.ts';
import { IncidentStore } from './store.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9099' },
    host: { type: 'string', default: '127.0.0.1' },
    state: { type: 'string' },
    'routing-key-file': { type: 'string' },
  },
});
const routingKey = values['routing-key-file'] ? readFileSync(values['routing-key-file'], 'utf8').trim() : undefined;
const store = new IncidentStore(values.state);
const server = createReceiver({
  store,
  ...(routingKey ? { routingKey } : {}),
  log: (line) => console.log(`[pagerduty-receiver] ${line}`),
});
server.listen(Number(values.port), values.host, () => {
  console.log(`[pagerduty-receiver] listening on http://${values.host}:${values.port}`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => process.exit(0)));
