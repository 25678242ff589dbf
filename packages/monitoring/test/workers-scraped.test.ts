/**
 * `workers/scraped`: a Cloudflare Worker scraped as the seed did is an error naming the fix; a push service, or the
 * explicit `scrape: { singleInstance: true }` opt-out, passes. Run on out/ trees built by ghmon's own generators and
 * on deliberately broken prometheus.yml text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runChecks } from '../src/checks/index.ts';
import { promtoolConfig } from '../src/checks/promtool-config.ts';
import { scrapedWorkers, WORKERS_SCRAPED, workersScraped } from '../src/checks/workers-scraped.ts';
import { loadConfig, validateConfig } from '../src/config/load.ts';
import { LABEL, OUT } from '../src/conventions.ts';
import { generate } from '../src/generate.ts';
import { buildModel } from '../src/model/model.ts';
import type { UserError } from '../src/util/errors.ts';
import { formatFinding } from '../src/util/finding.ts';
import { writeOutput } from '../src/util/write.ts';
import { FIXTURES, GREYHAVEN_CONFIG, ghmon, tempDir } from './helpers.ts';

vi.setConfig({ testTimeout: 60_000 });

/** The seed's `api`: a Worker scraped at its public hostname. */
const seedApi = {
  name: 'api',
  job: 'cloudflare-workers',
  runtime: 'workers' as const,
  scrape: { targets: ['api.greyhaven.io:443'], scheme: 'https' as const, metricsPath: '/metrics' },
  labels: { team: 'platform' },
};
const backend = {
  name: 'backend',
  runtime: 'python' as const,
  scrape: { targets: ['backend.greyhaven.internal:8000'] },
};

function builtFrom(config: unknown): string {
  const out = join(tempDir('ghmon-workers-scraped-'), 'out');
  writeOutput(out, generate(buildModel(validateConfig(config))));
  return out;
}

describe('workers/scraped', () => {
  it('fails on the seed’s scraped Worker, naming the job, the target and the fix, at the runtime label’s line', async () => {
    const out = builtFrom({ services: [seedApi, backend] });
    const { findings } = await runChecks(out, [workersScraped]);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f).toMatchObject({ check: WORKERS_SCRAPED, severity: 'error', file: OUT.prometheusConfig });
    expect(f?.message).toContain(
      'job "cloudflare-workers" (service "api") scrapes a Cloudflare Worker at api.greyhaven.io:443',
    );
    expect(f?.message).toContain("`push: { protocol: 'remote-write' }` instead of `scrape` in monitoring.config.ts");
    expect(f?.message).toContain("`withRemoteWrite` from '@greyhaven/metrics/workers'");
    expect(f?.message).toContain('`scrape: { singleInstance: true }`');
    const lines = readFileSync(join(out, OUT.prometheusConfig), 'utf8').split('\n');
    expect(lines[(f?.line ?? 0) - 1]?.trim()).toBe('runtime: workers');
    expect(formatFinding(f as NonNullable<typeof f>)).toMatch(
      /^prometheus\/prometheus\.yml:\d+: job .* \[workers\/scraped\]$/,
    );
  });

  it('`ghmon check` exits 1 on it and prints the finding', async () => {
    const out = builtFrom({ services: [seedApi] });
    const r = await ghmon('check', '--out', out, '--format', 'json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as { findings: { check: string; severity: string }[] };
    expect(report.findings.filter((f) => f.check === WORKERS_SCRAPED)).toEqual([
      expect.objectContaining({ severity: 'error' }),
    ]);
  });

  it('checks every HA replica config too', async () => {
    const out = builtFrom({
      services: [seedApi],
      ha: { prometheusReplicas: 2 },
      prometheus: { targets: ['prom-0:9090', 'prom-1:9090'] },
    });
    const { findings } = await runChecks(out, [workersScraped]);
    expect(findings.map((f) => f.file).sort()).toEqual([
      'prometheus/prometheus-0.yml',
      'prometheus/prometheus-1.yml',
      'prometheus/prometheus.yml',
    ]);
  });

  it.each([
    ["Grey Haven's config (api pushes)", GREYHAVEN_CONFIG],
    ['minimal', `${FIXTURES}minimal.config.ts`],
    ['every feature', `${FIXTURES}full.config.ts`],
    ['HA', `${FIXTURES}ha.config.ts`],
  ])('passes on the %s build', async (_, file) => {
    const out = builtFrom(await loadConfig(file));
    expect((await runChecks(out, [workersScraped])).findings).toEqual([]);
  });

  it('passes on the explicit opt-out, which prometheus.yml carries as a dropped target label promtool accepts', async () => {
    const out = builtFrom({ services: [{ ...seedApi, scrape: { ...seedApi.scrape, singleInstance: true } }, backend] });
    const yml = readFileSync(join(out, OUT.prometheusConfig), 'utf8');
    expect(yml).toContain(`${LABEL.singleInstance}: "true"`);
    // Only on the opted-out job.
    expect(yml.split(LABEL.singleInstance)).toHaveLength(2);
    const { findings } = await runChecks(out, [workersScraped, promtoolConfig]);
    expect(findings).toEqual([]);
  });

  it('the opt-out is for Workers only, and must be a boolean', () => {
    const problems = (config: unknown): readonly string[] => {
      try {
        validateConfig(config);
      } catch (e) {
        return (e as UserError).problems;
      }
      return [];
    };
    expect(problems({ services: [{ ...backend, scrape: { ...backend.scrape, singleInstance: true } }] })).toEqual([
      'services[0].scrape.singleInstance: only for runtime "workers" (a scraped Worker that really runs as one instance)',
    ]);
    expect(problems({ services: [{ ...seedApi, scrape: { ...seedApi.scrape, singleInstance: 'yes' } }] })).toEqual([
      expect.stringMatching(/^services\[0\]\.scrape\.singleInstance: /),
    ]);
  });

  it.each([
    [
      'a hand-written Worker job',
      'scrape_configs:\n  - job_name: edge\n    static_configs:\n      - targets: [edge.example.com:443]\n        labels: { runtime: workers, service: edge }\n',
      1,
    ],
    [
      'the opt-out set to something other than "true"',
      'scrape_configs:\n  - job_name: edge\n    static_configs:\n      - targets: [e:443]\n        labels: { runtime: workers, service: edge, __ghmon_single_instance: "false" }\n',
      1,
    ],
    [
      'one static config of two',
      'scrape_configs:\n  - job_name: mixed\n    static_configs:\n      - targets: [a:80]\n        labels: { runtime: typescript }\n      - targets: [b:80]\n        labels: { runtime: workers }\n',
      1,
    ],
    [
      'a non-Worker job',
      'scrape_configs:\n  - job_name: web\n    static_configs:\n      - targets: [a:80]\n        labels: { runtime: typescript }\n',
      0,
    ],
    ['no labels', 'scrape_configs:\n  - job_name: web\n    static_configs:\n      - targets: [a:80]\n', 0],
    ['text that does not parse (promtool/config reports it)', 'scrape_configs: [\n', 0],
  ])('%s', (_, text, errors) => {
    expect(scrapedWorkers('prometheus/prometheus.yml', text)).toHaveLength(errors);
  });
});
