import { ALERT } from '../../../conventions.ts';
import type { Model, ServiceModel } from '../../../model/model.ts';
import { NODE_METRIC } from '../../../model/node-exporter.ts';
import { type AlertCase, bucketAbove, S, sev } from './cases-common.ts';
import { errorRatioKeptFiring, latencyKeptFiring } from './cases-keep-firing.ts';
import { counter, durationSeries, nodeLabels, requestSeries, selector } from './series.ts';

export function seedCases(model: Model, s: ServiceModel): AlertCase[] {
  const t = model.thresholds;
  const svc = { [S]: s.name };
  const minRps = t.errorRatio.minRequestsPerSecond;
  // Enough traffic for the ratio to count: 100 requests a minute, or 10× the floor.
  const perMin = Math.max(100, Math.ceil(minRps * 600));
  const errorsAt = (ratio: number) => Math.round(perMin * ratio);
  const over = Math.min(0.99, t.errorRatio.threshold * 2);
  const under = t.errorRatio.threshold / 2;
  return [
    {
      alertname: ALERT.highErrorRate,
      name: `${s.name}: ${over * 100}% of requests fail`,
      input: requestSeries(s, perMin - errorsAt(over), errorsAt(over), 30),
      evalTime: '20m',
      fires: [{ labels: sev(t.errorRatio.severity, svc), value: errorsAt(over) / perMin }],
    },
    {
      alertname: ALERT.highErrorRate,
      name: `${s.name}: ${under * 100}% of requests fail (below the threshold)`,
      input: requestSeries(s, Math.round(1 / under) - 1, 1, 30),
      evalTime: '20m',
      fires: [],
    },
    ...(minRps > 0
      ? [
          {
            alertname: ALERT.highErrorRate,
            name: `${s.name}: one error among a trickle of requests (below ${minRps}/s)`,
            input: [
              {
                series: requestSeries(s, 1, 0, 1)[0]?.series ?? '',
                values: counter(Math.max(1, Math.floor(minRps * 30)), 30),
              },
              { series: requestSeries(s, 1, 1, 1)[1]?.series ?? '', values: `0x10 1x20` },
            ],
            evalTime: '20m',
            fires: [],
          },
        ]
      : []),
    ...errorRatioKeptFiring(model, s),
    latencyCase(s, ALERT.highLatencyP95, t.latencyP95, 0.95),
    latencyCase(s, ALERT.criticalLatencyP99, t.latencyP99, 0.99),
    ...latencyKeptFiring(model, s, ALERT.highLatencyP95, t.latencyP95, 0.95),
    ...latencyKeptFiring(model, s, ALERT.criticalLatencyP99, t.latencyP99, 0.99),
    {
      alertname: ALERT.highLatencyP95,
      name: `${s.name}: all requests fast`,
      input: durationSeries(s, 600, 0.1, 30),
      evalTime: '20m',
      fires: [],
    },
    {
      alertname: ALERT.criticalLatencyP99,
      name: `${s.name}: all requests fast`,
      input: durationSeries(s, 600, 0.1, 30),
      evalTime: '20m',
      fires: [],
    },
  ];
}

/** Requests all in the bucket above the threshold: quantile q = lower + (upper - lower) * q. */
function latencyCase(
  s: ServiceModel,
  alertname: string,
  spec: { threshold: number; for: string; severity: string },
  q: number,
): AlertCase {
  const bucket = bucketAbove(spec.threshold);
  const upper = bucket.upper ?? 5;
  const lower = bucket.lower ?? 0;
  return {
    alertname,
    name: `${s.name}: every request takes between ${lower}s and ${upper}s`,
    input: durationSeries(s, 600, upper, 40),
    evalTime: '30m',
    fires: [{ labels: sev(spec.severity, { [S]: s.name }), value: lower + (upper - lower) * q }],
  };
}

export function saturationCases(model: Model): AlertCase[] {
  const t = model.thresholds;
  const node = nodeLabels(model);
  const cpu = (idlePerMin: number) => [
    {
      series: selector(NODE_METRIC.cpuSeconds, { ...node, cpu: '0', mode: 'idle' }),
      values: counter(idlePerMin, 40),
    },
    {
      series: selector(NODE_METRIC.cpuSeconds, { ...node, cpu: '0', mode: 'user' }),
      values: counter(60 - idlePerMin, 40),
    },
  ];
  const mem = (availablePercent: number) => [
    { series: selector(NODE_METRIC.memTotal, node), values: '1000x40' },
    { series: selector(NODE_METRIC.memAvailable, node), values: `${availablePercent * 10}x40` },
  ];
  const busy = Math.min(99, t.cpuPercent.threshold + 10);
  const full = Math.min(99, t.memoryPercent.threshold + 5);
  return [
    {
      alertname: ALERT.highCpuUsage,
      name: `node at ${busy}% CPU`,
      input: cpu((60 * (100 - busy)) / 100),
      evalTime: '30m',
      fires: [{ labels: sev(t.cpuPercent.severity, { instance: node.instance as string }), value: busy }],
    },
    { alertname: ALERT.highCpuUsage, name: 'node at 10% CPU', input: cpu(54), evalTime: '30m', fires: [] },
    {
      alertname: ALERT.highMemoryUsage,
      name: `node at ${full}% memory`,
      input: mem(100 - full),
      evalTime: '30m',
      // A ratio of two node_exporter series keeps all their labels (job, instance).
      fires: [{ labels: sev(t.memoryPercent.severity, node), value: full }],
    },
    { alertname: ALERT.highMemoryUsage, name: 'node at 50% memory', input: mem(50), evalTime: '30m', fires: [] },
  ];
}
