/** The local PagerDuty receiver answers as the Events API v2 documents, and keeps incidents by dedup_key. */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEvent } from '../src/stack/pagerduty/events.ts';
import { createReceiver } from '../src/stack/pagerduty/server.ts';
import { IncidentStore } from '../src/stack/pagerduty/store.ts';

const KEY = 'a'.repeat(32);
const trigger = (over: Record<string, unknown> = {}) => ({
  routing_key: KEY,
  event_action: 'trigger',
  dedup_key: 'k1',
  payload: { summary: 'HighErrorRate on api', source: 'alertmanager', severity: 'critical' },
  ...over,
});

describe('validateEvent', () => {
  it.each([
    ['a valid trigger', trigger(), []],
    [
      'a short routing key',
      trigger({ routing_key: 'abc' }),
      ["'routing_key' must be the 32 character integration key"],
    ],
    ['no routing key', trigger({ routing_key: undefined }), ["'routing_key' is missing or blank"]],
    [
      'an unknown action',
      trigger({ event_action: 'explode' }),
      ["'event_action' must be one of trigger, acknowledge, resolve"],
    ],
    [
      'a resolve without dedup_key',
      { routing_key: KEY, event_action: 'resolve' },
      ["'dedup_key' is required to resolve"],
    ],
    ['a trigger without payload', trigger({ payload: undefined }), ["'payload' is missing"]],
    [
      'a bad severity',
      trigger({ payload: { summary: 's', source: 'x', severity: 'high' } }),
      ["'payload.severity' must be one of critical, error, warning, info"],
    ],
    [
      'a summary over 1024 characters',
      trigger({ payload: { summary: 'x'.repeat(1025), source: 'x', severity: 'info' } }),
      ["'payload.summary' is longer than 1024 characters"],
    ],
    [
      'a dedup_key over 255 characters',
      trigger({ dedup_key: 'd'.repeat(256) }),
      ["'dedup_key' must be a string of at most 255 characters"],
    ],
    ['links without href', trigger({ links: [{ text: 'x' }] }), ["'links' must be an array of objects with 'href'"]],
    ['not an object', [1, 2], ['Event must be a JSON object']],
  ])('%s', (_, body, errors) => {
    const v = validateEvent(body);
    expect(v.ok ? [] : v.errors).toEqual(errors);
  });
});

describe('receiver over HTTP', () => {
  const store = new IncidentStore();
  const server = createReceiver({ store, routingKey: KEY });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const post = (body: unknown, type = 'application/json') =>
    fetch(`${base}/v2/enqueue`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('answers 202 with status, message and dedup_key', async () => {
    const r = await post(trigger());
    expect(r.status).toBe(202);
    expect(await r.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'k1' });
  });

  it('answers 400 with the errors for an invalid event, malformed JSON, a wrong content type or key', async () => {
    for (const [body, type] of [
      [trigger({ event_action: 'nope' }), 'application/json'],
      ['{not json', 'application/json'],
      [trigger(), 'text/plain'],
      [trigger({ routing_key: 'b'.repeat(32) }), 'application/json'],
    ] as const) {
      const r = await post(body, type);
      expect(r.status).toBe(400);
      const json = (await r.json()) as { status: string; errors: string[] };
      expect(json.status).toBe('invalid event');
      expect(json.errors.length).toBeGreaterThan(0);
    }
  });

  it('answers 413 over 512 KB', async () => {
    const r = await post(
      trigger({ payload: { summary: 's', source: 'x', severity: 'info', custom_details: { x: 'y'.repeat(600_000) } } }),
    );
    expect(r.status).toBe(413);
  });

  it('keeps one incident per dedup_key until resolved, then opens a new one', async () => {
    await post(trigger({ dedup_key: 'k2' }));
    await post(trigger({ dedup_key: 'k2' }));
    expect(store.state.incidents.filter((i) => i.dedupKey === 'k2')).toHaveLength(1);
    await post({ routing_key: KEY, event_action: 'resolve', dedup_key: 'k2' });
    expect(store.state.incidents.find((i) => i.dedupKey === 'k2')?.status).toBe('resolved');
    await post(trigger({ dedup_key: 'k2' }));
    expect(store.state.incidents.filter((i) => i.dedupKey === 'k2').map((i) => i.status)).toEqual([
      'resolved',
      'triggered',
    ]);
  });

  it('fails on purpose when told to, then recovers', async () => {
    await fetch(`${base}/admin/fail`, { method: 'POST', body: JSON.stringify({ count: 2, status: 500 }) });
    expect((await post(trigger({ dedup_key: 'k3' }))).status).toBe(500);
    expect((await post(trigger({ dedup_key: 'k3' }))).status).toBe(500);
    expect((await post(trigger({ dedup_key: 'k3' }))).status).toBe(202);
    expect(store.state.incidents.filter((i) => i.dedupKey === 'k3')).toHaveLength(1);
  });

  it('never keeps the routing key itself', () => {
    expect(JSON.stringify(store.state)).not.toContain(KEY);
  });

  it('lists incidents on its page', async () => {
    const html = await (await fetch(`${base}/`)).text();
    expect(html).toContain('HighErrorRate on api');
  });
});
