/**
 * alertmanager.yml: PagerDuty Events API v2 receivers (routing key read from a file, never inlined; the seed's
 * `service_key` belongs to the retired v1 API), routing by severity (critical pages, warning opens a low-urgency
 * ticket), grouping by alertname and service, and inhibitions so that one problem pages once.
 */
import { ALERT, EXTRA_ALERT, LABEL, RECEIVER, SEVERITY } from '../../conventions.ts';
import type { Model } from '../../model/model.ts';

export interface PagerdutyConfig {
  send_resolved: boolean;
  routing_key_file: string;
  url: string;
  client: string;
  client_url: string;
  description: string;
  severity: string;
  class?: string;
  component?: string;
  group?: string;
  details: Record<string, string>;
  links: { href: string; text: string }[];
}

export interface WebhookConfig {
  url: string;
  send_resolved: boolean;
  http_config?: { authorization: { type: 'Bearer'; credentials_file: string } };
}

export interface Receiver {
  name: string;
  pagerduty_configs?: PagerdutyConfig[];
  webhook_configs?: WebhookConfig[];
}

export interface Route {
  receiver: string;
  matchers?: string[];
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  continue?: boolean;
  routes?: Route[];
}

export interface InhibitRule {
  source_matchers: string[];
  target_matchers: string[];
  equal: string[];
}

export interface AlertmanagerConfig {
  global: { resolve_timeout: string };
  route: Route;
  inhibit_rules: InhibitRule[];
  receivers: Receiver[];
}

/** PagerDuty accepts critical, error, warning and info; our severities map onto those one to one. */
const PD_SEVERITY = `{{ if eq .CommonLabels.${LABEL.severity} "${SEVERITY.critical}" }}critical{{ else if eq .CommonLabels.${LABEL.severity} "${SEVERITY.warning}" }}warning{{ else if eq .CommonLabels.${LABEL.severity} "${SEVERITY.info}" }}info{{ else }}error{{ end }}`;

function pagerduty(model: Model, routingKeyFile: string): PagerdutyConfig {
  return {
    send_resolved: true,
    routing_key_file: routingKeyFile,
    url: model.routing.pagerdutyUrl,
    client: 'ghmon Alertmanager',
    client_url: '{{ .ExternalURL }}',
    // A group is one service's incident and may hold several alerts: their names when they differ, the
    // summary when they share it.
    description: `[{{ .Status | toUpper }}] {{ if .CommonLabels.alertname }}{{ .CommonLabels.alertname }}{{ else }}{{ range $i, $a := .Alerts }}{{ if $i }}, {{ end }}{{ $a.Labels.alertname }}{{ end }}{{ end }}{{ if .CommonLabels.${LABEL.service} }} on {{ .CommonLabels.${LABEL.service} }}{{ end }}{{ if .CommonAnnotations.summary }}: {{ .CommonAnnotations.summary }}{{ end }}`,
    severity: PD_SEVERITY,
    class: '{{ (index .Alerts 0).Labels.alertname }}',
    component: `{{ .CommonLabels.${LABEL.service} }}`,
    group: model.environment,
    details: {
      firing: '{{ template "pagerduty.default.instances" .Alerts.Firing }}',
      resolved: '{{ template "pagerduty.default.instances" .Alerts.Resolved }}',
      num_firing: '{{ .Alerts.Firing | len }}',
      description: '{{ .CommonAnnotations.description }}',
      runbook_url: '{{ .CommonAnnotations.runbook_url }}',
    },
    links: [{ href: '{{ .CommonAnnotations.runbook_url }}', text: 'Runbook' }],
  };
}

function deadMansSwitch(model: Model): Receiver {
  const d = model.routing.deadMansSwitch;
  if (!d) return { name: RECEIVER.deadMansSwitch };
  return {
    name: RECEIVER.deadMansSwitch,
    webhook_configs: [
      {
        url: d.url,
        send_resolved: false,
        ...(d.bearerTokenFile
          ? { http_config: { authorization: { type: 'Bearer' as const, credentials_file: d.bearerTokenFile } } }
          : {}),
      },
    ],
  };
}

