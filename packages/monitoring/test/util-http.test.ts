/**
 * util/http.ts, the bounded HTTP client, against a local node:http server on 127.0.0.1: a 2xx JSON answer, a
 * non-2xx, a non-JSON body, a body over the size limit, an answer that never comes or never ends, a redirect
 * (refused by default), and the messages made of them (never a URL's credentials).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  basicAuth,
  bearer,
  bodyExcerpt,
  describeBodyError,
  describeNetworkError,
  type Exchange,
  exchange,
  getJson,
  getText,
  isJsonContentType,
  isOk,
  oneLine,
  parseJson,
  promQueryUrl,
  withoutCredentials,
} from '../src/util/http.ts';

const NAMES = { server: 'Prometheus', flag: '--prometheus' };
let server: Server;
let base: string;
const seen: { url: string; method: string; auth: string | undefined; body: string }[] = [];

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/json': (_, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"success","data":[1,2]}');
  },
  '/echo': (req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ url: req.url ?? '', method: req.method ?? '', auth: req.headers.authorization, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body || '{}');
    });
  },
  '/500': (_, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('boom\nsecond line');
  },
  '/html': (_, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><p>login</p>');
  },
  '/big': (_, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`"${'x'.repeat(5000)}"`);
  },
  '/stream': (_, res) => {
    // No Content-Length: the limit must hold while streaming.
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = 'x'.repeat(1000);
    let n = 0;
    const t = setInterval(() => {
      if (n++ > 20 || res.destroyed) {
        clearInterval(t);
        res.end();
      } else res.write(chunk);
    }, 5);
  },
  '/hang': () => {
    // Never answers.
  },
  '/stall': (_, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"partial":');
  },
  '/redirect': (_, res) => {
    res.writeHead(302, { location: '/json' });
    res.end();
  },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
    if (route) route(req, res);
    else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const opts = { timeoutMs: 1000, maxBytes: 2000 };

describe('exchange (fetch, bounded)', () => {
  it.each<[string, string, RequestInit, Partial<Exchange> & { kind: Exchange['kind'] }]>([
    ['a 2xx JSON answer', '/json', {}, { kind: 'answer', status: 200, body: '{"status":"success","data":[1,2]}' }],
    [
      'a non-2xx is an answer with its status and body',
      '/500',
      {},
      { kind: 'answer', status: 500, body: 'boom\nsecond line' },
    ],
    ['a non-JSON body is an answer all the same', '/html', {}, { kind: 'answer', status: 200 }],
    ['a declared body over the limit', '/big', {}, { kind: 'oversize', status: 200 }],
    ['a streamed body over the limit', '/stream', {}, { kind: 'oversize', status: 200 }],
    ['a redirect is refused by default: the 3xx is the answer', '/redirect', {}, { kind: 'answer', status: 302 }],
    ['a redirect followed on request', '/redirect', { redirect: 'follow' }, { kind: 'answer', status: 200 }],
  ])('%s', async (_, path, init, expected) => {
    const { redirect, ...rest } = init;
    const r = await exchange(`${base}${path}`, rest, {
      ...opts,
      ...(redirect ? { redirect: redirect as 'follow' } : {}),
    });
    expect(r).toMatchObject(expected);
  });

  it('no headers within the timeout: no-answer, described as a timeout', async () => {
    const start = Date.now();
    const r = await exchange(`${base}/hang`, {}, { ...opts, timeoutMs: 300 });
    expect(Date.now() - start).toBeLessThan(1500);
    expect(r.kind).toBe('no-answer');
    if (r.kind !== 'no-answer') return;
    expect(describeNetworkError(r.error, `${base}/hang`, 300, NAMES)).toBe(
      `cannot reach Prometheus at ${base}/hang: no answer within 0.3s`,
    );
  });

  it('a body that never ends: broken-body, described as stalled', async () => {
    const start = Date.now();
    const r = await exchange(`${base}/stall`, {}, { ...opts, timeoutMs: 300 });
    // The timeout covers the body too: reading stops at it.
    expect(Date.now() - start).toBeLessThan(1500);
    expect(r).toMatchObject({ kind: 'broken-body', status: 200 });
    if (r.kind !== 'broken-body') return;
    expect(describeBodyError(r.error, `${base}/stall`, r.status, 300, NAMES)).toMatch(
      /answered 200 but the answer did not end within 0\.3s \(stalled or endless\)/,
    );
  });

  it('connection refused: no-answer, described with the server and flag names', async () => {
    // A port that was just free: nothing listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = await exchange(`http://127.0.0.1:${port}/`, {}, opts);
    expect(r.kind).toBe('no-answer');
    if (r.kind !== 'no-answer') return;
    expect(describeNetworkError(r.error, `http://user:pw@127.0.0.1:${port}/`, 1000, NAMES)).toBe(
      `cannot reach Prometheus at http://127.0.0.1:${port}/: connection refused (is Prometheus running, and is the host and port right?)`,
    );
  });

  it('POSTs JSON with the headers given', async () => {
    const r = await exchange(
      `${base}/echo`,
      { method: 'POST', headers: { authorization: bearer('t0k') }, body: '{"a":1}' },
      opts,
    );
    expect(r).toMatchObject({ kind: 'answer', status: 200, body: '{"a":1}' });
    expect(seen.at(-1)).toEqual({ url: '/echo', method: 'POST', auth: 'Bearer t0k', body: '{"a":1}' });
  });
});

describe('local GETs (node:http)', () => {
  it.each([
    ['a 2xx JSON answer', '/json', { status: 'success', data: [1, 2] }],
    ['a non-2xx', '/500', undefined],
    ['a non-JSON body', '/html', undefined],
    ['a missing page', '/nothing', undefined],
  ])('getJson: %s', async (_, path, expected) => {
    expect(await getJson(`${base}${path}`)).toEqual(expected);
  });

  it('isOk and getText', async () => {
    expect(await isOk(`${base}/json`)).toBe(true);
    expect(await isOk(`${base}/500`)).toBe(false);
    expect(await getText(`${base}/html`)).toBe('<!doctype html><p>login</p>');
    expect(await isOk('http://127.0.0.1:1/')).toBe(false);
  });
});

describe('helpers', () => {
  it.each([
    ['http://user:secret@h:9090/api', 'http://h:9090/api'],
    ['http://h:9090', 'http://h:9090'],
    ['not a url //u:p@x', 'not a url //x'],
  ])('withoutCredentials(%s)', (url, expected) => {
    expect(withoutCredentials(url)).toBe(expected);
  });

  it.each([
    ['application/json', true],
    ['application/json; charset=UTF-8', true],
    ['application/problem+json', true],
    ['text/html', false],
    ['', false],
  ])('isJsonContentType(%j)', (type, expected) => {
    expect(isJsonContentType(type)).toBe(expected);
  });

  it('messages: one line, bounded excerpts, auth headers', () => {
    expect(oneLine('a\nb\u2028c\td', 300)).toBe('a b c d');
    expect(oneLine('x'.repeat(10), 4)).toBe('xxxx…');
    expect(bodyExcerpt('  ')).toBe('');
    expect(bodyExcerpt('boom\nsecond line', 8)).toBe('"boom sec…"');
    expect(parseJson('{"a":1}')).toEqual({ a: 1 });
    expect(parseJson('<html>')).toBeUndefined();
    expect(basicAuth('ghmon', 'pw')).toBe(`Basic ${Buffer.from('ghmon:pw').toString('base64')}`);
    expect(promQueryUrl('http://h:9090', 'up{job="a"}')).toBe('http://h:9090/api/v1/query?query=up%7Bjob%3D%22a%22%7D');
  });
});
