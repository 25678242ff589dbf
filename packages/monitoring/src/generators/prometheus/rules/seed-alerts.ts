/**
 * The seed's five alerts, names, thresholds, `for` and severity verbatim as defaults (all configurable).
 * Fixed: errors and latency alert per service (the seed's HighErrorRate read a fleet-wide ratio, so it could
 * not say which service failed, and Alertmanager could not group or inhibit by service); every alert has a
 * summary, a description and a runbook.
 */
import { ALERT, GROUP, LABEL, RECORD, runbookFile } from '../../../conventions.ts';
import type { Model } from '../../../model/model.ts';
import { keepFiring } from './keep-firing.ts';
import type { AlertingRule, RuleGroup } from './types.ts';

export function runbookUrl(model: Model, alert: string): string {
  return `${model.runbookBaseUrl}/${runbookFile(alert)}`;
}

/** Prometheus accepts any float literal; print it the shortest exact way (0.01, 0.5, 1, 80). */
export function num(n: number): string {
  return String(n);
}

export function seedAlertGroups(model: Model): RuleGroup[] {
  const t = model.thresholds;
  const S = LABEL.service;
  const alert = (
    name: string,
    expr: string,
    spec: { for: string; severity: string },
    summary: string,
    description: string,
    // A windowed ratio or quantile, which oscillates around its threshold while an incident flaps: when it
    // pages, it keeps firing for `pageKeepFiringFor` (keep-firing.ts). CPU and memory never get it.
    oscillates = false,
  ): AlertingRule => ({
    alert: name,
    expr,
    for: spec.for,
    ...(oscillates ? keepFiring(model, spec.severity) : {}),
    labels: { [LABEL.severity]: spec.severity },
    annotations: { summary, description, runbook_url: runbookUrl(model, name) },
  });
  return [
    {
      name: GROUP.alerts,
      rules: [
        alert(
          ALERT.highErrorRate,
          t.errorRatio.minRequestsPerSecond > 0
            ? `${RECORD.errorsRate5mByService} > ${num(t.errorRatio.threshold)}\nand on (${S})\nsum by (${S}) (${RECORD.requestsRate5mByService}) >= ${num(t.errorRatio.minRequestsPerSecond)}`
            : `${RECORD.errorsRate5mByService} > ${num(t.errorRatio.threshold)}`,
          t.errorRatio,
          `High error rate on {{ $labels.${S} }} ({{ $value | humanizePercentage }})`,
          `{{ $value | humanizePercentage }} of requests to {{ $labels.${S} }} have failed with a 5xx for ${t.errorRatio.for} (threshold ${num(t.errorRatio.threshold * 100)}%${t.errorRatio.minRequestsPerSecond > 0 ? `, at ${num(t.errorRatio.minRequestsPerSecond)} requests/s or more` : ''}).`,
          true,
        ),
        alert(
          ALERT.highLatencyP95,
          `${RECORD.durationP95} > ${num(t.latencyP95.threshold)}`,
          t.latencyP95,
          `High p95 latency on {{ $labels.${S} }} ({{ $value | humanizeDuration }})`,
          `95th percentile latency of {{ $labels.${S} }} has been above ${num(t.latencyP95.threshold)}s for ${t.latencyP95.for}.`,
          true,
        ),
        alert(
          ALERT.criticalLatencyP99,
          `${RECORD.durationP99} > ${num(t.latencyP99.threshold)}`,
          t.latencyP99,
          `Critical p99 latency on {{ $labels.${S} }} ({{ $value | humanizeDuration }})`,
          `99th percentile latency of {{ $labels.${S} }} has been above ${num(t.latencyP99.threshold)}s for ${t.latencyP99.for}.`,
          true,
        ),
        alert(
          ALERT.highCpuUsage,
          `${RECORD.cpuUsagePercent} > ${num(t.cpuPercent.threshold)}`,
          t.cpuPercent,
          'High CPU usage on {{ $labels.instance }} ({{ $value | printf "%.1f" }}%)',
          `CPU usage of {{ $labels.instance }} has been above ${num(t.cpuPercent.threshold)}% for ${t.cpuPercent.for}.`,
        ),
        alert(
          ALERT.highMemoryUsage,
          `${RECORD.memoryUsagePercent} > ${num(t.memoryPercent.threshold)}`,
          t.memoryPercent,
          'High memory usage on {{ $labels.instance }} ({{ $value | printf "%.1f" }}%)',
          `Memory usage of {{ $labels.instance }} has been above ${num(t.memoryPercent.threshold)}% for ${t.memoryPercent.for}.`,
        ),
      ],
    },
  ];
}