export function alertmanagerConfig(model: Model): AlertmanagerConfig {
  const r = model.routing;
  const sev = (s: string) => `${LABEL.severity}="${s}"`;
  return {
    global: { resolve_timeout: '5m' },
    route: {
      // Anything without a known severity still reaches a human (as a ticket), never a black hole.
      receiver: RECEIVER.ticket,
      // One incident per service: whichever alerts an incident trips (a crash: target down and no traffic; an
      // outage: the error-ratio page and the burn-rate pages), they are one group, one PagerDuty dedup key.
      group_by: [LABEL.service],
      group_wait: r.groupWait,
      group_interval: r.groupInterval,
      repeat_interval: r.ticketRepeatInterval,
      routes: [
        {
          // The heartbeat: re-sent every minute so the dead man's switch notices within minutes when it stops.
          receiver: RECEIVER.deadMansSwitch,
          matchers: [`alertname="${EXTRA_ALERT.watchdog}"`],
          group_wait: '0s',
          group_interval: '1m',
          repeat_interval: '1m',
        },
        // Inhibitors (severity none): they only mute other alerts (inhibit_rules below) and notify nobody.
        { receiver: RECEIVER.inhibitOnly, matchers: [sev(SEVERITY.none)] },
        {
          receiver: RECEIVER.page,
          matchers: [sev(SEVERITY.critical)],
          group_wait: r.pageGroupWait,
          repeat_interval: r.pageRepeatInterval,
        },
        { receiver: RECEIVER.ticket, matchers: [sev(SEVERITY.warning)], repeat_interval: r.ticketRepeatInterval },
      ],
    },
    inhibit_rules: [
      {
        // The fast burn already pages; the slow-burn ticket for the same SLO adds nothing.
        source_matchers: [`alertname="${EXTRA_ALERT.budgetBurnFast}"`],
        target_matchers: [`alertname="${EXTRA_ALERT.budgetBurnSlow}"`],
        equal: [LABEL.service, LABEL.slo],
      },
      {
        // Errors that are over do not page: HighErrorRate's 5m window and `for` fire it minutes after a burst
        // ended (a 60s blip); a lasting incident has paged through ErrorBudgetBurnSustained before it.
        source_matchers: [`alertname="${EXTRA_ALERT.errorsStopped}"`],
        target_matchers: [`alertname="${ALERT.highErrorRate}"`],
        equal: [LABEL.service],
      },
      {
        // A service whose target is down has no traffic: the traffic-stopped ticket adds nothing.
        source_matchers: [`alertname="${EXTRA_ALERT.targetDown}"`],
        target_matchers: [`alertname="${EXTRA_ALERT.trafficStopped}"`],
        equal: [LABEL.service],
      },
      {
        // p99 above 1s already pages; the p95 warning for the same service adds nothing.
        source_matchers: [`alertname="${ALERT.criticalLatencyP99}"`],
        target_matchers: [`alertname="${ALERT.highLatencyP95}"`],
        equal: [LABEL.service],
      },
      {
        // One incident, one notification: while a service pages, its tickets (the slow burn, p95, traffic
        // stopped, metrics absent) add nothing on-call does not already know.
        source_matchers: [sev(SEVERITY.critical), `${LABEL.service}=~".+"`],
        target_matchers: [sev(SEVERITY.warning), `${LABEL.service}=~".+"`],
        equal: [LABEL.service],
      },
      {
        // A critical alert silences warnings of the same alert for the same service and instance (node alerts
        // have no service).
        source_matchers: [sev(SEVERITY.critical)],
        target_matchers: [sev(SEVERITY.warning)],
        equal: ['alertname', LABEL.service, LABEL.instance],
      },
    ],
    receivers: [
      deadMansSwitch(model),
      { name: RECEIVER.inhibitOnly },
      { name: RECEIVER.page, pagerduty_configs: [pagerduty(model, r.page.routingKeyFile)] },
      { name: RECEIVER.ticket, pagerduty_configs: [pagerduty(model, r.ticket.routingKeyFile)] },
    ],
  };
}
