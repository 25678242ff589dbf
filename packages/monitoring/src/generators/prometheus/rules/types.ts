/** Rule data, shaped like Prometheus' rule-file format so that writing it is a plain YAML dump. */
export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  /** Prometheus ≥ 2.42: how long an alert keeps firing after its condition cleared. */
  keep_firing_for?: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string } & Record<string, string>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Rule[];
}

/** One file under out/prometheus/rules/. */
export interface RuleFile {
  /** File name without directory, e.g. `golden-signals.yml`. */
  file: string;
  groups: RuleGroup[];
}

export function isAlert(rule: Rule): rule is AlertingRule {
  return 'alert' in rule;
}
