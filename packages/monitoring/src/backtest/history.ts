/**
 * `ghmon backtest`'s first half: the history the rules would have read. From the rule files of an out/ directory,
 * the raw selectors they read (recorded names are the rules' own output, ALERTS the engine's); from a Prometheus
 * (2.x HTTP API, basic auth or a bearer token), an estimate of the work before anything is fetched (series ×
 * samples over the range, refused over a limit), then the raw samples, chunk by chunk: one range selector
 * `sel[chunk]` per selector and chunk (Prometheus returns raw samples for a range vector, not resampled ones), each
 * chunk handed on as VictoriaMetrics import lines and dropped, so memory holds one chunk, never the range.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT } from '../conventions.ts';
import { readRuleFile } from '../outdir/rule-files.ts';
import { parsePromQL } from '../promql/parse.ts';
import { type Selector, selectors } from '../promql/selectors.ts';
import { UserError } from '../util/errors.ts';
import { type PrometheusApi, PrometheusApiError, prometheusApi, prometheusTarget } from '../util/prometheus-api.ts';

/** Series the rule engine itself writes: not history to fetch. */
const ENGINE_SERIES = new Set(['ALERTS', 'ALERTS_FOR_STATE']);
const TIMEOUT_MS = 60_000;
/** The most of one answer read (one chunk of one selector). */
const MAX_BYTES = 256 * 1024 ** 2;

export interface HistorySelector {
  /** The metric name. */
  name: string;
  /** The selector as PromQL (name and matchers). */
  text: string;
  /** The rules reading it (file:rule), for messages. */
  readers: string[];
}

/** The raw selectors the rules of `outDir`/prometheus/rules read, one per distinct selector text. */
export function historySelectors(outDir: string): HistorySelector[] {
  const dir = join(outDir, ...OUT.rulesDir.split('/'));
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  } catch {
    throw new UserError(`no rule files in ${dir}: run \`ghmon build\` first (or give --out)`);
  }
  const rules = files.flatMap((f) => readRuleFile(`${OUT.rulesDir}/${f}`, readFileSync(join(dir, f), 'utf8')).rules);
  const recorded = new Set(rules.filter((r) => r.kind === 'record').map((r) => r.name));
  const byText = new Map<string, HistorySelector>();
  for (const rule of rules) {
    const parsed = parsePromQL(rule.expr);
    if (parsed.error !== undefined) continue; // ghmon check reports it (contract/parse-error)
    for (const sel of selectors(rule.expr, parsed.tree)) {
      if (sel.name === undefined || recorded.has(sel.name) || ENGINE_SERIES.has(sel.name)) continue;
      const text = selectorText(sel);
      const entry = byText.get(text) ?? { name: sel.name, text, readers: [] };
      const reader = `${rule.file}:${rule.name}`;
      if (!entry.readers.includes(reader)) entry.readers.push(reader);
      byText.set(text, entry);
    }
  }
  return [...byText.values()].sort((a, b) => a.text.localeCompare(b.text));
}

