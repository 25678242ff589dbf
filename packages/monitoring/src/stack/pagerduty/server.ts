/**
 * A local stand-in for PagerDuty's Events API v2 (`POST /v2/enqueue`), for `ghmon up` and tests. It answers as
 * PagerDuty documents: 202 `{status: "success", message: "Event processed", dedup_key}` for a valid event,
 * 400 `{status: "invalid event", message: "Event object is invalid", errors: [...]}` otherwise, 413 over 512 KB.
 * It also takes the Watchdog heartbeat (`POST /heartbeat`, Alertmanager's webhook format), lists incidents
 * at `GET /` (HTML) and `GET /api/incidents` (JSON), and can be told to fail for a while
 * (`POST /admin/fail {"count": N, "status": 500}`) to prove that Alertmanager retries.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MAX_EVENT_BYTES, validateEvent } from './events.ts';
import { incidentsPage } from './page.ts';
import type { IncidentStore } from './store.ts';

export interface ReceiverOptions {
  store: IncidentStore;
  /** When set, only this routing key is accepted (as a real integration key would be). */
  routingKey?: string;
  log?: (line: string) => void;
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new TooLarge());
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const invalid = (errors: string[]) => ({ status: 'invalid event', message: 'Event object is invalid', errors });

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createReceiver(opts: ReceiverOptions): Server {
  const { store } = opts;
  const log = opts.log ?? (() => {});
  let failures = { count: 0, status: 500 };

  return createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (req.method === 'POST' && url.pathname === '/v2/enqueue') {
        if (failures.count > 0) {
          failures.count--;
          store.rejected();
          log(`answered ${failures.status} on purpose (${failures.count} more)`);
          return send(res, failures.status, { status: 'error', message: 'injected failure' });
        }
        if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
          return send(res, 400, invalid(['Content-Type must be application/json']));
        }
        const body = await readBody(req, MAX_EVENT_BYTES);
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          return send(res, 400, invalid(['Malformed JSON']));
        }
        const v = validateEvent(parsed);
        if (!v.ok) {
          log(`rejected an invalid event: ${v.errors.join('; ')}`);
          return send(res, 400, invalid(v.errors));
        }
        if (opts.routingKey && !sameKey(v.event.routing_key, opts.routingKey)) {
          return send(res, 400, invalid(['Invalid routing key']));
        }
        const dedupKey = store.apply(v.event);
        log(`${v.event.event_action} ${dedupKey.slice(0, 12)}… ${v.event.payload?.summary ?? ''}`);
        return send(res, 202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
      }
      if (req.method === 'POST' && url.pathname === '/heartbeat') {
        await readBody(req, MAX_EVENT_BYTES);
        store.heartbeat();
        return send(res, 200, { status: 'ok' });
      }
      if (req.method === 'POST' && url.pathname === '/admin/fail') {
        const body = JSON.parse((await readBody(req, 4096)).toString('utf8') || '{}') as {
          count?: number;
          status?: number;
        };
        failures = { count: Math.max(0, Number(body.count ?? 0)), status: Number(body.status ?? 500) };
        return send(res, 200, failures);
      }
      if (req.method === 'GET' && url.pathname === '/api/incidents') return send(res, 200, store.state);
      if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { status: 'ok' });
      if (req.method === 'GET' && url.pathname === '/') {
        return send(res, 200, incidentsPage(store.state), 'text/html; charset=utf-8');
      }
      return send(res, 404, { status: 'not found' });
    } catch (err) {
      if (err instanceof TooLarge) return send(res, 413, invalid(['Event payload exceeds 512 KB']));
      if (err instanceof SyntaxError) return send(res, 400, { status: 'error', message: 'Malformed JSON' });
      log(`internal error: ${(err as Error).message}`);
      return send(res, 500, { status: 'error', message: 'internal error' });
    }
  });
}
