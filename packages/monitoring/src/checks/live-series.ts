/**
 * `live/series` (`ghmon check --prometheus URL`): the rules read metrics a running Prometheus actually has. For
 * every raw metric a rule selects (not a recording rule of these files, not `ALERTS`, not inside `absent()`), it asks
 * Prometheus' series API over the last hour:
 *
 * - no series of that name at all: nothing emits it, or nothing scrapes what does — the rule is computed on
 *   nothing (pint's `promql/series`);
 * - series of that name, but none matching the selector's label matchers: the labels do not line up (the seed's
 *   `endpoint` vs `route`, a service named differently in the config and on its target) — the values seen are
 *   listed.
 *
 * Findings are warnings: a metric can be missing for a good reason (a service without a DB pool, node_exporter not
 * scraped by this Prometheus), and only the operator knows which. The check reads the rule files the user
 * deploys and nothing else from out/; it sends only GET requests.
 */
import { EXTRA_ALERT, OUT } from '../conventions.ts';
import { DEFAULT_WEB_USER } from '../model/web-config.ts';
import { readRuleFile } from '../outdir/rule-files.ts';
import { ABSENT_FUNCTIONS } from '../promql/alert-condition.ts';
import { functionName, parsePromQL } from '../promql/parse.ts';
import { type Selector, selectors } from '../promql/selectors.ts';
import type { Finding } from '../util/finding.ts';
import { PrometheusApiError, prometheusApi, prometheusTarget } from '../util/prometheus-api.ts';
import type { Check } from './lib/context.ts';

export const LIVE_SERIES = 'live/series';
const LOOKBACK_SECONDS = 3600;
const TIMEOUT_MS = 10_000;
/** The most of one answer read: 1000 series are far less; a Prometheus before 2.51 ignores `limit`. */
const MAX_BYTES = 32 * 1024 ** 2;
/** Series read per request at most; enough to list the label values seen. */
const LIMIT = 1000;
/** Names that exist only while something fires. */
const ONLY_WHILE_FIRING = new Set(['ALERTS', 'ALERTS_FOR_STATE']);

export interface LiveOptions {
  /** Prometheus' base URL, e.g. http://127.0.0.1:9090. */
  url: string;
  /** The web password (basic auth as user `ghmon`, as out/compose/ sets it up), from this file. */
  passwordFile?: string | undefined;
}

export function liveSeries(options: LiveOptions): Check {
  const { base, headers } = prometheusTarget({ ...options, user: DEFAULT_WEB_USER });
  const api = prometheusApi({
    base,
    headers,
    timeoutMs: TIMEOUT_MS,
    maxBytes: MAX_BYTES,
    unauthorised: 'give --prometheus-password-file',
  });
  const where = api.where;

  /** GET /api/v1/series for one selector: the label sets seen in the last hour. */
  async function series(match: string): Promise<Record<string, string>[]> {
    // A minute past now: the newest scrape's timestamp can be ahead of this clock's whole second.
    const end = Math.ceil(Date.now() / 1000) + 60;
    const data = await api.get<unknown>('api/v1/series', {
      'match[]': match,
      start: String(end - 60 - LOOKBACK_SECONDS),
      end: String(end),
      limit: String(LIMIT), // ignored by Prometheus before 2.51: the answer is then longer
    });
    if (!Array.isArray(data)) throw new PrometheusApiError(`${where}/api/v1/series answered 200 without a list`);
    return data as Record<string, string>[];
  }

  return {
    id: LIVE_SERIES,
    description: `every metric the rules read has series in ${where} (last hour)`,
    async run(ctx) {
      const rules = ctx.list(OUT.rulesDir, '.yml').flatMap((path) => readRuleFile(path, ctx.read(path)).rules);
      const recorded = new Set(rules.filter((r) => r.kind === 'record').map((r) => r.name));
      // One question per distinct selector; the first rule reading it names the finding.
      const wanted = new Map<string, { sel: Selector; text: string; rule: (typeof rules)[number] }>();
      for (const rule of rules) {
        if (rule.name === EXTRA_ALERT.watchdog) continue;
        const parsed = parsePromQL(rule.expr);
        if (parsed.error !== undefined) continue; // contract/parse-error
        for (const sel of selectors(rule.expr, parsed.tree)) {
          if (sel.name === undefined || recorded.has(sel.name) || ONLY_WHILE_FIRING.has(sel.name)) continue;
          if (insideAbsent(rule.expr, sel)) continue;
          const text = selectorText(sel);
          if (!wanted.has(text)) wanted.set(text, { sel, text, rule });
        }
      }
      const findings: Finding[] = [];
      const byName = new Map<string, Promise<Record<string, string>[]>>();
      try {
        for (const { sel, text, rule } of wanted.values()) {
          const name = sel.name as string;
          if (!byName.has(name)) byName.set(name, series(`{__name__=${JSON.stringify(name)}}`));
          const all = await (byName.get(name) as Promise<Record<string, string>[]>);
          const place = {
            file: rule.file,
            group: rule.group,
            rule: rule.name,
            ...(rule.line ? { line: rule.line } : {}),
          };
          if (all.length === 0) {
            findings.push({
              check: LIVE_SERIES,
              severity: 'warning',
              ...place,
              message: `no series named ${name} in ${where} over the last hour: nothing emits it, or nothing scrapes what does`,
            });
            continue;
          }
          if (sel.matchers.every((m) => m.label === '__name__')) continue;
          if ((await series(text)).length > 0) continue;
          const seen = sel.matchers
            .filter((m) => m.label !== '__name__')
            .map((m) => {
              const values = [...new Set(all.map((s) => s[m.label]).filter((v) => v !== undefined))].sort();
              return `${m.label}: ${values.length ? values.slice(0, 8).join(', ') + (values.length > 8 ? ', …' : '') : 'never set'}`;
            });
          findings.push({
            check: LIVE_SERIES,
            severity: 'warning',
            ...place,
            message: `${name} has series in ${where}, but none match ${text} over the last hour (values seen — ${seen.join('; ')})`,
          });
        }
      } catch (err) {
        if (!(err instanceof PrometheusApiError)) throw err;
        return [{ check: LIVE_SERIES, severity: 'error', file: '-', message: err.message }];
      }
      return findings;
    },
  };
}

/** The selector as PromQL text (name and matchers, values quoted). */
function selectorText(sel: Selector): string {
  const matchers = sel.matchers
    .filter((m) => m.label !== '__name__')
    .map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`);
  return `${sel.name}{${matchers.join(',')}}`;
}

/** A selector inside `absent(…)`/`absent_over_time(…)`: expected to have no series at times. */
function insideAbsent(expr: string, sel: Selector): boolean {
  for (let n = sel.node.parent; n !== null; n = n.parent) {
    if (n.name === 'FunctionCall' && ABSENT_FUNCTIONS.has(functionName(expr, n))) return true;
  }
  return false;
}
