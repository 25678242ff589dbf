import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../src/config/load.ts';
import { UserError } from '../src/util/errors.ts';
import { FIXTURES, GREYHAVEN_CONFIG, tempDir } from './helpers.ts';

const svc = { name: 'demo', runtime: 'typescript', scrape: { targets: ['127.0.0.1:8080'] } } as const;

function problems(value: unknown): string[] {
  try {
    validateConfig(value);
  } catch (err) {
    if (err instanceof UserError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('config defaults are the seed system', () => {
  it('fills in 15s intervals, 30d retention, 100Gi and the five thresholds', () => {
    const c = validateConfig({ services: [svc] });
    expect(c.scrapeInterval).toBe('15s');
    expect(c.evaluationInterval).toBe('15s');
    expect(c.retention).toBe('30d');
    expect(c.storage).toBe('100Gi');
    expect(c.slo.availability).toEqual({ objective: 99.9, window: '30d' });
    expect(c.thresholds).toEqual({
      errorRatio: { threshold: 0.01, for: '5m', severity: 'critical', minRequestsPerSecond: 0.1 },
      latencyP95: { threshold: 0.5, for: '5m', severity: 'warning' },
      latencyP99: { threshold: 1, for: '5m', severity: 'critical' },
      cpuPercent: { threshold: 80, for: '10m', severity: 'warning' },
      memoryPercent: { threshold: 85, for: '5m', severity: 'critical' },
      targetDown: { for: '1m', severity: 'critical' },
      trafficStopped: { minRequestsPerSecond: 0.1, for: '2m', severity: 'warning' },
      pageKeepFiringFor: '10m',
      burstTolerance: '1m',
    });
  });

  it('keeps defaults for the fields of a partly given threshold', () => {
    const c = validateConfig({ services: [svc], thresholds: { latencyP95: { threshold: 0.3 } } });
    expect(c.thresholds.latencyP95).toEqual({ threshold: 0.3, for: '5m', severity: 'warning' });
    expect(c.thresholds.cpuPercent.threshold).toBe(80);
  });

  it("loads Grey Haven's own config: the Workers API pushing over remote write and the FastAPI backend", async () => {
    const c = await loadConfig(GREYHAVEN_CONFIG);
    const api = c.services.find((s) => s.name === 'api');
    expect(api?.push).toEqual({ protocol: 'remote-write' });
    expect(api?.scrape).toBeUndefined();
    expect(api?.job).toBe('cloudflare-workers');
    expect(api?.runtime).toBe('workers');
    expect(c.services.find((s) => s.name === 'backend')?.runtime).toBe('python');
  });
});

describe('bad config names the field path', () => {
  it.each([
    [
      { services: [{ ...svc, slo: { availability: { objective: 100 } } }] },
      'services[0].slo.availability.objective: expected a number below 100',
    ],
    [
      { services: [svc, { ...svc, name: 'b', slo: { availability: { objective: 120 } } }] },
      'services[1].slo.availability.objective: expected a number below 100',
    ],
    [{ services: [] }, 'services: expected at least one service'],
    [{ services: [{ ...svc, name: 'Demo' }] }, 'services[0].name: expected a lowercase name'],
    [
      { services: [{ ...svc, scrape: { targets: ['https://x:1'] } }] },
      'services[0].scrape.targets[0]: expected host:port',
    ],
    [{ services: [{ ...svc, runtime: 'go' }] }, 'services[0].runtime:'],
    [{ services: [{ name: 'x', runtime: 'python' }] }, 'services[0]: expected exactly one of scrape or push'],
    [{ services: [svc, svc] }, 'services[1].name: duplicate service name "demo" (also services[0])'],
    [{ services: [svc], scrapeInterval: '15' }, 'scrapeInterval: expected a Prometheus duration'],
    [
      { services: [svc], scrapeInterval: '45s' },
      'scrapeInterval: 45s is longer than half the 1m rate window of greyhaven:http_rps (a rate needs two samples in its window): use 30s or less',
    ],
    [
      { services: [{ ...svc, scrape: { targets: ['localhost:1'], interval: '1m' } }] },
      'services[0].scrape.interval: 1m is longer than half the 1m rate window',
    ],
    [{ services: [svc], retension: '30d' }, 'retension: unknown field (misspelt?)'],
    [{ services: [{ ...svc, labels: { service: 'x' } }] }, 'services[0].labels.service: "service" is set by ghmon'],
    [
      { services: [svc], thresholds: { errorRatio: { threshold: 2 } } },
      'thresholds.errorRatio.threshold: expected a ratio below 1',
    ],
    [
      { services: [svc], thresholds: { pageKeepFiringFor: '10' } },
      'thresholds.pageKeepFiringFor: expected a Prometheus duration such as 10m, or 0s to turn it off',
    ],
    [{ services: [svc], thresholds: { pageKeepFiringFor: 600 } }, 'thresholds.pageKeepFiringFor: '],
    [
      { services: [svc], routing: { page: { routingKeyFile: 'key.txt' } } },
      'routing.page.routingKeyFile: expected an absolute path',
    ],
    [
      { services: [{ ...svc, slo: { latency: { objective: 99, threshold: 0.3 } } }] },
      'services[0].slo.latency.threshold: expected a bucket boundary of http_request_duration_seconds (0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5)',
    ],
  ])('%j → %s', (value, expected) => {
    expect(problems(value).join('\n')).toContain(expected);
  });

  it('accepts a latency SLO on a bucket boundary', () => {
    expect(problems({ services: [{ ...svc, slo: { latency: { objective: 99, threshold: 0.5 } } }] })).toEqual([]);
  });

  it('reports every problem of a file at once', async () => {
    const err = await loadConfig(`${FIXTURES}bad.config.ts`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const list = (err as UserError).problems.join('\n');
    for (const path of [
      'scrapeInterval:',
      'services[1].name:',
      'services[1].scrape.targets[0]:',
      'services[1].slo.availability.objective:',
      'thresholds.errorRatio.threshold:',
      'retension:',
    ]) {
      expect(list).toContain(path);
    }
    expect((err as UserError).problems).toHaveLength(6);
  });

  it('turns a module that does not compile into a one-line error', async () => {
    const file = join(tempDir(), 'syntax-error.config.ts');
    writeFileSync(file, "export default { services: [{ name: 'x' runtime: 'typescript' }] };\n");
    const err = await loadConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/could not load the config module/);
  });

  it('says when the file is missing', async () => {
    await expect(loadConfig('/nonexistent/monitoring.config.ts')).rejects.toThrow(/config file not found/);
  });
});
