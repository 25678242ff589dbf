/**
 * Alerts for what the seed never noticed: a service that dies (its series vanish, so ratio alerts go quiet),
 * a target that disappears from discovery, instrumentation that emits nothing, traffic that stops while the
 * target looks healthy — and meta-monitoring: the Watchdog heartbeat, failing rules, failing notifications,
 * Prometheus without an Alertmanager.
 */
import { httpRequestsTotal as requests } from '@greyhaven/metric-contract';
import { EXTRA_ALERT, GROUP, JOB, LABEL, SEVERITY } from '../../../conventions.ts';
import { detectionPlan } from '../../../model/detection.ts';
import type { Model } from '../../../model/model.ts';
import { formatDuration, parseDuration } from '../../../util/duration.ts';
import { pageKeepFiringFor } from './keep-firing.ts';
import { num, runbookUrl } from './seed-alerts.ts';
import type { AlertingRule, RuleGroup } from './types.ts';

const S = LABEL.service;

type Spec = Omit<AlertingRule, 'annotations' | 'labels'> & {
  severity: string;
  summary: string;
  description: string;
  labels?: Record<string, string>;
};

function alert(model: Model, spec: Spec): AlertingRule {
  const { severity, summary, description, labels, ...rule } = spec;
  return {
    ...rule,
    labels: { [LABEL.severity]: severity, ...labels },
    annotations: { summary, description, runbook_url: runbookUrl(model, spec.alert) },
  };
}

/**
 * How far back ServiceErrorsStopped remembers errors: HighErrorRate's 5m window, its `for`, its keep_firing_for and
 * 5m more, so that it covers every minute HighErrorRate can fire for a burst that is over.
 */
function errorsMemory(model: Model): string {
  const t = model.thresholds;
  const kept = parseDuration(pageKeepFiringFor(model, t.errorRatio.severity) ?? '0s') ?? 0;
  return formatDuration(5 * 60_000 + (parseDuration(t.errorRatio.for) ?? 0) + kept + 5 * 60_000);
}

