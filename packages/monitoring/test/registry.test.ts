/**
 * The registry of generators (src/generate.ts): every file of out/ — each golden file and each generated one —
 * has exactly one generator, which owns its folder alone; out/README.md lists every generator; and the golden check
 * fails in both directions (a golden file missing, a golden file no longer generated).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.ts';
import { OUT } from '../src/conventions.ts';
import { GENERATORS, type Generator, generate, generateDocuments, ownersOf } from '../src/generate.ts';
import type { OutDocument } from '../src/generators/document.ts';
import { buildModel, type Model } from '../src/model/model.ts';
import { expectGoldenTree, GOLDEN_DIR, goldenPaths } from './golden.ts';
import { FIXTURES, GREYHAVEN_CONFIG, tempDir } from './helpers.ts';

const greyhaven = buildModel(await loadConfig(GREYHAVEN_CONFIG));
// HA writes the files Grey Haven's config does not: a config per Prometheus replica and the Alertmanager cluster.
const ha = buildModel(await loadConfig(`${FIXTURES}ha.config.ts`));

/** Path → the ids of the generators whose documents have that path, running the registry as generate() does. */
function producers(model: Model, generators: readonly Generator[] = GENERATORS): Map<string, string[]> {
  const docs: OutDocument[] = [];
  const by = new Map<string, string[]>();
  for (const g of generators) {
    for (const d of g.documents(model, docs)) {
      by.set(d.path, [...(by.get(d.path) ?? []), g.id]);
      docs.push(d);
    }
  }
  return by;
}

/** Every path that is not produced by exactly one generator, or is owned by another or several. */
function ownershipProblems(
  paths: Iterable<string>,
  produced: Map<string, string[]>,
  generators: readonly Generator[] = GENERATORS,
): string[] {
  const problems: string[] = [];
  for (const path of paths) {
    const writers = produced.get(path) ?? [];
    const owners = ownersOf(path, generators).map((g) => g.id);
    if (writers.length !== 1) problems.push(`${path}: written by ${writers.length} generators (${writers.join(', ')})`);
    if (owners.length !== 1 || owners[0] !== writers[0]) {
      problems.push(`${path}: owned by ${owners.join(', ') || 'none'}, written by ${writers.join(', ') || 'none'}`);
    }
  }
  return problems;
}

describe('the registry of generators', () => {
  it('gives every golden file of Grey Haven exactly one generator, the one owning its folder', () => {
    const golden = goldenPaths(join(GOLDEN_DIR, 'greyhaven'));
    expect(golden.length).toBeGreaterThan(60);
    const produced = producers(greyhaven);
    expect(ownershipProblems(golden, produced)).toEqual([]);
    expect([...produced.keys()].sort()).toEqual([...golden].sort());
  });

  it.each([
    ['Grey Haven', greyhaven],
    ['HA', ha],
  ])('gives every generated file exactly one generator (%s)', (_, model) => {
    const produced = producers(model);
    expect(ownershipProblems(produced.keys(), produced)).toEqual([]);
    expect([...generate(model).keys()].sort()).toEqual([...produced.keys()].sort());
  });

  it('covers the HA files too', () => {
    const paths = [...generate(ha).keys()];
    expect(paths).toContain(OUT.alertmanagerCluster);
    expect(paths).toContain(OUT.prometheusReplicaConfig('prometheus-0'));
  });

  it('has folders that do not overlap: a file anywhere under one generator’s folder has that owner only', () => {
    expect(new Set(GENERATORS.map((g) => g.id)).size).toBe(GENERATORS.length);
    for (const g of GENERATORS) {
      const probe = g.folder === '' ? 'x.txt' : `${g.folder}/x.txt`;
      expect(ownersOf(probe).map((o) => o.id)).toEqual([g.id]);
    }
  });

  it('fails on a registry whose folders overlap, a file outside its folder, and a file written twice', () => {
    const overlapping: Generator[] = [
      ...GENERATORS,
      { ...(GENERATORS.find((g) => g.id === 'compose') as Generator), id: 'compose-again', documents: () => [] },
    ];
    const produced = producers(greyhaven, overlapping);
    expect(ownershipProblems([OUT.composeFile], produced, overlapping).join('\n')).toMatch(
      /owned by compose, compose-again/,
    );
    expect(() => generateDocuments(greyhaven, overlapping)).toThrow(
      `generator compose wrote ${OUT.composeFile}, which compose and compose-again own`,
    );

    const outside = GENERATORS.map((g) =>
      g.id === 'contract' ? { ...g, documents: () => [{ path: OUT.alertmanagerConfig, kind: 'text', value: '' }] } : g,
    ) as Generator[];
    expect(() => generateDocuments(greyhaven, outside)).toThrow(
      `generator contract wrote ${OUT.alertmanagerConfig}, which alertmanager owns`,
    );
    const twice = GENERATORS.map((g) =>
      g.id === 'contract'
        ? {
            ...g,
            documents: (m: Model, earlier: readonly OutDocument[]) => [
              ...g.documents(m, earlier),
              ...g.documents(m, earlier),
            ],
          }
        : g,
    );
    expect(() => generateDocuments(greyhaven, twice)).toThrow(
      `generators contract and contract both wrote ${OUT.contract}`,
    );
  });

  it('is what out/README.md lists, one row per generator in registry order', () => {
    const readme = generate(greyhaven).get(OUT.readme) ?? '';
    const rows = readme
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => l.slice(3, l.indexOf('`', 3)));
    expect(rows).toEqual(GENERATORS.filter((g) => g.enabled?.(greyhaven) ?? true).map((g) => g.files));
    // The optional groups are listed only when the config asks for them.
    expect(rows).not.toContain('victoriametrics/');
    expect(readme).toContain(`| \`${OUT.rulesDir}/*.yml\` | recording rules (\`greyhaven:*\`) and alerts |`);
  });
});

describe('the golden check', () => {
  const tree = (files: Record<string, string>) => {
    const dir = tempDir();
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(join(dir, 'case', rel, '..'), { recursive: true });
      writeFileSync(join(dir, 'case', rel), content);
    }
    return dir;
  };
  const generated = new Map([
    ['a.yml', 'a\n'],
    ['sub/b.yml', 'b\n'],
  ]);

  it('passes when the generated files and the golden files are the same', () => {
    expectGoldenTree('case', generated, tree({ 'a.yml': 'a\n', 'sub/b.yml': 'b\n' }));
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a golden file was not generated (stale)', { 'a.yml': 'a\n', 'sub/b.yml': 'b\n', 'sub/c.yml': 'c\n' }, /stale/],
    ['a generated file has no golden file', { 'a.yml': 'a\n' }, /golden file case\/sub\/b.yml is missing/],
    ['a generated file differs from its golden file', { 'a.yml': 'a\n', 'sub/b.yml': 'B\n' }, /sub\/b.yml differs/],
  ])('fails when %s', (_, golden, message) => {
    if (process.env.UPDATE_GOLDEN) return; // rewriting golden files compares nothing
    expect(() => expectGoldenTree('case', generated, tree(golden))).toThrow(message);
  });
});
