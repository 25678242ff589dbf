/**
 * `/metrics` auth in the config: a bearer token by default for every non-local target, `auth: 'none'` explicit
 * and, for a non-local target, acknowledged; field-path errors otherwise. The generated prometheus.yml sends the
 * token with `authorization: { type: Bearer, credentials_file }`.
 */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.ts';
import type { MonitoringInput } from '../src/config/schema.ts';
import { isLocalTarget } from '../src/config/scrape-auth.ts';
import { prometheusConfig } from '../src/generators/prometheus/config/prometheus-yml.ts';
import { buildModel } from '../src/model/model.ts';
import type { UserError } from '../src/util/errors.ts';

const config = (scrape: Record<string, unknown>): MonitoringInput =>
  ({ services: [{ name: 'svc', runtime: 'typescript', scrape }] }) as MonitoringInput;

const job = (scrape: Record<string, unknown>) =>
  prometheusConfig(buildModel(validateConfig(config(scrape)))).scrape_configs.find((j) => j.job_name === 'svc');

const problems = (scrape: Record<string, unknown>): string[] => {
  try {
    validateConfig(config(scrape));
    return [];
  } catch (e) {
    return [...(e as UserError).problems];
  }
};

describe('scrape.auth', () => {
  it.each([
    ['localhost:8080', true],
    ['127.0.0.1:8080', true],
    ['127.1.2.3:1', true],
    ['[::1]:9', true],
    ['localhost.example.com:80', false],
    ['10.0.0.1:8080', false],
    ['api.greyhaven.io:443', false],
  ])('%s is local: %s', (t, local) => expect(isLocalTarget(t)).toBe(local));

  it('defaults to a bearer token file for a non-local target', () => {
    expect(job({ targets: ['api.example.com:443'] })?.authorization).toEqual({
      type: 'Bearer',
      credentials_file: '/etc/prometheus/secrets/ghmon-metrics-token-svc/token',
    });
  });

  it('uses the configured token file', () => {
    expect(job({ targets: ['api.example.com:443'], auth: { bearerTokenFile: '/run/t' } })?.authorization).toEqual({
      type: 'Bearer',
      credentials_file: '/run/t',
    });
  });

  it('leaves local targets unauthenticated unless a token is given', () => {
    expect(job({ targets: ['127.0.0.1:8080'] })?.authorization).toBeUndefined();
    expect(job({ targets: ['127.0.0.1:8080'], auth: 'none' })?.authorization).toBeUndefined();
    expect(job({ targets: ['127.0.0.1:8080'], auth: { bearerTokenFile: '/t' } })?.authorization).toBeDefined();
  });

  it("rejects auth: 'none' for a non-local target without the acknowledgement", () => {
    expect(problems({ targets: ['api.example.com:443'], auth: 'none' })).toEqual([
      expect.stringMatching(/^services\[0\]\.scrape\.auth: "none" exposes the metrics of api\.example\.com:443/),
    ]);
    expect(
      job({ targets: ['api.example.com:443'], auth: 'none', allowUnauthenticated: true })?.authorization,
    ).toBeUndefined();
  });

  it('rejects a stray acknowledgement, a relative token path and an unknown auth field', () => {
    expect(problems({ targets: ['a.example.com:1'], allowUnauthenticated: true })).toEqual([
      expect.stringMatching(/^services\[0\]\.scrape\.allowUnauthenticated: only with auth: 'none'/),
    ]);
    expect(problems({ targets: ['a.example.com:1'], auth: { bearerTokenFile: 'token' } })).toEqual([
      expect.stringMatching(/^services\[0\]\.scrape\.auth/),
    ]);
    expect(problems({ targets: ['a.example.com:1'], auth: { token: 'inline-secret' } })).toHaveLength(1);
  });
});
