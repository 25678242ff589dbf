/**
 * Reads what `promtool test rules` (2.42) prints when an `alert_rule_test` fails:
 *
 *     Unit Testing:  crash.ours.test.yml
 *       FAILED:
 *         alertname: TargetDown, time: 1h2m,
 *             exp:[],
 *             got:[
 *                 0:
 *                   Labels:{alertname="TargetDown", instance="api:8080", job="api", severity="critical"}
 *                   Annotations:{summary="..."}
 *                 ]
 *
 * and, when a rule cannot be evaluated (promtool then stops evaluating that test):
 *
 *         rule: SLOErrorRatio3d, time: 41h39m45s, err: query processing would load too many samples ...
 *
 * Anything else that is not part of this layout is returned as an error rather than ignored.
 */
import { parseDuration } from './ruleset.ts';

export interface FiredAlert {
  alertname: string;
  /** Seconds from the start of the test's series. */
  time: number;
  labels: Record<string, string>;
}

export interface PromtoolOutput {
  fired: FiredAlert[];
  errors: string[];
}

const HEADER = /^alertname: (.*), time: ([0-9a-z]+),\s*$/;
const RULE_ERROR = /^rule: (.*), time: ([0-9a-z]+), err: (.*)$/;
const LABELS = /^Labels:\{(.*)\},?$/;
const PAIR = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
/** Lines of the layout that carry nothing the replay needs. */
const NOISE = [
  /^Unit Testing: /,
  /^FAILED:$/,
  /^SUCCESS$/,
  /^exp:\[.*$/,
  /^got:\[$/,
  /^got:\[\],?$/,
  /^\],?$/,
  /^\d+:$/,
  /^Annotations:\{.*\},?$/,
];

function unquote(value: string): string {
  try {
    return JSON.parse(`"${value}"`) as string;
  } catch {
    return value;
  }
}

export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of text.matchAll(PAIR)) labels[m[1] as string] = unquote(m[2] as string);
  return labels;
}

export function parsePromtoolOutput(text: string): PromtoolOutput {
  const fired: FiredAlert[] = [];
  const errors: string[] = [];
  let current: { alertname: string; time: number } | undefined;
  let inExpected = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const header = HEADER.exec(line);
    if (header) {
      const time = parseDuration(header[2] as string);
      if (time === undefined) errors.push(`unreadable time in: ${line}`);
      current = { alertname: header[1] as string, time: time ?? Number.NaN };
      inExpected = false;
      continue;
    }
    const ruleError = RULE_ERROR.exec(line);
    if (ruleError) {
      errors.push(`rule ${ruleError[1]} failed at ${ruleError[2]}: ${ruleError[3]}`);
      continue;
    }
    if (/^exp:\[/.test(line)) {
      // The replay always expects nothing; anything expected would be a test file it did not write.
      inExpected = !/^exp:\[\],?$/.test(line);
      if (inExpected) errors.push(`unexpected expectation: ${line}`);
      continue;
    }
    if (/^got:\[/.test(line)) {
      inExpected = false;
      continue;
    }
    const labels = LABELS.exec(line);
    if (labels && current && !inExpected) {
      fired.push({ alertname: current.alertname, time: current.time, labels: parseLabels(labels[1] as string) });
      continue;
    }
    if (NOISE.some((re) => re.test(line))) continue;
    errors.push(line);
  }
  return { fired, errors };
}
