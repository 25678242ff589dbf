/**
 * Hostile bodies: the PagerDuty receiver of `ghmon up` answers every malformed, oversized, non-UTF-8, deeply
 * nested or prototype-polluting body with a clear 4xx (never a 5xx, never a crash: it answers afterwards too);
 * YAML read back by ghmon is parsed with the `yaml` package's safe defaults (no code-executing tags, alias
 * bombs refused).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/load.ts';
import { createReceiver } from '../src/stack/pagerduty/server.ts';
import { IncidentStore } from '../src/stack/pagerduty/store.ts';

const KEY = 'a'.repeat(32);
let base: string;
let server: ReturnType<typeof createReceiver>;
const dir = mkdtempSync(join(tmpdir(), 'ghmon-sec-inputs-'));

beforeAll(async () => {
  server = createReceiver({ store: new IncidentStore(join(dir, 'state.json')), routingKey: KEY });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections?.();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const post = (body: BodyInit, type = 'application/json') =>
  fetch(`${base}/v2/enqueue`, { method: 'POST', body, headers: { 'content-type': type } });

const event = {
  routing_key: KEY,
  event_action: 'trigger',
  payload: { summary: 's', source: 'x', severity: 'critical' },
};

describe('PagerDuty receiver', () => {
  it.each([
    ['10 MB body', () => post(`{"x":"${'a'.repeat(10 * 1024 * 1024)}"}`), 413],
    ['invalid UTF-8', () => post(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400],
    ['not JSON', () => post('{"routing_key": '), 400],
    ['wrong content type', () => post(JSON.stringify(event), 'text/plain'), 400],
    ['deep nesting', () => post(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), 400],
    ['a JSON array', () => post('[]'), 400],
    ['wrong routing key', () => post(JSON.stringify({ ...event, routing_key: 'b'.repeat(32) })), 400],
  ] as const)('%s → %i', async (_, send, status) => {
    const res = await send();
    expect(res.status).toBe(status);
    const body = (await res.json()) as { status: string; errors: string[] };
    expect(body.status).toBe('invalid event');
    expect(body.errors.length).toBeGreaterThan(0);
  });

  it('a __proto__ key pollutes nothing', async () => {
    const res = await post(`{"routing_key":"${KEY}","__proto__":{"polluted":1},"event_action":"trigger"}`);
    expect(res.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('random bytes and random JSON always get a 4xx, and it still accepts a valid event afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }),
          fc.json().map((j) => new TextEncoder().encode(j)),
          fc.object().map((o) => new TextEncoder().encode(JSON.stringify({ ...o, routing_key: KEY }))),
        ),
        async (bytes) => {
          const res = await post(bytes);
          await res.arrayBuffer();
          expect(res.status === 202 || (res.status >= 400 && res.status < 500)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
    const ok = await post(JSON.stringify(event));
    expect(ok.status).toBe(202);
  }, 60_000);
});

describe('YAML read back by ghmon', () => {
  it('does not execute or construct code-bearing tags', () => {
    const v = parse('f: !!js/function "function () { globalThis.pwned = 1 }"\nr: !!js/regexp /x/\n', {
      logLevel: 'silent',
    }) as Record<string, unknown>;
    expect(typeof v.f).not.toBe('function');
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
    expect(v.r instanceof RegExp).toBe(false);
  });

  it('refuses an alias bomb', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) {
      const p = String.fromCharCode(96 + i);
      const n = String.fromCharCode(97 + i);
      lines.push(`${n}: &${n} [${Array(10).fill(`*${p}`).join(',')}]`);
    }
    expect(() => parse(lines.join('\n'))).toThrow(/alias/i);
  });
});

describe('config loading', () => {
  it('refuses a config file over 1 MiB before importing it', async () => {
    const f = join(dir, 'huge.config.mjs');
    writeFileSync(f, `globalThis.imported = 1;\n//${'x'.repeat(1024 * 1024)}\n`);
    await expect(loadConfig(f)).rejects.toThrow(/too large for a config module/);
    expect((globalThis as { imported?: unknown }).imported).toBeUndefined();
  });
});
