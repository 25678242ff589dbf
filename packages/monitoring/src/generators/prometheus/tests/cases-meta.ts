import { EXTRA_ALERT, SEVERITY } from '../../../conventions.ts';
import type { Model } from '../../../model/model.ts';
import { type AlertCase, sev } from './cases-common.ts';
import { alertmanagerLabels, counter, prometheusLabels, selector } from './series.ts';

export function metaCases(model: Model): AlertCase[] {
  const prom = prometheusLabels(model);
  const am = alertmanagerLabels(model);
  const amUrl = `http://${model.alertmanagerTargets[0] ?? 'localhost:9093'}/api/v2/alerts`;
  const group = { ...prom, rule_group: '/etc/prometheus/rules/slo-api.yml;slo_api' };
  return [
    {
      alertname: EXTRA_ALERT.watchdog,
      name: 'always fires (a healthy pipeline); there is no case where it must not',
      input: [],
      evalTime: '5m',
      fires: [{ labels: sev(SEVERITY.none) }],
    },
    {
      alertname: EXTRA_ALERT.ruleFailures,
      name: 'a rule group fails every minute',
      input: [{ series: selector('prometheus_rule_evaluation_failures_total', group), values: counter(1, 30) }],
      evalTime: '20m',
      fires: [{ labels: sev(SEVERITY.critical, group), value: 5 }],
    },
    {
      alertname: EXTRA_ALERT.ruleFailures,
      name: 'no failures',
      input: [{ series: selector('prometheus_rule_evaluation_failures_total', group), values: '0x30' }],
      evalTime: '20m',
      fires: [],
    },
    {
      alertname: EXTRA_ALERT.configReloadFailed,
      name: 'the last reload failed',
      input: [{ series: selector('prometheus_config_last_reload_successful', prom), values: '1x5 0x30' }],
      evalTime: '25m',
      fires: [{ labels: sev(SEVERITY.warning, prom) }],
    },
    {
      alertname: EXTRA_ALERT.configReloadFailed,
      name: 'reloads succeed',
      input: [{ series: selector('prometheus_config_last_reload_successful', prom), values: '1x30' }],
      evalTime: '25m',
      fires: [],
    },
    {
      alertname: EXTRA_ALERT.notConnectedToAlertmanager,
      name: 'no Alertmanager discovered',
      input: [{ series: selector('prometheus_notifications_alertmanagers_discovered', prom), values: '1x5 0x30' }],
      evalTime: '25m',
      fires: [{ labels: sev(SEVERITY.critical, prom) }],
    },
    {
      alertname: EXTRA_ALERT.notConnectedToAlertmanager,
      name: 'one Alertmanager discovered',
      input: [{ series: selector('prometheus_notifications_alertmanagers_discovered', prom), values: '1x30' }],
      evalTime: '25m',
      fires: [],
    },
    {
      alertname: EXTRA_ALERT.errorSendingAlerts,
      name: '5% of alerts fail to send',
      input: [
        {
          series: selector('prometheus_notifications_errors_total', { ...prom, alertmanager: amUrl }),
          values: counter(5, 30),
        },
        {
          series: selector('prometheus_notifications_sent_total', { ...prom, alertmanager: amUrl }),
          values: counter(100, 30),
        },
      ],
      evalTime: '20m',
      fires: [{ labels: sev(SEVERITY.critical, { ...prom, alertmanager: amUrl }), value: 0.05 }],
    },
    {
      alertname: EXTRA_ALERT.errorSendingAlerts,
      name: 'all alerts sent',
      input: [
        { series: selector('prometheus_notifications_errors_total', { ...prom, alertmanager: amUrl }), values: '0x30' },
        {
          series: selector('prometheus_notifications_sent_total', { ...prom, alertmanager: amUrl }),
          values: counter(100, 30),
        },
      ],
      evalTime: '20m',
      fires: [],
    },
    {
      alertname: EXTRA_ALERT.notificationsFailing,
      name: 'PagerDuty notifications fail',
      input: [
        {
          series: selector('alertmanager_notifications_failed_total', { ...am, integration: 'pagerduty' }),
          values: counter(1, 30),
        },
      ],
      evalTime: '20m',
      fires: [{ labels: sev(SEVERITY.critical, { instance: am.instance as string, integration: 'pagerduty' }) }],
    },
    {
      alertname: EXTRA_ALERT.notificationsFailing,
      name: 'notifications delivered',
      input: [
        {
          series: selector('alertmanager_notifications_failed_total', { ...am, integration: 'pagerduty' }),
          values: '0x30',
        },
      ],
      evalTime: '20m',
      fires: [],
    },
  ];
}
