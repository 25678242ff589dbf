import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MARKER } from '../src/util/write.ts';
import { expectGoldenTree } from './golden.ts';
import { FIXTURES, GREYHAVEN_CONFIG, ghmon, readTree, tempDir } from './helpers.ts';

describe('ghmon build', () => {
  it("matches the golden files for Grey Haven's config", async () => {
    const out = join(tempDir(), 'out');
    const r = await ghmon('build', '--config', GREYHAVEN_CONFIG, '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const tree = readTree(out);
    expect([...tree.keys()]).toEqual(
      expect.arrayContaining([
        'prometheus/prometheus.yml',
        'prometheus/rules/golden-signals.yml',
        'prometheus/rules/golden-signals-alerts.yml',
        'alertmanager/alertmanager.yml',
        'contract/metrics.json',
        MARKER,
      ]),
    );
    tree.delete(MARKER);
    expectGoldenTree('greyhaven', tree);
  });

  it('is deterministic: the same config gives byte-identical files', async () => {
    const a = join(tempDir(), 'out');
    const b = join(tempDir(), 'out');
    await ghmon('build', '--config', GREYHAVEN_CONFIG, '--out', a);
    await ghmon('build', '--config', GREYHAVEN_CONFIG, '--out', b);
    expect(readTree(a)).toEqual(readTree(b));
  });

  it('leaves the previous out/ untouched and prints field paths when the config is bad', async () => {
    const out = join(tempDir(), 'out');
    expect((await ghmon('build', '--config', `${FIXTURES}minimal.config.ts`, '--out', out)).code).toBe(0);
    const before = readTree(out);
    const r = await ghmon('build', '--config', `${FIXTURES}bad.config.ts`, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toContain('services[1].slo.availability.objective: expected a number below 100');
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(readTree(out)).toEqual(before);
    expect(readTree(join(out, '..')).size).toBe(before.size); // no temp directory left beside it
  });

  it('does not create out/ at all when the first build fails', async () => {
    const parent = tempDir();
    const r = await ghmon('build', '--config', `${FIXTURES}bad.config.ts`, '--out', join(parent, 'out'));
    expect(r.code).toBe(2);
    expect(existsSync(join(parent, 'out'))).toBe(false);
  });

  it('replaces an earlier build completely (no stale files)', async () => {
    const out = join(tempDir(), 'out');
    await ghmon('build', '--config', `${FIXTURES}minimal.config.ts`, '--out', out);
    writeFileSync(join(out, 'prometheus', 'rules', 'stale.yml'), 'groups: []\n');
    await ghmon('build', '--config', `${FIXTURES}minimal.config.ts`, '--out', out);
    expect(existsSync(join(out, 'prometheus', 'rules', 'stale.yml'))).toBe(false);
  });

  it('refuses to replace a directory ghmon did not write', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'precious.ts'), 'keep me');
    const r = await ghmon('build', '--config', `${FIXTURES}minimal.config.ts`, '--out', dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/refusing to replace/);
    expect(readFileSync(join(dir, 'src', 'precious.ts'), 'utf8')).toBe('keep me');
  });

  it('attaches the service label the rules group by to every application target', async () => {
    const out = join(tempDir(), 'out');
    await ghmon('build', '--config', GREYHAVEN_CONFIG, '--out', out);
    const prom = parse(readFileSync(join(out, 'prometheus/prometheus.yml'), 'utf8'));
    const jobs = Object.fromEntries(
      prom.scrape_configs.map((j: { job_name: string; static_configs: { labels?: Record<string, string> }[] }) => [
        j.job_name,
        j.static_configs[0]?.labels?.service,
      ]),
    );
    expect(jobs).toMatchObject({ backend: 'backend' });
    expect(prom.global).toMatchObject({ scrape_interval: '15s', evaluation_interval: '15s' });
    // `api` (Cloudflare Workers) pushes over remote write: it has no scrape job, and no target labels to attach.
    expect(jobs).not.toHaveProperty('cloudflare-workers');
    expect(Object.values(jobs)).not.toContain('api');
    const backend = prom.scrape_configs.find((j: { job_name: string }) => j.job_name === 'backend');
    expect(backend).toMatchObject({ metrics_path: '/metrics' });
    expect(backend.static_configs[0].targets).toEqual(['backend.greyhaven.internal:8000']);
    expect(backend.static_configs[0].labels).toEqual({ runtime: 'python', service: 'backend', team: 'platform' });
  });

  it('writes the contract JSON the Python package reads', async () => {
    const out = join(tempDir(), 'out');
    await ghmon('build', '--config', GREYHAVEN_CONFIG, '--out', out);
    const contract = JSON.parse(readFileSync(join(out, 'contract/metrics.json'), 'utf8'));
    const byName = Object.fromEntries(contract.metrics.map((m: { name: string }) => [m.name, m]));
    expect(byName.http_requests_total.labels).toEqual(['method', 'route', 'status']);
    expect(byName.http_request_duration_seconds.labels).toEqual(['method', 'route', 'status']);
    expect(byName.http_request_duration_seconds.buckets).toEqual([0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]);
    expect(Object.keys(byName)).toEqual(
      expect.arrayContaining(['http_active_connections', 'db_pool_connections_active', 'db_pool_connections_max']),
    );
    expect(contract.serviceLabel).toBe('service');
  });
});
