/**
 * Hostile input never breaks `/metrics` nor grows it past the cap. fast-check generates request methods, paths
 * (quotes, newlines, backslashes, lone surrogates, MB-long) and route values derived from request headers; they
 * go through the web-standard middleware (a `route` callback returning the hostile value, as a careless app
 * deriving a route from a header would) and, as raw bytes (invalid UTF-8 included), through a real node:http
 * server over a TCP socket. The resulting exposition is then read by three independent parsers: `promtool check
 * metrics` (Prometheus' Go parser), Python prometheus_client's `text_string_to_metric_families` (text 0.0.4 and
 * OpenMetrics), and a real Prometheus scraping it (up = 1, no scrape error). The label sets stay ≤ the cap.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { HttpMetrics, instrumentNodeHandler, metricsMiddleware, nodeMetricsHandler } from '@greyhaven/metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startScrapingPrometheus } from './auth-real-prometheus.ts';
import { close, listen, OPENMETRICS_ACCEPT, promtoolCheck } from './helpers.ts';

const PYTHON = '/usr/bin/python3';
const CAP = 60;
const metrics = new HttpMetrics({ maxLabelSets: CAP });

const hostileChar = fc.oneof(
  fc.constantFrom('"', '\\', '\n', '\r', '\t', '\u0000', '{', '}', '=', ',', '#', ' ', '\u2028', '\uFEFF', '%'),
  fc.constantFrom('\uD800', '\uDFFF', '\uD83D'), // lone surrogates
  fc.string({ unit: 'binary', maxLength: 1 }),
);
const hostileString = fc.oneof(
  fc.string({ unit: fc.oneof(hostileChar, fc.string({ maxLength: 1 })), maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
);
const hostilePath = fc.oneof(
  hostileString.map((s) => `/${s}`),
  fc.array(hostileString, { maxLength: 6 }).map((parts) => `/${parts.join('/')}`),
);

describe('hostile requests through the web-standard middleware', () => {
  it('record without throwing, whatever the method, path or header-derived route', async () => {
    // Known-hostile routes first, so they hold label sets before the cap fills with random ones: the exposition
    // test below then always has a quote, a backslash and a newline to find escaped (fast-check's values vary).
    for (const route of ['/q"uote', '/back\\slash', '/new\nline']) {
      const mw = metricsMiddleware({ metrics, route: () => route });
      await (await mw(new Request('http://h/known'), async () => new Response('x'))).text();
    }
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom('GET', 'POST', 'get', 'PROPFIND', ''), hostileString),
        hostilePath,
        fc.option(hostileString, { nil: undefined }),
        fc.constantFrom(200, 404, 500, 503, 418),
        async (method, path, headerRoute, status) => {
          const mw = metricsMiddleware({ metrics, route: () => headerRoute });
          let request: Request;
          try {
            request = new Request(`http://h${encodeURI(path.replace(/[\uD800-\uDFFF]/g, '\uFFFD'))}`, {
              method: /^[A-Za-z]+$/.test(method) ? method : 'GET',
            });
          } catch {
            request = new Request('http://h/');
          }
          const res = await mw(request, async () => new Response('x', { status }));
          await res.text();
        },
      ),
      { numRuns: 300 },
    );
    // A megabyte-long route and path.
    const big = `/${'a"\\\n'.repeat(256 * 1024)}`;
    const mw = metricsMiddleware({ metrics, route: () => big });
    await (await mw(new Request(`http://h/${'x'.repeat(1 << 20)}`), async () => new Response('x'))).text();
    expect(metrics.labelSetCount).toBeLessThanOrEqual(CAP);
  }, 120_000);
});

/** Sends raw request bytes (not valid UTF-8, not URL-encoded) to a server and reads the status line. */
function rawRequest(host: string, port: number, head: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    let data = '';
    socket.on('data', (d) => {
      data += d.toString('latin1');
    });
    socket.on('error', () => resolve(data));
    socket.on('close', () => resolve(data));
    socket.setTimeout(2000, () => socket.destroy());
    socket.write(head);
  });
}

describe('hostile raw requests to a real node:http server', () => {
  it('record without breaking the server', async () => {
    const server = createServer(
      instrumentNodeHandler(
        (_req, res) => {
          res.writeHead(200, { connection: 'close' });
          res.end('ok');
        },
        { metrics },
      ),
    );
    const base = new URL(await listen(server));
    try {
      // Bytes an HTTP request target may carry through Node's parser: anything but controls, space and DEL.
      const byte = fc.integer({ min: 0x21, max: 0xff }).filter((b) => b !== 0x7f);
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0x21, max: 0x7e }), { minLength: 1, maxLength: 12 }),
          fc.array(byte, { maxLength: 300 }),
          async (methodBytes, pathBytes) => {
            const head = Buffer.concat([
              Buffer.from(methodBytes),
              Buffer.from(' /'),
              Buffer.from(pathBytes),
              Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
            ]);
            await rawRequest(base.hostname, Number(base.port), head);
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      await close(server);
    }
  }, 120_000);
});

function pythonParse(body: string, openmetrics: boolean): { families: number; samples: number } {
  const code = openmetrics
    ? 'from prometheus_client.openmetrics.parser import text_string_to_metric_families as p'
    : 'from prometheus_client.parser import text_string_to_metric_families as p';
  const r = spawnSync(
    PYTHON,
    [
      '-c',
      `${code}\nimport sys, json\nfs = list(p(sys.stdin.read()))\nprint(json.dumps({"families": len(fs), "samples": sum(len(f.samples) for f in fs)}))`,
    ],
    { input: body, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { families: number; samples: number };
}

describe('what /metrics then serves', () => {
  it('parses with promtool, Python prometheus_client (text and OpenMetrics) and a real Prometheus scrape', async () => {
    const server = createServer(nodeMetricsHandler({ metrics, registries: [] }));
    const base = await listen(server);
    try {
      const text = await (await fetch(`${base}/metrics`)).text();
      const om = await (await fetch(`${base}/metrics`, { headers: { accept: OPENMETRICS_ACCEPT } })).text();
      expect(text.length).toBeLessThan(2_000_000); // long routes are cut (maxRouteLength)
      // The hostile values are there, escaped (not dropped before reaching the exposition).
      expect(text).toContain('route="/q\\"uote"');
      expect(text).toContain('route="/back\\\\slash"');
      expect(text).toContain('route="/new\\nline"');
      promtoolCheck(text);
      const py = pythonParse(text, false);
      expect(py.families).toBeGreaterThan(3);
      expect(pythonParse(om, true).families).toBe(py.families);

      // At most CAP label sets per family (+ the overflow series).
      const routes = new Set(
        text
          .split('\n')
          .filter((l) => l.startsWith('http_requests_total{'))
          .map((l) => l.slice(0, l.lastIndexOf(' '))),
      );
      expect(routes.size).toBeLessThanOrEqual(CAP + 3 * 20);
      expect(text).toMatch(/route="__overflow__"/);

      const target = new URL(base).host;
      const prom = await startScrapingPrometheus(
        `  - job_name: hostile\n    static_configs: [{ targets: ['${target}'] }]\n`,
      );
      try {
        const [t] = await prom.settled(['hostile']);
        expect(t).toMatchObject({ health: 'up', lastError: '' });
        const up = await prom.query('up{job="hostile"}');
        expect(up[0]?.value[1]).toBe('1');
        const series = await prom.query('count(http_requests_total{job="hostile"})');
        expect(Number(series[0]?.value[1])).toBeGreaterThan(0);
      } finally {
        await prom.stop();
      }
    } finally {
      await close(server);
    }
  }, 120_000);
});
