/**
 * The replay's notification model (src/replay/notify.ts, amconfig.ts): what Alertmanager sends for a timeline of
 * firing alerts — group_wait, group_interval updates, resolve timing, inhibition, grouping into incidents, repeat
 * and send_resolved — and its routing, checked against the real `amtool config routes test`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  groupLabels,
  inhibited,
  type Labels,
  parseAlertmanagerConfig,
  parseMatcher,
  routeAlert,
} from '../src/replay/amconfig.ts';
import { AmtoolRouteChecker, amtoolReceivers } from '../src/replay/amtool.ts';
import { classifyLabels } from '../src/replay/analyse.ts';
import { type Evaluation, simulateNotifications } from '../src/replay/notify.ts';
import { SEED_ALERTMANAGER_FILE } from '../src/replay/run.ts';
import { findBinary } from '../src/util/tool.ts';
import { tempDir } from './helpers.ts';

/** Our routing's shape: pages and tickets grouped by service, a Watchdog to a receiver without integrations. */
const CONFIG = `
route:
  receiver: ticket
  group_by: [service]
  group_wait: 30s
  group_interval: 30s
  repeat_interval: 12h
  routes:
    - receiver: deadmans-switch
      matchers: ['alertname="Watchdog"']
      group_wait: 0s
      group_interval: 1m
      repeat_interval: 1m
    - receiver: page
      matchers: ['severity="critical"']
      group_wait: 15s
      repeat_interval: 1h
    - receiver: ticket
      matchers: ['severity="warning"']
inhibit_rules:
  - source_matchers: ['severity="critical"', 'service=~".+"']
    target_matchers: ['severity="warning"']
    equal: [service]
receivers:
  - name: deadmans-switch
  - name: page
    pagerduty_configs: [{ routing_key_file: /k1 }]
  - name: ticket
    pagerduty_configs: [{ routing_key_file: /k2 }]
`;

const page = (alertname: string, service = 'api', extra: Record<string, string> = {}): Labels => ({
  alertname,
  service,
  severity: 'critical',
  ...extra,
});
const ticket = (alertname: string, service = 'api'): Labels => ({ alertname, service, severity: 'warning' });

/** Evaluations every 15 s from `from` to `to`, with the alerts `at(t)` returns firing. */
function timeline(from: number, to: number, at: (t: number) => Labels[]): Evaluation[] {
  const out: Evaluation[] = [];
  for (let t = from; t <= to; t += 15) out.push({ time: t, firing: at(t) });
  return out;
}

const firingWhile = (labels: Labels, from: number, to: number) => (t: number) => (t >= from && t < to ? [labels] : []);

function run(config: string, evals: Evaluation[]) {
  return simulateNotifications(parseAlertmanagerConfig(config), evals, { classify: classifyLabels });
}

