/**
 * The layer rule of `npm run lint` (.dependency-cruiser.cjs): the real tree passes, and the same config fails on a
 * tree with an introduced cycle and a back edge (a low layer importing a high one), naming the rule and the files.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CRUISER = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CONFIG = join(root, '.dependency-cruiser.cjs');

function cruise(cwd: string, paths: string[]) {
  const r = spawnSync(
    process.execPath,
    [CRUISER, ...paths, '--config', CONFIG, '--output-type', 'err', '--no-progress'],
    // CI may force colour (FORCE_COLOR); the assertions read plain text, so colour is turned off and any left stripped.
    { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } },
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences are what is removed
  const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
  return { code: r.status, out: plain(`${r.stdout}${r.stderr}`) };
}

const tmp = mkdtempSync(join(tmpdir(), 'ghmon-layers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmp, 'tree-'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { allowImportingTsExtensions: true } }));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const SRC = 'packages/monitoring/src';

describe('layer rule (dependency-cruiser)', () => {
  it('passes on the repository', () => {
    const r = cruise(root, ['packages/contract/src', 'packages/metrics/src', 'packages/dashboard/src', `${SRC}`]);
    expect(r.out).toContain('no dependency violations found');
    expect(r.code).toBe(0);
  });

  it('fails on an import cycle inside one layer', () => {
    const dir = tree({
      [`${SRC}/checks/a.ts`]: "import { b } from './b.ts';\nexport const a = () => b;\n",
      [`${SRC}/checks/b.ts`]: "import { a } from './a.ts';\nexport const b = () => a;\n",
    });
    const r = cruise(dir, [SRC]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/no-circular: packages\/monitoring\/src\/checks\/a\.ts/);
  });

  it('fails on a back edge: a generator importing a check, util importing the CLI', () => {
    const dir = tree({
      [`${SRC}/checks/finding.ts`]: 'export const x = 1;\n',
      [`${SRC}/cli/main.ts`]: 'export const y = 2;\n',
      [`${SRC}/generators/grafana/panel.ts`]: "import { x } from '../../checks/finding.ts';\nexport const p = x;\n",
      [`${SRC}/util/io.ts`]: "import { y } from '../cli/main.ts';\nexport const q = y;\n",
    });
    const r = cruise(dir, [SRC]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(
      /layer-generators: packages\/monitoring\/src\/generators\/grafana\/panel\.ts → \s*packages\/monitoring\/src\/checks\/finding\.ts/,
    );
    expect(r.out).toMatch(
      /layer-util: packages\/monitoring\/src\/util\/io\.ts → \s*packages\/monitoring\/src\/cli\/main\.ts/,
    );
  });

  it('keeps @greyhaven/metrics free of the CLI', () => {
    const dir = tree({
      'packages/monitoring/src/cli/main.ts': 'export const y = 2;\n',
      'packages/metrics/src/core.ts': "import { y } from '../../monitoring/src/cli/main.ts';\nexport const z = y;\n",
    });
    const r = cruise(dir, ['packages/metrics/src']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('metrics-reads-only-the-contract');
  });

  it('scripts/deps.mjs reports the folder graph with no cycles and no back edges', () => {
    const report = JSON.parse(
      execFileSync(process.execPath, [join(root, 'scripts/deps.mjs'), '--json'], { cwd: root, encoding: 'utf8' }),
    );
    expect(report.folderCycles).toEqual([]);
    expect(report.fileCycleEdges).toEqual([]);
    expect(report.backEdges).toEqual([]);
    expect(report.unlayered).toEqual([]);
    expect(report.modules).toBeGreaterThan(100);
  });
});