export function serviceHealthGroup(model: Model): RuleGroup {
  const t = model.thresholds;
  const rules: AlertingRule[] = [
    alert(model, {
      alert: EXTRA_ALERT.targetDown,
      expr: `up{${S}!=""} == 0`,
      for: t.targetDown.for,
      severity: t.targetDown.severity,
      summary: '{{ $labels.service }} is down: {{ $labels.instance }} does not answer scrapes',
      description: `Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) of {{ $labels.${S} }} for ${t.targetDown.for}: the process crashed, hangs, or is unreachable. Its request metrics have stopped, so no other alert about it can fire.`,
    }),
    // One rule per scraped service: absent() needs the selector spelt out to know which labels to report.
    ...model.services
      .filter((s) => s.scrape)
      .map((s) =>
        alert(model, {
          alert: EXTRA_ALERT.targetMissing,
          expr: `absent(up{job="${s.job}",${S}="${s.name}"})`,
          // Pages like a crash: every series of the service is gone, so no other alert about it can fire.
          for: t.targetDown.for,
          labels: { [S]: s.name },
          severity: t.targetDown.severity,
          summary: `${s.name} has no scrape target`,
          description: `Prometheus has had no target for job ${s.job} of ${s.name} for ${t.targetDown.for}: it vanished from service discovery or the scrape config (a deleted Deployment, a broken selector). Nothing about ${s.name} is monitored.`,
        }),
      ),
    alert(model, {
      alert: EXTRA_ALERT.metricsAbsent,
      expr: `max by (${S}) (up{${S}!=""} == 1)\nunless on (${S})\ncount by (${S}) (${requests.name})`,
      for: '10m',
      severity: SEVERITY.warning,
      summary: '{{ $labels.service }} answers scrapes but exposes no request metrics',
      description: `The target of {{ $labels.${S} }} is up, but ${requests.name} is missing: the metrics middleware is not installed, not reached, or registered on another registry.`,
    }),
    // Push services have no `up`: a service that usually has traffic and whose pushes stopped is the crash, the
    // Worker that no longer runs, the remote write that no longer arrives. It pages like a target down.
    ...model.services
      .filter((s) => s.push)
      .map((s) =>
        alert(model, {
          alert: EXTRA_ALERT.pushStopped,
          expr: [
            `(sum by (${S}) (rate(${requests.name}{${S}="${s.name}"}[1h])) >= ${num(t.trafficStopped.minRequestsPerSecond)})`,
            `unless on (${S})`,
            `count by (${S}) (count_over_time(${requests.name}{${S}="${s.name}"}[${detectionPlan(model, s).pushSilence}]))`,
          ].join('\n'),
          labels: { [S]: s.name },
          severity: t.targetDown.severity,
          summary: `${s.name} has stopped pushing its metrics`,
          description: `${s.name} (a push service) served at least ${num(t.trafficStopped.minRequestsPerSecond)} requests/s over the last hour, but no ${requests.name} sample has arrived for ${detectionPlan(model, s).pushSilence}: its isolates stopped running or stopped reaching Prometheus' remote-write receiver. Nothing about ${s.name} is monitored until they push again.`,
        }),
      ),
    // And their request metrics going absent altogether (never pushed, or gone for good).
    ...model.services
      .filter((s) => s.push)
      .map((s) =>
        alert(model, {
          alert: EXTRA_ALERT.metricsAbsent,
          expr: `absent(${requests.name}{${S}="${s.name}"})`,
          for: '10m',
          labels: { [S]: s.name },
          severity: SEVERITY.warning,
          summary: `${s.name} has pushed no request metrics`,
          description: `No ${requests.name} samples for ${s.name} (a push service) for 10m: the service stopped pushing or its pushes are rejected.`,
        }),
      ),
    alert(model, {
      alert: EXTRA_ALERT.trafficStopped,
      expr: [
        `(sum by (${S}) (rate(${requests.name}[5m])) == 0)`,
        `and on (${S}) (`,
        `  (sum by (${S}) (rate(${requests.name}[1h])) >= ${num(t.trafficStopped.minRequestsPerSecond)})`,
        '  or',
        `  (sum by (${S}) (rate(${requests.name}[1d])) >= ${num(t.trafficStopped.minRequestsPerSecond)})`,
        ')',
        `unless on (${S})`,
        `(max by (${S}) (up{${S}!=""}) == 0)`,
      ].join('\n'),
      for: t.trafficStopped.for,
      severity: t.trafficStopped.severity,
      summary: '{{ $labels.service }} receives no requests',
      description: `{{ $labels.${S} }} has served no request for 5m although it usually serves at least ${num(t.trafficStopped.minRequestsPerSecond)}/s and its target is up: requests are failing before they reach it (DNS, load balancer, routing, a crash loop in front of the middleware).`,
    }),
    // Not a notification: an inhibitor (severity none, routed to a receiver that sends nothing). The seed's
    // HighErrorRate reads a 5m window with `for: 5m` (and ghmon holds it 10m more with keep_firing_for): a 60s
    // burst of errors fires it minutes after the errors stopped. While this fires for a service, Alertmanager
    // mutes that service's HighErrorRate (generators/alertmanager/config.ts): errors that are over do not page. A real
    // incident has paged long before HighErrorRate fires, through ErrorBudgetBurnSustained.
    alert(model, {
      alert: EXTRA_ALERT.errorsStopped,
      expr: [
        `(sum by (${S}) (increase(${requests.name}{status=~"5.."}[${errorsMemory(model)}])) > 0)`,
        `unless on (${S})`,
        `(sum by (${S}) (increase(${requests.name}{status=~"5.."}[${detectionPlan(model).quietWindow}])) > 0)`,
      ].join('\n'),
      severity: SEVERITY.none,
      summary: '{{ $labels.service }} has served no 5xx for a while: the errors its 5m ratios still show are over',
      description: `Not a notification: no 5xx from {{ $labels.${S} }} for ${detectionPlan(model).quietWindow}, after some in the last ${errorsMemory(model)}. It mutes the service's HighErrorRate, whose 5m window and \`for\` make it fire minutes after a burst of errors ended.`,
    }),
    alert(model, {
      alert: EXTRA_ALERT.infraTargetDown,
      expr: `up{job=~"${[JOB.alertmanager, JOB.nodeExporter].join('|')}"} == 0`,
      for: '5m',
      severity: SEVERITY.warning,
      summary: '{{ $labels.job }} target {{ $labels.instance }} is down',
      description:
        'Prometheus cannot scrape {{ $labels.instance }} (job {{ $labels.job }}) for 5m: saturation alerts for that node, or Alertmanager health, are blind.',
    }),
  ];
  return { name: GROUP.serviceHealth, rules };
}

