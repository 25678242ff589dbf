/**
 * src/replay/seed-rules.yml is the seed's rules verbatim: every recording rule and alert in it matches the seed
 * text (../shared/seed/prometheus-grafana-monitoring.md) exactly, and nothing in the seed's rule blocks is
 * missing from it. Skipped where ../shared is absent (the replay itself never needs it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SEED_RULES_FILE } from '../src/replay/run.ts';
import { REPO_ROOT } from './helpers.ts';

const SEED_MD = join(REPO_ROOT, '../shared/seed/prometheus-grafana-monitoring.md');

type Rule = Record<string, unknown>;

function rulesOf(doc: unknown): Rule[] {
  if (Array.isArray(doc)) return doc as Rule[];
  const groups = (doc as { groups?: { rules?: Rule[] }[] } | null)?.groups ?? [];
  return groups.flatMap((g) => g.rules ?? []);
}

describe.skipIf(!existsSync(SEED_MD))("the seed's rules shipped for the replay", () => {
  const md = readFileSync(SEED_MD, 'utf8');
  const seedRules = [...md.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => parse(m[1] as string))
    .flatMap(rulesOf)
    .filter((r) => typeof r.record === 'string' || typeof r.alert === 'string');
  const shipped = rulesOf(parse(readFileSync(SEED_RULES_FILE, 'utf8')));

  it('are the seed text rule for rule: the same names, expressions, `for`, labels and annotations', () => {
    expect(seedRules).toHaveLength(17);
    expect(shipped).toEqual(seedRules);
  });

  it('keep the seed text byte for byte in every expression', () => {
    const text = readFileSync(SEED_RULES_FILE, 'utf8');
    for (const r of seedRules) {
      const expr = String(r.expr).trimEnd();
      for (const line of expr.split('\n')) expect(text).toContain(line);
    }
    expect(text).toContain('../shared/seed/prometheus-grafana-monitoring.md');
  });
});
