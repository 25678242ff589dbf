/**
 * `thresholds.pageKeepFiringFor`: the pages whose condition is a windowed ratio or quantile keep firing after it
 * clears (so a flapping incident pages once); nothing else changes. promtool runs the generated cases in
 * check.test.ts (Grey Haven's build and the fixture with `pageKeepFiringFor: '5m'`) and build.test.ts (golden).
 */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.ts';
import { ruleFiles } from '../src/generators/prometheus/rules/index.ts';
import { type AlertingRule, isAlert } from '../src/generators/prometheus/rules/types.ts';
import { alertCases } from '../src/generators/prometheus/tests/cases.ts';
import { alertTestFiles } from '../src/generators/prometheus/tests/index.ts';
import { buildModel, type Model } from '../src/model/model.ts';

const services = [
  {
    name: 'web',
    runtime: 'typescript',
    scrape: { targets: ['127.0.0.1:1'] },
    slo: { latency: { objective: 99, threshold: 0.5 } },
  },
  { name: 'edge', runtime: 'workers', push: { protocol: 'remote-write' } },
];

const modelWith = (thresholds: Record<string, unknown> = {}): Model =>
  buildModel(validateConfig({ services, thresholds }));

const alertRules = (model: Model): AlertingRule[] =>
  ruleFiles(model)
    .flatMap((f) => f.groups.flatMap((g) => g.rules))
    .filter(isAlert);

/** alertname → the keep_firing_for of its rules (one value per rule, undefined when absent). */
function keepFiringByAlert(model: Model): Record<string, (string | undefined)[]> {
  const out: Record<string, (string | undefined)[]> = {};
  for (const r of alertRules(model)) out[r.alert] = [...(out[r.alert] ?? []), r.keep_firing_for];
  return out;
}

/** The pages whose generated promtool tests include the kept-firing pair of cases. */
const KEPT_FIRING_CASES = ['HighErrorRate', 'CriticalLatencyP99'];
/**
 * Every page with keep_firing_for. The sustained pages step at the scrape interval; their hold is Prometheus'
 * own keep_firing_for, proven on the pages above, and end to end by the replay's flapping scenario (one incident).
 */
const OSCILLATING_PAGES = [...KEPT_FIRING_CASES, 'ErrorBudgetBurnSustained', 'HighLatencySustained'];

describe('pageKeepFiringFor', () => {
  it('defaults to 10m on the error-ratio, p99 latency and sustained pages, and on nothing else', () => {
    const model = modelWith();
    expect(model.thresholds.pageKeepFiringFor).toBe('10m');
    const byAlert = keepFiringByAlert(model);
    for (const [alert, values] of Object.entries(byAlert)) {
      const expected = OSCILLATING_PAGES.includes(alert) ? '10m' : undefined;
      expect(
        values.every((v) => v === expected),
        `${alert}: ${JSON.stringify(values)}`,
      ).toBe(true);
    }
    // In particular not on the pages that are facts (a target down) or causes (memory).
    expect(byAlert.ServiceTargetDown).toEqual([undefined]);
    expect(byAlert.ServiceTargetMissing?.every((v) => v === undefined)).toBe(true);
    expect(byAlert.HighMemoryUsage).toEqual([undefined]);
    expect(byAlert.ErrorBudgetBurnSlow?.every((v) => v === undefined)).toBe(true);
    // Its 5m short windows resolve it within minutes of recovery; grouping by service keeps a flap one incident.
    expect(byAlert.ErrorBudgetBurnFast?.every((v) => v === undefined)).toBe(true);
  });

  it('changes only when an alert resolves: expressions, for, labels and annotations are those without it', () => {
    // ServiceErrorsStopped aside: the inhibitor remembers errors as long as HighErrorRate can be held firing.
    const others = (rules: AlertingRule[]) => rules.filter((r) => r.alert !== 'ServiceErrorsStopped');
    const strip = (rules: AlertingRule[]) => others(rules).map(({ keep_firing_for: _, ...rest }) => rest);
    expect(strip(alertRules(modelWith()))).toEqual(others(alertRules(modelWith({ pageKeepFiringFor: '0s' }))));
    const memory = (model: ReturnType<typeof modelWith>) =>
      alertRules(model)
        .find((r) => r.alert === 'ServiceErrorsStopped')
        ?.expr.match(/\[(\w+)\]/)?.[1];
    expect([memory(modelWith()), memory(modelWith({ pageKeepFiringFor: '0s' }))]).toEqual(['25m', '15m']);
  });

  it('0s turns it off: no rule has it and no generated test expects it', () => {
    const model = modelWith({ pageKeepFiringFor: '0s' });
    expect(alertRules(model).filter((r) => r.keep_firing_for !== undefined)).toEqual([]);
    const names = [...alertCases(model).values()].flat().map((c) => c.name);
    expect(names.filter((n) => n.includes('keep_firing_for'))).toEqual([]);
  });

  it('follows the severity: a latency or error alert configured as a warning (a ticket) never keeps firing', () => {
    const model = modelWith({
      pageKeepFiringFor: '5m',
      errorRatio: { threshold: 0.02, severity: 'warning' },
      latencyP95: { threshold: 0.3, severity: 'critical' },
    });
    const byAlert = keepFiringByAlert(model);
    expect(byAlert.HighErrorRate).toEqual([undefined]);
    expect(byAlert.HighLatencyP95).toEqual(['5m']);
    expect(byAlert.CriticalLatencyP99).toEqual(['5m']);
    const cases = alertCases(model);
    const kept = (alert: string) => (cases.get(alert) ?? []).filter((c) => c.name.includes('keep_firing_for'));
    expect(kept('HighErrorRate')).toEqual([]);
    expect(kept('HighLatencyP95')).toHaveLength(2); // two services, one case checked twice each
  });

  it('generates, per kept alert, a case still firing before keep_firing_for has passed and resolved after', () => {
    const model = modelWith();
    const cases = alertCases(model);
    for (const alert of KEPT_FIRING_CASES) {
      const kept = (cases.get(alert) ?? []).filter((c) => c.name.includes('keep_firing_for 10m'));
      // HighErrorRate and the p99 for the scraped and the pushed service; the burn for each SLO (web has two).
      // One incident each, checked twice: still firing (an earlier check) and resolved.
      expect(kept.length, alert).toBe(2);
      for (const c of kept) {
        const [clears, stillAt, resolvedAt] = [
          Number(/clears at (\d+)m/.exec(c.name)?.[1]),
          Number(c.before?.[0]?.evalTime.replace(/m$/, '')),
          Number(c.evalTime.replace(/m$/, '')),
        ];
        expect(c.before).toHaveLength(1);
        expect(stillAt - clears).toBe(9);
        expect(resolvedAt - clears).toBe(10);
        expect(c.before?.[0]?.fires).toHaveLength(1);
        expect(c.before?.[0]?.fires[0]?.value).toBeGreaterThan(0);
        expect(c.fires).toEqual([]);
      }
    }
  });

  it('the kept alert shows the value of its last evaluation that held (as promtool 2.42 does)', () => {
    const files = alertTestFiles(modelWith());
    const p99 = files.get('prometheus/tests/critical-latency-p99.test.yml');
    const kept = p99?.tests.find((t) => t.name.includes('web') && t.name.includes('still fires'));
    // The earlier check of the case (still firing) comes first.
    // 4 fast minutes of 5 in the window: the p99 sits 95% into the 1s–2s bucket.
    expect(kept?.alert_rule_test[0]?.exp_alerts[0]?.exp_annotations.summary).toBe(
      'Critical p99 latency on web (1.95s)',
    );
  });
});