describe('notification model', () => {
  it('sends the first notification group_wait after the group first alert, the resolve at the next group_interval tick', () => {
    // Fires at 60 (evaluations every 15 s), resolves at 300: page route, group_wait 15s, group_interval 30s.
    const r = run(CONFIG, timeline(0, 600, firingWhile(page('Outage'), 60, 300)));
    expect(r.notifications.map((n) => [n.time, n.status, n.kind])).toEqual([
      [75, 'firing', 'page'],
      // Ticks at 105, 135, … 285, 315: the first tick after the alert resolved at 300.
      [315, 'resolved', undefined],
    ]);
    expect(r.incidents).toEqual([
      expect.objectContaining({
        receiver: 'page',
        groupLabels: { service: 'api' },
        kind: 'page',
        triggeredAt: 75,
        pagedAt: 75,
        resolvedAt: 315,
        alertsResolvedAt: 300,
        triggers: 1,
      }),
    ]);
  });

  it.each([
    // [group_wait, group_interval, alert from, alert to, expected trigger, expected resolve]
    ['30s', '5m', 0, 600, 30, 630],
    ['0s', '1m', 0, 90, 0, 120],
    ['1m', '2m', 15, 200, 75, 315],
  ])(
    'group_wait %s, group_interval %s: alert %is–%is → trigger %i, resolve %i',
    (gw, gi, from, to, trigger, resolve) => {
      const config = `route: { receiver: r, group_wait: ${gw}, group_interval: ${gi} }\nreceivers: [{ name: r, webhook_configs: [{ url: 'http://x' }] }]`;
      const r = run(config, timeline(0, 1200, firingWhile(page('A'), from, to)));
      expect(r.incidents.map((i) => [i.triggeredAt, i.resolvedAt])).toEqual([[trigger, resolve]]);
    },
  );

  it('adds a second alert of the group at the next group_interval tick: one incident, two alerts', () => {
    const r = run(
      CONFIG,
      timeline(0, 600, (t) => [
        ...(t >= 60 && t < 400 ? [page('ErrorBudgetBurnFast')] : []),
        ...(t >= 90 && t < 400 ? [page('HighErrorRate')] : []),
      ]),
    );
    expect(r.notifications.map((n) => [n.time, n.status, n.firing.map((l) => l.alertname)])).toEqual([
      [75, 'firing', ['ErrorBudgetBurnFast']],
      // Ticks at 105 (HighErrorRate arrived at 90), then nothing changes until both resolve at the 405
      // evaluation; the 405 tick goes out just before it (ties: the notification first), so the resolve at 435.
      [105, 'firing', ['ErrorBudgetBurnFast', 'HighErrorRate']],
      [435, 'resolved', []],
    ]);
    expect(r.incidents).toHaveLength(1);
    expect(r.incidents[0]).toMatchObject({ alertnames: ['ErrorBudgetBurnFast', 'HighErrorRate'], triggers: 2 });
  });

  it('groups by service: two services are two incidents', () => {
    const r = run(
      CONFIG,
      timeline(0, 300, (t) => (t >= 60 ? [page('A', 'api'), page('A', 'backend')] : [])),
    );
    expect(r.incidents.map((i) => [i.groupLabels.service, i.triggeredAt])).toEqual([
      ['api', 75],
      ['backend', 75],
    ]);
  });

  it('inhibits a service tickets while it pages, and sends them once the page is gone', () => {
    const r = run(
      CONFIG,
      timeline(0, 900, (t) => [
        ...(t >= 30 ? [ticket('ErrorBudgetBurnSlow')] : []),
        ...(t >= 0 && t < 400 ? [page('ErrorBudgetBurnFast')] : []),
        // Another service's ticket is not inhibited.
        ...(t >= 30 ? [ticket('ErrorBudgetBurnSlow', 'backend')] : []),
      ]),
    );
    const tickets = r.incidents.filter((i) => i.kind === 'ticket');
    expect(tickets.map((i) => [i.groupLabels.service, i.triggeredAt])).toEqual([
      ['backend', 60],
      // api's ticket group flushes at 60, 90, …: muted until the page resolves at 400, sent at the 420 tick.
      ['api', 420],
    ]);
  });

  it('a source alert does not inhibit itself, nor an alert matching both sides of a rule', () => {
    const rules = parseAlertmanagerConfig(
      `route: { receiver: r }\nreceivers: [{ name: r }]\ninhibit_rules:\n  - { source_matchers: ['severity="critical"'], target_matchers: ['severity=~"critical|warning"'], equal: [service] }`,
    ).inhibitRules;
    const crit = page('A');
    expect(inhibited(rules, crit, [crit])).toBe(false);
    expect(inhibited(rules, crit, [crit, page('B')])).toBe(false);
    expect(inhibited(rules, ticket('C'), [page('B')])).toBe(true);
    expect(inhibited(rules, ticket('C'), [page('B', 'backend')])).toBe(false);
  });

  it('a flap shorter than group_interval, or kept firing (keep_firing_for), stays one incident', () => {
    // Missing at the 105 evaluation only: the 105 tick went out just before it, the 135 tick sees it firing again.
    const flap = run(
      CONFIG,
      timeline(0, 600, (t) => (t >= 60 && t < 450 && t !== 105 ? [page('HighErrorRate')] : [])),
    );
    expect(flap.incidents).toHaveLength(1);
    expect(flap.incidents[0]?.triggers).toBe(1);
    // A resolve that reaches the receiver and a new trigger after it: two incidents.
    const twice = run(
      CONFIG,
      timeline(0, 900, (t) => ((t >= 60 && t < 200) || (t >= 400 && t < 600) ? [page('HighErrorRate')] : [])),
    );
    expect(twice.incidents.map((i) => [i.triggeredAt, i.resolvedAt])).toEqual([
      [75, 225],
      // The group emptied at the 225 tick and was dropped at the next maintenance: a new group at 405, group_wait
      // again (420); the alert resolves at the 600 evaluation, just after the 600 tick: resolved at 630.
      [420, 630],
    ]);
  });

  it('receivers without integrations count nothing (the Watchdog)', () => {
    const r = run(
      CONFIG,
      timeline(0, 600, () => [{ alertname: 'Watchdog', severity: 'none' }]),
    );
    expect(r.notifications).toEqual([]);
    expect(r.incidents).toEqual([]);
  });

  it('repeat_interval re-sends a trigger to the open incident; send_resolved: false never resolves it', () => {
    const config = `route: { receiver: r, group_wait: 30s, group_interval: 1m, repeat_interval: 5m }\nreceivers: [{ name: r, pagerduty_configs: [{ routing_key: k, send_resolved: false }] }]`;
    const r = run(config, timeline(0, 900, firingWhile(page('A'), 0, 700)));
    expect(r.notifications.map((n) => n.time)).toEqual([30, 330, 630]);
    expect(r.incidents).toHaveLength(1);
    expect(r.incidents[0]).toMatchObject({ triggers: 3, resolvedAt: null, alertsResolvedAt: 705 });
  });

  it("the seed's routing: every alert in one group (no group_by), group_wait 30s, group_interval 5m", () => {
    const seed = readFileSync(SEED_ALERTMANAGER_FILE, 'utf8');
    const r = run(
      seed,
      timeline(0, 1200, (t) => [
        ...(t >= 0 && t < 600 ? [{ alertname: 'HighErrorRate', severity: 'critical' }] : []),
        ...(t >= 60 && t < 600 ? [{ alertname: 'HighLatencyP95', severity: 'warning' }] : []),
      ]),
    );
    expect(r.incidents.map((i) => [i.receiver, i.kind, i.triggeredAt, i.resolvedAt, i.alertnames])).toEqual([
      ['pagerduty', 'page', 30, 630, ['HighErrorRate', 'HighLatencyP95']],
    ]);
  });
});