function selectorText(sel: Selector): string {
  const matchers = sel.matchers
    .filter((m) => m.label !== '__name__')
    .map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`);
  return matchers.length ? `${sel.name}{${matchers.join(',')}}` : (sel.name as string);
}

export interface SourceOptions {
  url: string;
  /** Basic auth as `user` (default ghmon) with the password in this file. */
  passwordFile?: string | undefined;
  user?: string | undefined;
  /** A bearer token in this file. */
  bearerTokenFile?: string | undefined;
}

/** The Prometheus to read history from; a UserError for a bad URL or an unreadable credential file. */
export function historySource(opts: SourceOptions): PrometheusApi {
  const { base, headers } = prometheusTarget({ ...opts, user: opts.user ?? 'ghmon' });
  return prometheusApi({
    base,
    headers,
    timeoutMs: TIMEOUT_MS,
    maxBytes: MAX_BYTES,
    unauthorised: 'give --prometheus-password-file (basic auth) or --prometheus-bearer-token-file',
  });
}

export interface Range {
  /** Unix seconds. */
  from: number;
  to: number;
}

export interface Estimate {
  /** Distinct series of each selector over the range (a series read by two selectors counts twice). */
  series: Map<string, number>;
  /** Selectors with no series at all over the range: metrics absent from this history. */
  missing: HistorySelector[];
  /** Σ series × samples per series at the scrape interval. */
  samples: number;
}

/** How much the range holds, from /api/v1/series (label sets only): decided before any sample is fetched. */
export async function estimate(
  api: PrometheusApi,
  wanted: readonly HistorySelector[],
  range: Range,
  scrapeIntervalS: number,
): Promise<Estimate> {
  const series = new Map<string, number>();
  const missing: HistorySelector[] = [];
  let total = 0;
  for (const sel of wanted) {
    const found = await call(() =>
      api.get<unknown[]>('api/v1/series', { 'match[]': sel.text, start: String(range.from), end: String(range.to) }),
    );
    series.set(sel.text, found.length);
    if (found.length === 0) missing.push(sel);
    total += found.length;
  }
  return { series, missing, samples: total * Math.ceil((range.to - range.from) / scrapeIntervalS) };
}

/** One series of a chunk, as VictoriaMetrics' /api/v1/import takes it (a JSON line). */
export interface ImportSeries {
  metric: Record<string, string>;
  values: number[];
  /** Milliseconds. */
  timestamps: number[];
}

export interface FetchProgress {
  /** Chunks done of all, over every selector. */
  done: number;
  of: number;
  samples: number;
}

/**
 * The raw samples of every selector over the range, `chunkS` seconds at a time, oldest first: each chunk (all
 * selectors, a series read by several selectors once) goes to `sink` before the next is fetched.
 */
export async function fetchHistory(
  api: PrometheusApi,
  wanted: readonly HistorySelector[],
  range: Range,
  opts: {
    chunkS: number;
    sink: (series: ImportSeries[]) => Promise<void>;
    onProgress?: (p: FetchProgress) => void;
  },
): Promise<{ samples: number; series: number }> {
  const chunks = Math.max(1, Math.ceil((range.to - range.from) / opts.chunkS));
  let samples = 0;
  const seen = new Set<string>();
  for (let c = 0; c < chunks; c++) {
    const end = Math.min(range.to, range.from + (c + 1) * opts.chunkS);
    const width = end - (range.from + c * opts.chunkS);
    const batch = new Map<string, ImportSeries>();
    for (const sel of wanted) {
      // A range vector's raw samples. Prometheus 2 closes the range at both ends ([t − r, t]; 3 opens it at the
      // start), so a chunk reaches back 1 ms less than its width: the previous chunk's last sample is not read
      // twice; the first reaches 1 ms further, so the sample at `from` itself is read on either version.
      const ms = width * 1000 + (c === 0 ? 1 : -1);
      const data = await call(() =>
        api.get<{ resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] }>(
          'api/v1/query',
          { query: `${sel.text}[${ms}ms]`, time: String(end) },
        ),
      );
      for (const s of data.result) {
        const key = JSON.stringify(Object.entries(s.metric).sort());
        if (batch.has(key)) continue;
        seen.add(key);
        batch.set(key, {
          metric: s.metric,
          values: s.values.map(([, v]) => Number(v)),
          timestamps: s.values.map(([t]) => Math.round(t * 1000)),
        });
        samples += s.values.length;
      }
    }
    if (batch.size > 0) await opts.sink([...batch.values()]);
    opts.onProgress?.({ done: c + 1, of: chunks, samples });
  }
  return { samples, series: seen.size };
}

/** A PrometheusApiError as the user's error (exit 2 with the message, never a stack trace). */
async function call<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof PrometheusApiError) throw new UserError(err.message);
    throw err;
  }
}
