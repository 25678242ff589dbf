/**
 * `contract/range-too-short`: a `rate`-like function (it needs two samples in its window) reads a range shorter
 * than two sample intervals of the series it selects, given prometheus.yml (scrape intervals; a recorded series'
 * group interval). Rules only: dashboards' ranges are Grafana's. See docs/checks/contract-range-too-short.md.
 */
import { formatDuration } from '../util/duration.ts';
import type { Finding } from '../util/finding.ts';
import { at, type ContractRule } from './lib/contract-analysis.ts';

export const CONTRACT_RANGE_TOO_SHORT = 'contract/range-too-short';

export const contractRangeTooShort: ContractRule = {
  id: CONTRACT_RANGE_TOO_SHORT,
  expression(e, analysis) {
    const findings: Finding[] = [];
    for (const w of e.facts?.windows ?? []) {
      const every = w.name === undefined ? undefined : analysis.sampleInterval(w.name);
      if (every === undefined || w.rangeMs >= 2 * every.ms) continue;
      const step = formatDuration(every.ms);
      findings.push({
        check: CONTRACT_RANGE_TOO_SHORT,
        severity: 'error',
        ...at(e, w.from),
        message: `${w.fn}() over [${w.range}] of ${w.name}, which gets a sample every ${step} (${every.from}): ${w.fn} needs two samples in its window and one shorter than two intervals often holds one (an empty result, an alert that cannot fire); use at least [${formatDuration(2 * every.ms)}] ([${formatDuration(4 * every.ms)}] is safer)`,
      });
    }
    return findings;
  },
};
