/**
 * `ghmon deploy grafana` against a local HTTP server that checks each request the way Grafana documents
 * `POST /api/dashboards/db` (method, path, JSON headers, Bearer token, body {dashboard, folderUid, overwrite,
 * message}) and answers as Grafana does: 200 with {id, uid, url, status, version, slug}, 400, 401, 403, 404,
 * 412 (version-mismatch, name-exists, plugin-dashboard). Also: network failures, redirects, and answers that are
 * not the API's: several MiB streamed (the client must close the connection at its limit: the server sees it
 * closed before it wrote everything), malformed JSON, a wrong content type, HTML error pages, a body that never
 * ends, 4xx/5xx with a JSON message — each one line naming the endpoint and the problem, exit 1, nothing claimed
 * saved that was not. The token never appears in anything printed.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_UID } from '../src/conventions.ts';
import {
  deployGrafana,
  grafanaBaseUrl,
  interpretSave,
  MAX_RESPONSE_BYTES,
  readDashboards,
  readLimited,
  readTokenFile,
  saveRequest,
} from '../src/deploy/grafana.ts';
import { freePort } from '../src/stack/ports.ts';
import { GREYHAVEN_CONFIG, ghmon, tempDir } from './helpers.ts';

const TOKEN = 'glsa_0123456789abcdefSECRETtoken_5f3a9c';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

type Behaviour = (req: Received, res: ServerResponse) => boolean;

/** A Grafana stand-in: validates like Grafana's dashboard API, then answers per the current behaviour. */
class FakeGrafana {
  server!: Server;
  received: Received[] = [];
  behaviour: Behaviour | undefined;
  versions = new Map<string, number>();
  folders = new Set(['ghmon']);
  base = '';

