/** amtool/routes: every alert, routed with `amtool config routes test`, reaches a receiver that notifies someone. */
import { AMTOOL_ROUTES, amtoolRoutes } from '../../src/checks/amtool-routes.ts';
import { outTable } from './out-table.ts';

const CONFIG = 'alertmanager/alertmanager.yml';

outTable(amtoolRoutes, [
  { name: 'the clean build' },
  {
    name: 'the tickets routed to the empty dead-man receiver',
    edits: [
      {
        file: CONFIG,
        from: /- receiver: pagerduty-ticket\n(\s+)matchers:\n\s+- severity="warning"/,
        to: '- receiver: deadmans-switch\n$1matchers:\n$1  - severity="warning"',
      },
    ],
    expect: {
      check: AMTOOL_ROUTES,
      printed:
        /golden_signals_alerts:HighLatencyP95: \{alertname="HighLatencyP95", severity="warning"\} routes to "deadmans-switch", which has no integration \(no \*_configs\): it would notify nobody \[amtool\/routes\]/,
    },
  },
  {
    name: 'the pages routed to a receiver stripped of its PagerDuty config',
    edits: [
      {
        file: CONFIG,
        from: /- name: pagerduty-page\n\s+pagerduty_configs:\n(\s{6}.*\n)+/,
        to: '- name: pagerduty-page\n',
      },
    ],
    expect: {
      check: AMTOOL_ROUTES,
      printed:
        /HighErrorRate: \{alertname="HighErrorRate", severity="critical"\} routes to "pagerduty-page", which has no integration/,
    },
  },
]);
