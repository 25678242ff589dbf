/**
 * Input series for promtool unit tests, with the labels a real scrape would give them: the contract's
 * metric names and labels, plus `job`, `instance` and the service's target labels from the scrape config.
 */
import {
  httpRequestDurationSeconds as duration,
  HTTP_DURATION_BUCKETS,
  httpRequestsTotal as requests,
} from '@greyhaven/metric-contract';
import { JOB } from '../../../conventions.ts';
import type { Model, ServiceModel } from '../../../model/model.ts';

export interface InputSeries {
  series: string;
  values: string;
}

export function selector(name: string, labels: Record<string, string>): string {
  const body = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
  return `${name}{${body}}`;
}

/** The labels Prometheus attaches to a service's series (job, instance, target labels). */
export function targetLabels(s: ServiceModel): Record<string, string> {
  return { job: s.job, instance: s.scrape?.targets[0] ?? 'remote-write', ...s.targetLabels };
}

/** A counter growing by `perStep` each step for `steps` steps (promtool's `0+NxM`). */
export function counter(perStep: number, steps: number): string {
  return `0+${perStep}x${steps}`;
}

/**
 * A counter growing by each phase's `perStep` for its `steps` steps, one phase after the other
 * (`[[12, 10], [0, 20]]` → `0+12x10 120+0x19`: 12 a step for 10 steps, then flat). One phase is `counter()`.
 */
export function phasedCounter(phases: readonly (readonly [perStep: number, steps: number])[]): string {
  const parts: string[] = [];
  let value = 0;
  for (const [perStep, steps] of phases) {
    if (steps <= 0) continue;
    parts.push(parts.length === 0 ? counter(perStep, steps) : `${value + perStep}+${perStep}x${steps - 1}`);
    value += perStep * steps;
  }
  return parts.join(' ');
}

/** A counter that grows for `growSteps`, then stays flat for `flatSteps`. */
export function counterThenFlat(perStep: number, growSteps: number, flatSteps: number): string {
  return phasedCounter([
    [perStep, growSteps],
    [0, flatSteps + 1],
  ]);
}

const REQ_LABELS = { method: 'GET', route: '/users/:id' };

/** http_requests_total for a service: `ok` 200s and `errors` 500s per step. */
export function requestSeries(s: ServiceModel, ok: number, errors: number, steps: number): InputSeries[] {
  return phasedRequestSeries(s, [[ok, errors, steps]]);
}

/** http_requests_total for a service through phases of `ok` 200s and `errors` 500s per step. */
export function phasedRequestSeries(
  s: ServiceModel,
  phases: readonly (readonly [ok: number, errors: number, steps: number])[],
): InputSeries[] {
  const base = { ...targetLabels(s), ...REQ_LABELS };
  const out = [
    {
      series: selector(requests.name, { ...base, status: '200' }),
      values: phasedCounter(phases.map(([o, , n]) => [o, n])),
    },
  ];
  if (phases.some(([, e]) => e > 0))
    out.push({
      series: selector(requests.name, { ...base, status: '500' }),
      values: phasedCounter(phases.map(([, e, n]) => [e, n])),
    });
  return out;
}

/**
 * The duration histogram for a service with `perStep` requests a step, all in the bucket whose upper bound
 * is `bound` (so histogram_quantile(q) = lower + (bound - lower) * q), and `fast` of them in the lowest bucket.
 */
export function durationSeries(s: ServiceModel, perStep: number, bound: number, steps: number): InputSeries[] {
  return phasedDurationSeries(s, [[perStep, bound, steps]]);
}

/** The duration histogram through phases of `perStep` requests a step, all in the bucket with upper bound `bound`. */
export function phasedDurationSeries(
  s: ServiceModel,
  phases: readonly (readonly [perStep: number, bound: number, steps: number])[],
): InputSeries[] {
  const base = { ...targetLabels(s), ...REQ_LABELS, status: '200' };
  const bounds = [...HTTP_DURATION_BUCKETS.map(String), '+Inf'];
  const series = bounds.map((le) => ({
    series: selector(`${duration.name}_bucket`, { ...base, le }),
    values: phasedCounter(
      phases.map(([perStep, bound, steps]) => [le === '+Inf' || Number(le) >= bound ? perStep : 0, steps]),
    ),
  }));
  series.push({
    series: selector(`${duration.name}_count`, base),
    values: phasedCounter(phases.map(([perStep, , steps]) => [perStep, steps])),
  });
  series.push({
    series: selector(`${duration.name}_sum`, base),
    values: phasedCounter(phases.map(([perStep, bound, steps]) => [perStep * bound, steps])),
  });
  return series;
}

/** `up` for a service target: `upSteps` steps of 1, then `downSteps` of 0. */
export function upSeries(s: ServiceModel, upSteps: number, downSteps = 0): InputSeries {
  const values = downSteps > 0 ? `1x${upSteps} 0x${downSteps}` : `1x${upSteps}`;
  return { series: selector('up', targetLabels(s)), values };
}

export function nodeLabels(model: Model): Record<string, string> {
  return { job: JOB.nodeExporter, instance: model.nodeExporterTargets[0] ?? 'localhost:9100' };
}

export function prometheusLabels(model: Model): Record<string, string> {
  return { job: JOB.prometheus, instance: model.prometheusTargets[0] ?? 'localhost:9090' };
}

export function alertmanagerLabels(model: Model): Record<string, string> {
  return { job: JOB.alertmanager, instance: model.alertmanagerTargets[0] ?? 'localhost:9093' };
}
