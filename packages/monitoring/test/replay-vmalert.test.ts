/**
 * Rule parity between engines (replay/vmalert.ts): the replay's scenarios on promtool and, on the same series, on
 * VictoriaMetrics + `vmalert -replay` (the real Debian 1.79 binaries). One run of a few short scenarios (1h of
 * healthy history) feeds the end-to-end assertions; the comparison and the series conversion are also checked on
 * their own.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Episode } from '../src/replay/analyse.ts';
import { encodeSamples, type Sample } from '../src/replay/series.ts';
import {
  type AlertRuleInfo,
  alertRuleInfo,
  compareEngines,
  decodeSamples,
  importLine,
  PARITY_FILES,
  type ParityReport,
  parityMarkdown,
  parityPrerequisites,
  ruleLevels,
} from '../src/replay/vmalert.ts';
import { UserError } from '../src/util/errors.ts';
import { findBinary } from '../src/util/tool.ts';
import { FIXTURES, GREYHAVEN_CONFIG, ghmon, type RunResult, tempDir } from './helpers.ts';

const SCALE_CONFIG = join(FIXTURES, 'scale.config.ts');
const haveBinaries = ['promtool', 'amtool', 'victoria-metrics', 'vmalert'].every((b) => findBinary(b) !== undefined);

const episode = (alertname: string, start: number, end: number | null): Episode => ({
  alertname,
  severity: 'critical',
  notification: 'page',
  labels: { alertname, severity: 'critical' },
  start,
  end,
});

describe('parity: series conversion and comparison', () => {
  it('decodes promtool’s expanding notation back to the samples series.ts encoded', () => {
    const samples: Sample[] = [0, 1.5, 3, 4.5, 'stale', null, null, 0, 0, 0, 7, 5, 3, null];
    expect(decodeSamples(encodeSamples(samples))).toEqual(samples);
  });

  it('writes an import line with millisecond timestamps, one step apart, and no sample for stale or gaps', () => {
    const line = importLine(
      { series: 'up{job="api",instance="a:1"}', values: encodeSamples([1, 'stale', null, 1]) },
      3600,
      15,
    );
    expect(JSON.parse(line as string)).toEqual({
      metric: { __name__: 'up', job: 'api', instance: 'a:1' },
      values: [1, 1],
      timestamps: [3_600_000, 3_645_000],
    });
    expect(importLine({ series: 'up{job="api"}', values: '_x3' }, 0, 15)).toBeUndefined();
  });

  it('is parity within one interval, a difference beyond it, with keep_firing_for as the cause of an early resolve', () => {
    const info = new Map<string, AlertRuleInfo>([
      ['Kept', { keepFiringFor: 600, for: 0, exprs: ['sum(rate(x[5m])) > 1'] }],
      ['Plain', { keepFiringFor: 0, for: 120, exprs: ['up == 0'] }],
    ]);
    const [kept, late, plain] = compareEngines(
      [episode('Kept', 60, 1800), episode('Late', 60, null), episode('Plain', 30, 600)],
      [episode('Kept', 75, 1200), episode('Late', 120, null), episode('Plain', 30, 615)],
      15,
      new Map([...info, ['Late', { keepFiringFor: 0, for: 0, exprs: ['rate(x[1m]) > 1'] }]]),
    );
    expect(kept).toMatchObject({ alertname: 'Kept', parity: true, firstFireDelta: 15 });
    expect(kept?.differences).toEqual([expect.objectContaining({ what: 'resolve', cause: 'keep_firing_for' })]);
    expect(late).toMatchObject({ parity: false, firstFireDelta: 60 });
    expect(late?.differences.map((d) => [d.what, d.cause])).toEqual([['first-fire', 'range-functions']]);
    expect(plain).toMatchObject({ parity: true, differences: [] });
    // Fired on one engine only: a difference, never parity.
    const [only] = compareEngines([episode('Only', 0, null)], [], 15, info);
    expect(only).toMatchObject({ parity: false, firstFireDelta: null });
    expect(only?.victoriametrics.firstFire).toBeNull();
  });
});

describe.skipIf(!haveBinaries)('parity on the real engines (promtool; VictoriaMetrics + vmalert 1.79)', () => {
  let out: string;
  let report: ParityReport;
  let run: RunResult;
  const temps: string[] = [];
  const alert = (scenario: string, name: string) =>
    report.scenarios.find((s) => s.id === scenario)?.alerts.find((a) => a.alertname === name);

  beforeAll(async () => {
    out = join(tempDir('ghmon-parity-test-'), 'out');
    temps.push(dirname(out));
    expect((await ghmon('build', '--config', SCALE_CONFIG, '--out', out)).code).toBe(0);
    // Through the CLI: the replay's promtool run is the one the comparison reads.
    run = await ghmon(
      'replay',
      '--out',
      out,
      '--warmup',
      '1h',
      '--scenario',
      'total-outage',
      '--scenario',
      'crash',
      '--parity',
    );
    report = JSON.parse(readFileSync(join(out, 'replay', PARITY_FILES.json), 'utf8'));
  }, 150_000);
  afterAll(() => {
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  });

  it('ghmon replay --parity prints the comparison and writes parity.json and parity.md beside the replay', () => {
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(
      /Rule parity \(promtool .* vs vmalert \S+ on VictoriaMetrics, same series\): (\d+) of \1 alerts in 2 scenarios/,
    );
    expect(run.out).toMatch(
      /^ {2}total-outage {2}HighErrorRate {2}resolved: promtool \d+:\d\d, vmalert \d+:\d\d {2}\(keep_firing_for\)$/m,
    );
    expect(readFileSync(join(out, 'replay', PARITY_FILES.markdown), 'utf8')).toBe(parityMarkdown(report));
    expect(report.scenarios.map((s) => s.id)).toEqual(['total-outage', 'crash']);
  });

  it('replays each level of rules after the recordings it reads', () => {
    const rulesDir = join(out, 'victoriametrics/rules');
    const levels = ruleLevels(
      ['golden-signals.yml', 'golden-signals-alerts.yml', 'slo-api.yml'].map((f) => join(rulesDir, f)),
    );
    const names = levels.map((l) =>
      l.flatMap((f) => f.groups.flatMap((g) => (g.rules ?? []).map((r) => r.record ?? r.alert))),
    );
    const levelOf = (name: string) => names.findIndex((l) => l.includes(name));
    expect(levelOf('greyhaven:http_errors:rate5m:by_service')).toBe(0);
    expect(levelOf('HighErrorRate')).toBeGreaterThan(levelOf('greyhaven:http_errors:rate5m:by_service'));
  });

  it('fires the same alerts on both engines, first within one evaluation interval', () => {
    for (const s of report.scenarios) {
      expect(s.alerts.length, s.id).toBeGreaterThan(0);
      for (const a of s.alerts) {
        expect(a.promtool.firstFire, `${s.id} ${a.alertname}`).not.toBeNull();
        expect(a.victoriametrics.firstFire, `${s.id} ${a.alertname}`).not.toBeNull();
        expect(Math.abs(a.firstFireDelta as number), `${s.id} ${a.alertname}`).toBeLessThanOrEqual(s.step);
        expect(a.parity).toBe(true);
      }
    }
    // The crash pages on both, at the same evaluation.
    expect(alert('crash', 'ServiceTargetDown')).toMatchObject({ parity: true, differences: [] });
  });

  it('has no difference at all for alerts without keep_firing_for', () => {
    const rulesDir = join(out, 'prometheus/rules');
    const info = alertRuleInfo(readdirSync(rulesDir).map((f) => join(rulesDir, f)));
    expect(info.get('HighErrorRate')?.keepFiringFor).toBe(600);
    for (const s of report.scenarios) {
      for (const a of s.alerts) {
        if ((info.get(a.alertname)?.keepFiringFor ?? 0) > 0) continue;
        expect(a.differences, `${s.id} ${a.alertname}`).toEqual([]);
      }
    }
  });

  it('reports keep_firing_for as the cause of an earlier resolve on vmalert', () => {
    const high = alert('total-outage', 'HighErrorRate');
    expect(high?.promtool.lastEnd).not.toBeNull();
    expect(high?.victoriametrics.lastEnd).not.toBeNull();
    const earlier = (high?.promtool.lastEnd as number) - (high?.victoriametrics.lastEnd as number);
    // keep_firing_for is 10m in prometheus/rules/: vmalert resolves about that much earlier.
    expect(earlier).toBeGreaterThan(600 - 2 * 15);
    expect(earlier).toBeLessThanOrEqual(600 + 15);
    expect(high?.differences).toEqual([expect.objectContaining({ what: 'resolve', cause: 'keep_firing_for' })]);
    expect(parityMarkdown(report)).toMatch(
      /\| total-outage \| HighErrorRate \| 5:\d\d \| 5:\d\d \| [+-]?\d+s \| .* \| resolve \| keep_firing_for \|/,
    );
  });

  it('names what to do when vmalert is missing or out/ has no victoriametrics/', async () => {
    expect(() => parityPrerequisites(out, (b) => (b === 'vmalert' ? undefined : `/usr/bin/${b}`))).toThrow(
      /vmalert not found: install Debian's victoria-metrics package/,
    );
    const plain = join(tempDir('ghmon-parity-plain-'), 'out');
    temps.push(dirname(plain));
    expect((await ghmon('build', '--config', GREYHAVEN_CONFIG, '--out', plain)).code).toBe(0);
    let error: unknown;
    try {
      parityPrerequisites(plain);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      /no vmalert rule files in .*victoriametrics\/rules: add a `scale` block .* run `ghmon build`/,
    );
    // The CLI says the same before any promtool run, and writes nothing.
    const cli = await ghmon('replay', '--out', plain, '--scenario', 'crash', '--parity');
    expect(cli.code).not.toBe(0);
    expect(cli.err).toMatch(/add a `scale` block to monitoring\.config\.ts and run `ghmon build`/);
    expect(existsSync(join(plain, 'replay'))).toBe(false);
  });
});