export function metaMonitoringGroup(model: Model): RuleGroup {
  const rules: AlertingRule[] = [
    alert(model, {
      alert: EXTRA_ALERT.watchdog,
      expr: 'vector(1)',
      severity: SEVERITY.none,
      summary: 'Watchdog: the alerting pipeline is alive',
      description:
        "Always firing, on purpose. Alertmanager sends it to the dead man's switch; when it stops arriving, Prometheus, Alertmanager or the path between them is down.",
    }),
    alert(model, {
      alert: EXTRA_ALERT.ruleFailures,
      expr: 'increase(prometheus_rule_evaluation_failures_total[5m]) > 0',
      for: '5m',
      severity: SEVERITY.critical,
      summary: 'Rules of group {{ $labels.rule_group }} fail to evaluate',
      description:
        '{{ $value | humanize }} evaluation failures in 5m in {{ $labels.rule_group }}: alerts in that group may silently never fire.',
    }),
    alert(model, {
      alert: EXTRA_ALERT.configReloadFailed,
      expr: 'prometheus_config_last_reload_successful == 0',
      for: '10m',
      severity: SEVERITY.warning,
      summary: 'Prometheus {{ $labels.instance }} failed to reload its config',
      description: 'The last config reload failed: Prometheus still runs the previous config and rules.',
    }),
    alert(model, {
      alert: EXTRA_ALERT.notConnectedToAlertmanager,
      expr: 'max_over_time(prometheus_notifications_alertmanagers_discovered[5m]) < 1',
      for: '5m',
      severity: SEVERITY.critical,
      summary: 'Prometheus {{ $labels.instance }} is not connected to any Alertmanager',
      description:
        'Alerts fire but go nowhere. (This page itself cannot be delivered: the Watchdog stopping at the dead man’s switch is how you learn of it.)',
    }),
    alert(model, {
      alert: EXTRA_ALERT.errorSendingAlerts,
      expr: [
        'rate(prometheus_notifications_errors_total[5m])',
        '/',
        '(rate(prometheus_notifications_sent_total[5m]) > 0)',
        '> 0.01',
      ].join('\n'),
      for: '5m',
      severity: SEVERITY.critical,
      summary: 'Prometheus fails to send alerts to {{ $labels.alertmanager }}',
      description:
        '{{ $value | humanizePercentage }} of alerts sent to {{ $labels.alertmanager }} failed in the last 5m.',
    }),
    alert(model, {
      alert: EXTRA_ALERT.notificationsFailing,
      expr: 'sum by (instance, integration) (rate(alertmanager_notifications_failed_total[5m])) > 0',
      for: '5m',
      severity: SEVERITY.critical,
      summary: 'Alertmanager fails to deliver {{ $labels.integration }} notifications',
      description:
        'Alertmanager {{ $labels.instance }} has failed to deliver {{ $labels.integration }} notifications for 5m: pages are not reaching on-call.',
    }),
  ];
  return { name: GROUP.metaMonitoring, rules };
}
