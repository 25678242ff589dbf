/**
 * `/metrics` bearer-token auth: every adapter's handler answers 401 without the token (wrong scheme, wrong
 * token, an empty token file) and 200 with it; and a real Prometheus scrapes the protected endpoint with
 * `authorization: { type: Bearer, credentials_file }` (up = 1) and fails without it (up = 0, a 401 in the
 * target's last error).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HttpMetrics,
  isAuthorized,
  metricsAuthFromEnv,
  metricsHandler,
  nodeMetricsHandler,
  timingSafeEqualString,
} from '@greyhaven/metrics';
import { afterAll, describe, expect, it } from 'vitest';
import { startScrapingPrometheus } from './auth-real-prometheus.ts';
import { close, listen } from './helpers.ts';

const TOKEN = 'test-token-7f3a9c2e1b';

describe('isAuthorized', () => {
  it.each([
    [undefined, false],
    ['', false],
    [`Basic ${TOKEN}`, false],
    [`Bearer ${TOKEN}x`, false],
    [`Bearer ${TOKEN.slice(0, -1)}`, false],
    ['Bearer ', false],
    [`Bearer ${TOKEN}`, true],
    [`bearer ${TOKEN}`, true],
  ])('%j → %s', (header, ok) => {
    expect(isAuthorized(header, { token: TOKEN })).toBe(ok);
  });

  it('is open without a token and with an explicit none; an empty token denies everything', () => {
    expect(isAuthorized(undefined, 'none')).toBe(true);
    expect(isAuthorized(undefined, { token: () => undefined })).toBe(true);
    expect(isAuthorized('Bearer ', { token: '' })).toBe(false);
    expect(isAuthorized('Bearer x', { token: '\n' })).toBe(false);
  });

  it('trims the trailing newline of a token file', () => {
    expect(isAuthorized(`Bearer ${TOKEN}`, { token: `${TOKEN}\n` })).toBe(true);
  });

  it('compares in constant time (same result as ===)', () => {
    for (const [a, b] of [
      ['', ''],
      ['a', ''],
      ['abc', 'abd'],
      ['é', 'e'],
      [TOKEN, TOKEN],
    ] as const) {
      expect(timingSafeEqualString(a, b)).toBe(a === b);
    }
  });
});

describe('handlers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ghmon-auth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('web-standard handler: 401 with WWW-Authenticate, 200 with the token', async () => {
    const h = metricsHandler({ metrics: new HttpMetrics(), registries: [], auth: { token: TOKEN } });
    const denied = await h(new Request('http://x/metrics'));
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await denied.text()).not.toContain('http_requests_total');
    const ok = await h(new Request('http://x/metrics', { headers: { authorization: `Bearer ${TOKEN}` } }));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('http_requests_total');
  });

  it('node handler with the token from GREYHAVEN_METRICS_TOKEN_FILE', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    const auth = metricsAuthFromEnv({ GREYHAVEN_METRICS_TOKEN_FILE: file });
    const server = createServer(nodeMetricsHandler({ metrics: new HttpMetrics(), registries: [], auth }));
    const base = await listen(server);
    try {
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
      const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
    } finally {
      await close(server);
    }
  });

  it('reads GREYHAVEN_METRICS_TOKEN; a missing token file denies (never opens)', async () => {
    expect(metricsAuthFromEnv({})).toBeUndefined();
    expect(metricsAuthFromEnv({ GREYHAVEN_METRICS_TOKEN: TOKEN })).toEqual({ token: TOKEN });
    const missing = metricsAuthFromEnv({ GREYHAVEN_METRICS_TOKEN_FILE: join(dir, 'missing') });
    expect(isAuthorized(`Bearer ${TOKEN}`, missing)).toBe(false);
  });
});

describe('a real Prometheus scraping a token-protected /metrics', () => {
  it('up = 1 with credentials_file, up = 0 and a 401 without or with a wrong token', async () => {
    const metrics = new HttpMetrics();
    const server = createServer(nodeMetricsHandler({ metrics, registries: [], auth: { token: TOKEN } }));
    const base = await listen(server);
    const target = new URL(base).host;
    const job = (name: string, auth: string) =>
      `  - job_name: ${name}\n${auth}    static_configs: [{ targets: ['${target}'] }]\n`;
    const prom = await startScrapingPrometheus(
      job('with-token', '    authorization: { type: Bearer, credentials_file: $DIR/token }\n') +
        job('without-token', '') +
        job('wrong-token', '    authorization: { type: Bearer, credentials_file: $DIR/wrong }\n'),
      { token: `${TOKEN}\n`, wrong: 'not-the-token\n' },
    );
    try {
      const targets = await prom.settled(['with-token', 'without-token', 'wrong-token']);
      const by = Object.fromEntries(targets.map((t) => [t.job, t]));
      expect(by['with-token']).toMatchObject({ health: 'up', lastError: '' });
      for (const name of ['without-token', 'wrong-token']) {
        expect(by[name]?.health).toBe('down');
        expect(by[name]?.lastError).toMatch(/401/);
      }
      const up = await prom.query('up');
      const upBy = Object.fromEntries(up.map((v) => [v.metric.job, v.value[1]]));
      expect(upBy).toEqual({ 'with-token': '1', 'without-token': '0', 'wrong-token': '0' });
    } finally {
      await prom.stop();
      await close(server);
    }
  }, 60_000);
});