  async start(subpath = ''): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => this.handle(req, Buffer.concat(chunks).toString('utf8'), res, subpath));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${subpath}`;
  }

  private json(res: ServerResponse, status: number, body: unknown) {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=UTF-8',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  private handle(req: IncomingMessage, raw: string, res: ServerResponse, subpath: string) {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
    const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
    this.received.push(r);
    if (this.behaviour?.(r, res)) return;
    if (r.url !== `${subpath}/api/dashboards/db`) return this.json(res, 404, { message: 'Not found' });
    if (r.method !== 'POST') return this.json(res, 405, { message: 'Method not allowed' });
    if (r.headers.authorization !== `Bearer ${TOKEN}`) return this.json(res, 401, { message: 'Unauthorized' });
    if (!String(r.headers['content-type']).startsWith('application/json')) {
      return this.json(res, 400, { message: 'bad content type' });
    }
    const b = body as {
      dashboard?: Record<string, unknown>;
      overwrite?: unknown;
      message?: unknown;
      folderUid?: unknown;
    };
    const d = b?.dashboard;
    if (!d || typeof d !== 'object' || typeof d.title !== 'string' || typeof d.uid !== 'string') {
      return this.json(res, 400, { message: 'Dashboard title cannot be empty' });
    }
    if (b.folderUid !== undefined && !this.folders.has(String(b.folderUid))) {
      return this.json(res, 400, { message: 'folder not found' });
    }
    if (this.versions.has(d.uid) && b.overwrite !== true) {
      return this.json(res, 412, {
        message: 'The dashboard has been changed by someone else',
        status: 'version-mismatch',
      });
    }
    const version = (this.versions.get(d.uid) ?? 0) + 1;
    this.versions.set(d.uid, version);
    const slug = d.title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    this.json(res, 200, {
      id: this.versions.size,
      uid: d.uid,
      url: `${subpath}/d/${d.uid}/${slug}`,
      status: 'success',
      version,
      slug,
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let out: string;
let tokenFile: string;

function capture() {
  const lines: string[] = [];
  return { io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) }, text: () => lines.join('\n') };
}

beforeAll(async () => {
  const dir = tempDir('ghmon-grafana-deploy-');
  out = join(dir, 'out');
  expect((await ghmon('build', '--config', GREYHAVEN_CONFIG, '--out', out)).code).toBe(0);
  tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
});

describe('ghmon deploy grafana against a Grafana stand-in', () => {
  const grafana = new FakeGrafana();
  beforeAll(() => grafana.start());
  afterAll(() => grafana.stop());

  it('POSTs every dashboard to /api/dashboards/db as Grafana documents, with overwrite and a message', async () => {
    grafana.received = [];
    const c = capture();
    const code = await deployGrafana({ out, url: grafana.base, tokenFile, folder: 'ghmon' }, c.io);
    expect(c.text()).toContain('4 dashboards saved');
    expect(code).toBe(0);
    expect(grafana.received.map((r) => (r.body as { dashboard: { uid: string } }).dashboard.uid).sort()).toEqual(
      Object.values(DASHBOARD_UID).sort(),
    );
    for (const r of grafana.received) {
      expect(r.method).toBe('POST');
      expect(r.url).toBe('/api/dashboards/db');
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers.accept).toBe('application/json');
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      const body = r.body as {
        dashboard: Record<string, unknown>;
        overwrite: boolean;
        message: string;
        folderUid: string;
      };
      expect(Object.keys(body).sort()).toEqual(['dashboard', 'folderUid', 'message', 'overwrite']);
      expect(body.overwrite).toBe(true);
      expect(body.folderUid).toBe('ghmon');
      expect(body.message).toMatch(/^ghmon deploy grafana: grafana\/dashboards\/.+\.json \(sha256 [0-9a-f]{12}\)/);
      expect(body.dashboard.id).toBeNull();
      expect(body.dashboard.schemaVersion).toBe(42);
    }
    expect(c.text()).toMatch(
      /✓ ghmon-golden-signals → http:\/\/127\.0\.0\.1:\d+\/d\/ghmon-golden-signals\/grey-haven-golden-signals \(version 1\)/,
    );
    // Deploying again overwrites: version 2, no 412.
    const again = capture();
    expect(await deployGrafana({ out, url: grafana.base, tokenFile, folder: 'ghmon' }, again.io)).toBe(0);
    expect(again.text()).toContain('(version 2)');
    expect(c.text() + again.text()).not.toContain(TOKEN);
  });

  it('without --folder, sends no folderUid (the root folder)', async () => {
    grafana.received = [];
    expect(await deployGrafana({ out, url: `${grafana.base}/`, tokenFile }, capture().io)).toBe(0);
    for (const r of grafana.received) expect(r.body).not.toHaveProperty('folderUid');
  });

  it('runs as `ghmon deploy grafana --url --token-file --folder`', async () => {
    const r = await ghmon(
      'deploy',
      'grafana',
      '--out',
      out,
      '--url',
      grafana.base,
      '--token-file',
      tokenFile,
      '--folder',
      'ghmon',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('4 dashboards saved');
    expect(r.out + r.err).not.toContain(TOKEN);
  });

  const failures: [string, Behaviour, RegExp, number][] = [
    [
      '401: bad token',
      (r, res) => (r.headers.authorization ? sendJson(res, 401, { message: 'invalid API key' }) : false),
      /401 Unauthorized \(Grafana: "invalid API key"\): the token in --token-file is not valid/,
      1,
    ],
    [
      '403: no permission',
      (_r, res) => sendJson(res, 403, { message: 'Access denied to save dashboard' }),
      /403 Access denied .*may not write dashboards in folder "ghmon"/,
      1,
    ],
    [
      '404: wrong URL',
      (_r, res) => sendText(res, 404, '<html>404 page not found</html>'),
      /404 Not Found \(an HTML page, not Grafana's JSON: .*\): is --url Grafana's root URL/,
      1,
    ],
    [
      '412 version-mismatch',
      (_r, res) =>
        sendJson(res, 412, { message: 'The dashboard has been changed by someone else', status: 'version-mismatch' }),
      /412\): someone changed it in Grafana since \(version mismatch\)/,
      4,
    ],
    [
      '412 name-exists',
      (_r, res) =>
        sendJson(res, 412, {
          message: 'A dashboard with the same name in the folder already exists',
          status: 'name-exists',
        }),
      /412\): another dashboard with the same uid or title already exists in folder "ghmon"/,
      4,
    ],
    [
      '412 plugin-dashboard',
      (_r, res) => sendJson(res, 412, { message: 'The dashboard belongs to plugin X.', status: 'plugin-dashboard' }),
      /412\): it belongs to a plugin/,
      4,
    ],
    [
      '400 invalid',
      (_r, res) => sendJson(res, 400, { message: 'Dashboard title cannot be empty' }),
      /rejected grafana\/dashboards\/.+ as invalid \(400\) \(Grafana: "Dashboard title cannot be empty"\)/,
      4,
    ],
    [
      '302 to /login',
      (_r, res) => {
        res.writeHead(302, { Location: '/login' });
        res.end();
        return true;
      },
      /redirected \(302 to \/login\); not followed/,
      1,
    ],
    [
      '200 with HTML (a proxy, not Grafana)',
      (_r, res) => sendText(res, 200, '<html>welcome</html>'),
      /answered 200 with an HTML page \(Content-Type "text\/html"\), not JSON: that is not Grafana's dashboard API/,
      1,
    ],
    [
      'an oversized answer',
      (_r, res) => sendText(res, 200, 'x'.repeat(2 * 1024 * 1024)),
      /answered 200 with more than 64 KiB \(stopped reading there and closed the connection\)/,
      1,
    ],
    [
      'an answer echoing the token',
      (r, res) => sendJson(res, 401, { message: `token ${String(r.headers.authorization)} rejected` }),
      /Grafana: "token Bearer \[redacted\] rejected"/,
      1,
    ],
    [
      'the connection reset mid-request',
      (_r, res) => {
        res.socket?.destroy();
        return true;
      },
      /cannot reach Grafana at .*: (the connection was reset|the connection closed before an answer|.*other side closed)/,
      1,
    ],
    [
      '500',
      (_r, res) => sendJson(res, 500, { message: 'database is locked' }),
      /answered 500 for .* \(Grafana: "database is locked"\)/,
      1,
    ],
  ];

  for (const [name, behaviour, message, tried] of failures) {
    it(`${name}: a clear message, exit 1, no token printed`, async () => {
      grafana.behaviour = behaviour;
      grafana.received = [];
      const c = capture();
      try {
        expect(await deployGrafana({ out, url: grafana.base, tokenFile, folder: 'ghmon' }, c.io)).toBe(1);
      } finally {
        grafana.behaviour = undefined;
      }
      expect(c.text()).toMatch(message);
      expect(c.text()).not.toContain(TOKEN);
      // Failures that would repeat (auth, URL, transport) stop after the first dashboard.
      expect(grafana.received.length).toBe(tried);
      if (tried === 1) expect(c.text()).toContain('3 not tried after that');
    });
  }

  it('a Grafana that does not answer in time', async () => {
    grafana.behaviour = () => true; // never answers
    const c = capture();
    try {
      expect(await deployGrafana({ out, url: grafana.base, tokenFile }, c.io, { timeoutMs: 300 })).toBe(1);
    } finally {
      grafana.behaviour = undefined;
      grafana.server.closeAllConnections();
    }
    expect(c.text()).toMatch(/cannot reach Grafana at .*: no answer within 0.3s/);
  });
});

describe('answers that are too big, malformed, of the wrong type or never end', () => {
  const grafana = new FakeGrafana();
  beforeAll(() => grafana.start());
  afterAll(() => grafana.stop());

  const ENDPOINT = /^ {2}✗ ghmon-[a-z-]+: http:\/\/127\.0\.0\.1:\d+\/api\/dashboards\/db /;

  /** A deploy where the first `okFirst` saves are Grafana's own answers and the rest get `behaviour`. */
  async function deployWith(behaviour: Behaviour, opts: { okFirst?: number; timeoutMs?: number } = {}) {
    let n = 0;
    grafana.behaviour = (r, res) => n++ >= (opts.okFirst ?? 0) && behaviour(r, res);
    const out_: string[] = [];
    const err: string[] = [];
    const started = Date.now();
    let code: number;
    try {
      code = await deployGrafana(
        { out, url: grafana.base, tokenFile, folder: 'ghmon' },
        { out: (l) => out_.push(l), err: (l) => err.push(l) },
        opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {},
      );
    } finally {
      grafana.behaviour = undefined;
    }
    return { code, out: out_, err, requests: n, ms: Date.now() - started };
  }

  /** One failure line naming the endpoint and the problem, then the summary; exit 1; no stack, no token. */
  function expectOneFailure(r: Awaited<ReturnType<typeof deployWith>>, problem: RegExp, saved = 0) {
    const all = [...r.out, ...r.err];
    expect(r.err, all.join('\n')).toHaveLength(2);
    const [line, summary] = r.err as [string, string];
    expect(line).toMatch(ENDPOINT);
    expect(line).toMatch(problem);
    for (const l of all) expect(l, 'one line each').not.toMatch(/[\n\r\u2028\u2029]/);
    expect(all.join('\n')).not.toMatch(/^\s+at |internal error|Error:/m); // no stack trace, no raw exception
    expect(all.join('\n')).not.toContain(TOKEN);
    expect(summary).toBe(
      `ghmon deploy grafana: 1 failed, ${4 - saved - 1} not tried after that, ${saved} saved`.replace(
        ', 0 not tried after that',
        '',
      ),
    );
    expect(all.join('\n')).not.toMatch(/dashboards saved/);
    expect(r.out.filter((l) => l.includes('✓'))).toHaveLength(saved);
    expect(r.code).toBe(1);
    expect(r.requests).toBe(saved + 1); // stopped: the next dashboard would get the same answer
  }

  interface Streamed {
    total: number;
    written: number;
    /** Resolves when the connection is closed, with whether the server had finished writing by then. */
    closed: Promise<{ finished: boolean }>;
  }

  /** Writes `total` bytes in 64 KiB chunks, as fast as the client reads them (backpressure: at most a chunk queued). */
  function streamBody(res: ServerResponse, status: number, headers: Record<string, string | number>, total: number) {
    const s: Streamed = { total, written: 0, closed: Promise.resolve({ finished: false }) };
    let finished = false;
    s.closed = new Promise((resolve) => res.once('close', () => resolve({ finished })));
    res.writeHead(status, headers);
    const chunk = Buffer.alloc(64 * 1024, '{"message":"xxxxxxxx"}');
    const pump = () => {
      while (s.written < total && !res.destroyed) {
        s.written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) {
        finished = true;
        res.end();
      }
    };
    pump();
    return s;
  }

  const HUGE = 32 * 1024 * 1024; // far beyond the 64 KiB limit and beyond what loopback socket buffers hold

  it.each([
    ['200, streamed (chunked, no Content-Length)', 200, { 'Content-Type': 'application/json' }],
    ['200, declared (Content-Length: 32 MiB)', 200, { 'Content-Type': 'application/json', 'Content-Length': HUGE }],
    ['502, an HTML error page of 32 MiB', 502, { 'Content-Type': 'text/html' }],
  ] as const)('a huge answer (%s): stops at the limit and closes the connection', async (_, status, headers) => {
    let streamed: Streamed | undefined;
    const r = await deployWith((_r, res) => {
      streamed = streamBody(res, status, headers, HUGE);
      return true;
    });
    expectOneFailure(
      r,
      new RegExp(`answered ${status} with more than 64 KiB \\(stopped reading there and closed the connection\\)`),
    );
    // The client closed the connection: the server could not write everything (memory is bounded by the limit).
    const { finished } = await (streamed as Streamed).closed;
    expect(finished).toBe(false);
    expect((streamed as Streamed).written).toBeLessThan(HUGE);
  });

  it('a huge answer to the third dashboard: the first two are reported saved, the run is not a success', async () => {
    let streamed: Streamed | undefined;
    const r = await deployWith(
      (_r, res) => {
        streamed = streamBody(res, 200, { 'Content-Type': 'application/json' }, HUGE);
        return true;
      },
      { okFirst: 2 },
    );
    expectOneFailure(r, /answered 200 with more than 64 KiB/, 2);
    expect((await (streamed as Streamed).closed).finished).toBe(false);
  });

  it('malformed JSON with 200', async () => {
    const r = await deployWith((_r, res) =>
      sendRaw(res, 200, 'application/json; charset=UTF-8', '{"id":1,"uid":"ghmon-slo","status":"success","version":'),
    );
    expectOneFailure(r, /answered 200 with malformed JSON \(.+\): that is not Grafana's dashboard API/);
  });

  it('the success JSON with a wrong content type (text/plain) is not taken for a save', async () => {
    const r = await deployWith((r_, res) => {
      const uid = (r_.body as { dashboard: { uid: string } }).dashboard.uid;
      const body = JSON.stringify({ id: 1, uid, url: `/d/${uid}/x`, status: 'success', version: 1, slug: 'x' });
      return sendRaw(res, 200, 'text/plain; charset=utf-8', body);
    });
    expectOneFailure(r, /answered 200 with Content-Type "text\/plain; charset=utf-8", not application\/json/);
  });

  it('no content type at all with 200', async () => {
    const r = await deployWith((_r, res) => {
      res.writeHead(200, { 'Content-Length': 2 });
      res.end('{}');
      return true;
    });
    expectOneFailure(r, /answered 200 with no Content-Type, not application\/json/);
  });

  it.each([
    [502, 'Bad Gateway'],
    [503, 'Service Temporarily Unavailable'],
  ])('an HTML error page (%i from a proxy)', async (status, title) => {
    const page = `<!DOCTYPE html>\n<html>\n<head><title>${status} ${title}</title></head>\n<body>\n<center><h1>${status} ${title}</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n`;
    const r = await deployWith((_r, res) => sendRaw(res, status, 'text/html', page));
    expectOneFailure(
      r,
      new RegExp(`answered ${status} for ghmon-[a-z-]+ \\(an HTML page, not Grafana's JSON: a proxy or load balancer`),
    );
  });

  it('an error answer with malformed JSON says so', async () => {
    const r = await deployWith((_r, res) => sendRaw(res, 500, 'application/json', '{"message": "database is'));
    expectOneFailure(r, /answered 500 for ghmon-[a-z-]+ \(malformed JSON: .+\)$/);
  });

  it.each([
    [429, 'Too many requests', /answered 429 for ghmon-[a-z-]+ \(Grafana: "Too many requests"\)$/],
    [503, 'Grafana is shutting down', /answered 503 for ghmon-[a-z-]+ \(Grafana: "Grafana is shutting down"\)$/],
    [
      401,
      'invalid API key',
      /answered 401 Unauthorized \(Grafana: "invalid API key"\): the token in --token-file is not valid/,
    ],
  ] as const)('%i with a JSON message: the status and Grafana’s message', async (status, message, problem) => {
    const r = await deployWith((_r, res) => sendJson(res, status, { message }));
    expectOneFailure(r, problem);
  });

  it('a JSON message with newlines and control characters is printed on one line', async () => {
    const r = await deployWith((_r, res) =>
      sendJson(res, 500, { message: 'line one\nline two\r\n\u001b[31mred\u001b[0m\u2028three' }),
    );
    expectOneFailure(r, /\(Grafana: "line one line two \[31mred \[0m three"\)$/);
  });

  it.each([
    ['headers and half a body, then silence', false],
    ['one byte every 50 ms, forever', true],
  ])('an answer that never ends (%s): cut off at the timeout, connection closed', async (_, drip) => {
    let closed: Promise<void> | undefined;
    const r = await deployWith(
      (_r, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"status":"success",');
        const timer = drip ? setInterval(() => res.write(' '), 50) : undefined;
        closed = new Promise((resolve) =>
          res.once('close', () => {
            clearInterval(timer);
            resolve();
          }),
        );
        return true;
      },
      { timeoutMs: 500 },
    );
    expectOneFailure(
      r,
      /answered 200 but the answer did not end within 0\.5s \(stalled or endless\); stopped reading and closed the connection$/,
    );
    expect(r.ms).toBeLessThan(5_000);
    await closed; // the server sees the connection closed (a hang here fails the test at its timeout)
  });

  it('through the CLI: exit 1, the message, no stack trace', async () => {
    grafana.behaviour = (_r, res) => {
      streamBody(res, 200, { 'Content-Type': 'application/json' }, HUGE);
      return true;
    };
    try {
      const r = await ghmon('deploy', 'grafana', '--out', out, '--url', grafana.base, '--token-file', tokenFile);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/✗ ghmon-[a-z-]+: http:\/\/127\.0\.0\.1:\d+\/api\/dashboards\/db answered 200 with more/);
      expect(r.err).not.toMatch(/^\s+at |internal error/m);
      expect(r.out + r.err).not.toContain(TOKEN);
    } finally {
      grafana.behaviour = undefined;
    }
  });
});

