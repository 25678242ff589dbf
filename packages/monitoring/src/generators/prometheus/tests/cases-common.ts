/**
 * What every alert's cases share: the case shape and the helpers that name, label and time them.
 */
import { HTTP_DURATION_BUCKETS } from '@greyhaven/metric-contract';
import { LABEL } from '../../../conventions.ts';
import type { ServiceModel } from '../../../model/model.ts';
import { parseDuration } from '../../../util/duration.ts';
import { durationSeries, type InputSeries, requestSeries, upSeries } from './series.ts';

export interface ExpectedAlert {
  labels: Record<string, string>;
  /** The alert's value, when its annotations show it. */
  value?: number;
}

export interface AlertCase {
  alertname: string;
  name: string;
  input: InputSeries[];
  evalTime: string;
  /**
   * Input and evaluation step (default 1m). The sustained pages read 30s windows: their cases step at the
   * scrape interval, as Prometheus does. All cases of one alert share a step (one test file, one interval).
   */
  step?: string;
  /**
   * Rule evaluation step when coarser than `step` (a multiple of it, dividing every eval time): promtool
   * evaluates every loaded rule at every step, so long incidents read over long windows evaluate less often.
   */
  evalStep?: string;
  /** Empty: the alert must not fire. */
  fires: ExpectedAlert[];
  /**
   * Earlier checks of the same incident (before `evalTime`): a shorter incident's case folded into a longer
   * one with the same samples up to its eval time, so promtool evaluates that stretch once.
   */
  before?: { evalTime: string; fires: ExpectedAlert[] }[];
}

export const S = LABEL.service;

/** A healthy minute: 600 requests, no error, all fast. */
export function healthy(s: ServiceModel, steps: number): InputSeries[] {
  return [...requestSeries(s, 600, 0, steps), ...durationSeries(s, 600, 0.1, steps), upSeries(s, steps)];
}

export function sev(severity: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.severity]: severity, ...extra };
}

const LATENCY_BOUNDS = [0, ...HTTP_DURATION_BUCKETS];

/** The contract's histogram bucket just above a latency threshold, or nothing when none is (threshold ≥ 5s). */
export function bucketAbove(threshold: number): { lower?: number; upper?: number } {
  const i = LATENCY_BOUNDS.findIndex((b) => b > threshold);
  return i < 1 ? {} : { lower: LATENCY_BOUNDS[i - 1] as number, upper: LATENCY_BOUNDS[i] as number };
}

/** Whole minutes of a duration, rounded up (cases step by 1m). */
export function minutes(duration: string): number {
  return Math.ceil((parseDuration(duration) ?? 0) / 60_000);
}

/** A percentage for a case name, without float noise (1.1, not 1.1000000000000001). */
export function pct(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(6))}%`;
}
