/**
 * A promtool unit-test file that measures instead of asserting: at every step of the watched window it expects
 * no alert at all for every alert that can page or ticket. promtool then fails each step where something fired
 * and prints what it got (see promtool-output.ts), which is exactly the timeline the replay needs.
 */
import { stringify } from 'yaml';
import type { InputSeries } from './series.ts';

export interface TestFileSpec {
  /** Paths as written into `rule_files` (relative to the test file, or absolute). */
  ruleFiles: string[];
  groupOrder: string[];
  /** Input and evaluation interval, seconds. */
  step: number;
  input: InputSeries[];
  /** Alert names to watch. */
  alertnames: string[];
  /** Evaluation times to check, seconds from the start of the series. */
  checkTimes: number[];
  /** A comment for the top of the file. */
  comment: string;
}

export function promtoolTestFile(spec: TestFileSpec): string {
  const alertTests = spec.checkTimes.flatMap((t) =>
    spec.alertnames.map((alertname) => ({ eval_time: `${t}s`, alertname, exp_alerts: [] })),
  );
  const doc = {
    rule_files: spec.ruleFiles,
    evaluation_interval: `${spec.step}s`,
    group_eval_order: spec.groupOrder,
    tests: [
      {
        interval: `${spec.step}s`,
        input_series: spec.input,
        alert_rule_test: alertTests,
      },
    ],
  };
  const comment = spec.comment
    .split('\n')
    .map((l) => `# ${l}`.trimEnd())
    .join('\n');
  return `${comment}\n${stringify(doc, { lineWidth: 0, flowCollectionPadding: false })}`;
}