describe('readLimited (the body reader)', () => {
  /** A body of `chunks` chunks of 16 KiB, counting how many were pulled and whether it was cancelled. */
  function counted(chunks: number, headers: Record<string, string> = {}) {
    const seen = { pulled: 0, cancelled: false };
    const body = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          if (seen.pulled === chunks) return c.close();
          seen.pulled++;
          c.enqueue(new Uint8Array(16 * 1024).fill(0x61));
        },
        cancel() {
          seen.cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    return { res: new Response(body, { headers }), seen };
  }

  it('reads a body up to the limit whole', async () => {
    const { res, seen } = counted(MAX_RESPONSE_BYTES / (16 * 1024));
    expect((await readLimited(res))?.length).toBe(MAX_RESPONSE_BYTES);
    expect(seen.cancelled).toBe(false);
  });

  it('stops one chunk past the limit and cancels the rest', async () => {
    const { res, seen } = counted(10_000); // 160 MiB if read to the end
    expect(await readLimited(res)).toBeUndefined();
    expect(seen.pulled).toBe(MAX_RESPONSE_BYTES / (16 * 1024) + 1);
    expect(seen.cancelled).toBe(true);
  });

  it('does not read at all when Content-Length already says it is too large', async () => {
    const { res, seen } = counted(10_000, { 'Content-Length': String(10_000 * 16 * 1024) });
    expect(await readLimited(res)).toBeUndefined();
    expect(seen.pulled).toBe(0);
    expect(seen.cancelled).toBe(true);
  });
});

