/** Threshold steps (Grafana: base step with value null, then ascending values) and Grafana's named colors. */
import type { ThresholdStep } from './grafana.ts';

const NAMED: Record<string, string> = {
  green: '#73bf69',
  'dark-green': '#37872d',
  red: '#f2495c',
  'dark-red': '#c4162a',
  orange: '#ff9830',
  'dark-orange': '#fa6400',
  yellow: '#fade2a',
  blue: '#5794f2',
  'dark-blue': '#1f60c4',
  purple: '#b877d9',
  text: '#ccccdc',
  transparent: 'transparent',
};

export function cssColor(name: string): string {
  return NAMED[name] ?? name;
}

/** The color of the highest step at or below the value (the base step when none is). */
export function colorFor(value: number | null | undefined, steps: readonly ThresholdStep[] = []): string {
  let color = steps[0]?.color ?? 'green';
  if (value === null || value === undefined || Number.isNaN(value)) return cssColor(color);
  for (const s of steps) {
    if (s.value === null || value >= s.value) color = s.color;
  }
  return cssColor(color);
}

/** Steps with a value (the lines a time series draws). */
export function thresholdLines(steps: readonly ThresholdStep[] = []): { value: number; color: string }[] {
  return steps.filter((s): s is { value: number; color: string } => typeof s.value === 'number');
}

/** Grafana's classic palette, in its order. */
export const PALETTE = [
  '#7eb26d',
  '#eab839',
  '#6ed0e0',
  '#ef843c',
  '#e24d42',
  '#1f78c1',
  '#ba43a9',
  '#705da0',
  '#508642',
  '#cca300',
  '#447ebc',
  '#c15c17',
  '#890f02',
  '#0a437c',
  '#6d1f62',
  '#584477',
];