describe('routing', () => {
  const TREE = `
route:
  receiver: default
  group_by: ['...']
  group_wait: 10s
  routes:
    - receiver: team-a
      matchers: ['team=~"a|aa"', 'env!="dev"']
      continue: true
      group_by: [alertname]
      routes:
        - receiver: team-a-db
          match: { component: db }
    - receiver: critical
      matchers: ['{severity="critical", service!~"test-.*"}']
      group_interval: 2m
    - receiver: legacy
      match_re: { service: 'legacy-.+' }
receivers: [{ name: default }, { name: team-a }, { name: team-a-db }, { name: critical }, { name: legacy }]
`;
  const cfg = parseAlertmanagerConfig(TREE);
  const cases: [Labels, string[]][] = [
    [{ alertname: 'X' }, ['default']],
    [{ alertname: 'X', team: 'a' }, ['team-a']],
    [{ alertname: 'X', team: 'aa', severity: 'critical' }, ['team-a', 'critical']],
    [{ alertname: 'X', team: 'a', env: 'dev', severity: 'critical' }, ['critical']],
    [{ alertname: 'X', team: 'a', component: 'db', severity: 'critical' }, ['team-a-db', 'critical']],
    [{ alertname: 'X', severity: 'critical', service: 'test-1' }, ['default']],
    [{ alertname: 'X', service: 'legacy-api' }, ['legacy']],
    [{ alertname: 'X', service: 'legacy-' }, ['default']],
    [{ alertname: 'X', team: 'ab' }, ['default']],
  ];

  it.each(cases)('%j → %j', (labels, receivers) => {
    expect(routeAlert(cfg.route, labels).map((r) => r.receiver)).toEqual(receivers);
  });

  it('inherits grouping and timers from the parent; `...` groups by every label', () => {
    const [a, crit] = routeAlert(cfg.route, { alertname: 'X', team: 'a', severity: 'critical', component: 'db' });
    expect(a).toMatchObject({ receiver: 'team-a-db', groupBy: ['alertname'], groupWait: 10, groupInterval: 300 });
    expect(crit).toMatchObject({ receiver: 'critical', groupBy: 'all', groupWait: 10, groupInterval: 120 });
    expect(groupLabels(crit as never, { b: '2', a: '1' })).toEqual({ a: '1', b: '2' });
    expect(parseMatcher('service=~".+"').re?.test('')).toBe(false);
    expect(parseMatcher('x = y')).toMatchObject({ name: 'x', op: '=', value: 'y' });
  });

  const amtool = findBinary('amtool');
  it.skipIf(!amtool)('picks the receivers the real amtool does, for every case above', async () => {
    const file = join(tempDir('ghmon-notify-'), 'am.yml');
    writeFileSync(file, TREE);
    for (const [labels, receivers] of cases) {
      expect(await amtoolReceivers(amtool as string, file, labels), JSON.stringify(labels)).toEqual(receivers);
    }
    // The checker passes when the model agrees and names the labels when it does not.
    const checker = new AmtoolRouteChecker(amtool as string);
    await checker.check(
      file,
      cases.map(([labels, ours]) => ({ labels, ours })),
    );
    expect(checker.size).toBe(cases.length);
    await expect(checker.check(file, [{ labels: { alertname: 'Y', team: 'a' }, ours: ['default'] }])).rejects.toThrow(
      /disagrees with amtool for \{alertname="Y", team="a"\}.*model picked default, amtool team-a/,
    );
  });

  it.skipIf(!amtool)("routes the seed's config as amtool does", async () => {
    const seed = parseAlertmanagerConfig(readFileSync(SEED_ALERTMANAGER_FILE, 'utf8'));
    const labels = { alertname: 'HighErrorRate', severity: 'critical' };
    expect(routeAlert(seed.route, labels).map((r) => r.receiver)).toEqual(
      await amtoolReceivers(amtool as string, SEED_ALERTMANAGER_FILE, labels),
    );
  });
});