describe('ghmon deploy grafana: failures before any request', () => {
  it('connection refused', async () => {
    const port = await freePort();
    const c = capture();
    expect(await deployGrafana({ out, url: `http://127.0.0.1:${port}`, tokenFile }, c.io)).toBe(1);
    expect(c.text()).toMatch(
      /cannot reach Grafana at http:\/\/127\.0\.0\.1:\d+\/api\/dashboards\/db: connection refused/,
    );
    expect(c.text()).not.toContain(TOKEN);
  });

  it('a Grafana under a sub-path (root_url /grafana) is addressed there', async () => {
    const g = new FakeGrafana();
    await g.start('/grafana');
    try {
      const c = capture();
      expect(await deployGrafana({ out, url: g.base, tokenFile }, c.io)).toBe(0);
      expect(g.received[0]?.url).toBe('/grafana/api/dashboards/db');
      expect(c.text()).toContain(`${g.base}/d/ghmon-slo/`);
    } finally {
      await g.stop();
    }
  });

  it('rejects bad arguments with exit 2 and never echoes the token file content', async () => {
    const dir = tempDir();
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    const twoWords = join(dir, 'two');
    writeFileSync(twoWords, `${TOKEN} extra\n`);
    const cases: [string[], RegExp][] = [
      [['--token-file', tokenFile], /--url URL is required/],
      [['--url', 'http://127.0.0.1:1'], /--token-file FILE is required/],
      [['--url', 'ftp://x', '--token-file', tokenFile], /expected an http:\/\/ or https:\/\/ URL/],
      [
        ['--url', 'http://admin:changeme@localhost:3000', '--token-file', tokenFile],
        /credentials in the URL are not accepted/,
      ],
      [['--url', 'http://localhost:3000', '--token-file', join(dir, 'missing')], /no such file/],
      [['--url', 'http://localhost:3000', '--token-file', empty], /the file is empty/],
      [['--url', 'http://localhost:3000', '--token-file', twoWords], /expected one token on one line/],
      [['--url', 'http://localhost:3000', '--token-file', tokenFile, '--folder', 'a/b'], /expected a folder uid/],
    ];
    for (const [args, message] of cases) {
      const r = await ghmon('deploy', 'grafana', '--out', out, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.out + r.err).not.toContain(TOKEN);
      expect(r.out + r.err).not.toContain('changeme');
    }
    const noOut = await ghmon(
      'deploy',
      'grafana',
      '--out',
      join(dir, 'nothing'),
      '--url',
      'http://localhost:3000',
      '--token-file',
      tokenFile,
    );
    expect(noOut.code).toBe(2);
    expect(noOut.err).toMatch(/has no dashboards: run `ghmon build/);
  });
});

describe('request building and answer mapping (pure)', () => {
  it('builds the documented request', () => {
    const [d] = readDashboards(out);
    const req = saveRequest(grafanaBaseUrl('https://grafana.example.com/'), 'T', d as never, 'f');
    expect(req.url).toBe('https://grafana.example.com/api/dashboards/db');
    expect(req.init).toMatchObject({
      method: 'POST',
      redirect: 'manual',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: 'Bearer T' },
    });
    expect(JSON.parse(req.init.body)).toMatchObject({ folderUid: 'f', overwrite: true, dashboard: { id: null } });
  });

  it('accepts only the documented success shape', () => {
    const d = { uid: 'x', file: 'grafana/dashboards/x.json' };
    const ctx = { url: 'http://g/api/dashboards/db' };
    expect(
      interpretSave(
        d,
        200,
        JSON.stringify({ id: 1, uid: 'x', url: '/d/x/y', status: 'success', version: 3, slug: 'y' }),
        ctx,
      ),
    ).toEqual({ ok: true, uid: 'x', url: '/d/x/y', status: 'success', version: 3 });
    expect(interpretSave(d, 200, '{"status":"error"}', ctx).ok).toBe(false);
    expect(interpretSave(d, 200, '[]', ctx).ok).toBe(false);
    // With the content type given (as deployDashboards always does), a 200 must also be JSON by its header.
    const success = JSON.stringify({ id: 1, uid: 'x', url: '/d/x/y', status: 'success', version: 3, slug: 'y' });
    expect(interpretSave(d, 200, success, { ...ctx, contentType: 'application/json; charset=UTF-8' }).ok).toBe(true);
    expect(interpretSave(d, 200, success, { ...ctx, contentType: 'text/html' }).ok).toBe(false);
    expect(interpretSave(d, 200, success, { ...ctx, contentType: '' }).ok).toBe(false);
  });

  it('reads a token and rejects what is not one', () => {
    expect(readTokenFile(tokenFile)).toBe(TOKEN);
  });
});

function sendJson(res: ServerResponse, status: number, body: unknown): true {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
  return true;
}

function sendText(res: ServerResponse, status: number, body: string): true {
  res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
  return true;
}

function sendRaw(res: ServerResponse, status: number, contentType: string, body: string): true {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
  return true;
}
