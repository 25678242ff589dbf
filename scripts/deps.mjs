#!/usr/bin/env node
// The folder graph of packages/monitoring/src from dependency-cruiser (the same cruise `npm run lint` runs):
// folders and their imports, folder-level cycles (strongly connected components), file-level cycles, back edges
// against the layers in .dependency-cruiser.cjs, and the largest files. `node scripts/deps.mjs [--json]`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { LAYERS } = require(join(root, '.dependency-cruiser.cjs'));
const SRC = 'packages/monitoring/src/';

const cruise = JSON.parse(
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
      SRC,
      '--config',
      join(root, '.dependency-cruiser.cjs'),
      '--output-type',
      'json',
      '--no-progress',
    ],
    { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  ),
);

/** A file's folder: its first directory under src/ (generators/<x> and checks/lib count as their own folders). */
function folderOf(file) {
  const rel = file.slice(SRC.length);
  const parts = rel.split('/');
  if (parts.length === 1) return rel.replace(/\.ts$/, '');
  if ((parts[0] === 'generators' || parts[0] === 'stack' || parts[0] === 'checks') && parts.length > 2)
    return `${parts[0]}/${parts[1]}`;
  return parts[0];
}
function layerOf(file) {
  const rel = file.slice(SRC.length);
  const i = LAYERS.findIndex(([, pats]) => pats.some((p) => new RegExp(`^${p}`).test(rel)));
  return i;
}

const modules = cruise.modules.filter((m) => m.source.startsWith(SRC));
const edges = new Map(); // "a\tb" -> count
const backEdges = [];
const unlayered = new Set();
for (const m of modules) {
  const a = folderOf(m.source);
  const la = layerOf(m.source);
  if (la < 0) unlayered.add(m.source.slice(SRC.length));
  for (const d of m.dependencies) {
    if (!d.resolved.startsWith(SRC)) continue;
    const b = folderOf(d.resolved);
    const lb = layerOf(d.resolved);
    if (la >= 0 && lb > la) backEdges.push(`${m.source.slice(SRC.length)} → ${d.resolved.slice(SRC.length)}`);
    if (a !== b) edges.set(`${a}\t${b}`, (edges.get(`${a}\t${b}`) ?? 0) + 1);
  }
}
const adj = new Map();
for (const k of edges.keys()) {
  const [a, b] = k.split('\t');
  if (!adj.has(a)) adj.set(a, []);
  adj.get(a).push(b);
}
// Tarjan's strongly connected components over folders.
const index = new Map();
const low = new Map();
const stack = [];
const on = new Set();
const sccs = [];
let n = 0;
function strong(v) {
  index.set(v, n);
  low.set(v, n++);
  stack.push(v);
  on.add(v);
  for (const w of adj.get(v) ?? []) {
    if (!index.has(w)) {
      strong(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (on.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) === index.get(v)) {
    const c = [];
    let w;
    do {
      w = stack.pop();
      on.delete(w);
      c.push(w);
    } while (w !== v);
    if (c.length > 1) sccs.push(c.sort());
  }
}
for (const v of new Set(modules.map((m) => folderOf(m.source)))) if (!index.has(v)) strong(v);

const fileCycles = [];
for (const m of modules)
  for (const d of m.dependencies)
    if (d.circular && d.resolved.startsWith(SRC))
      fileCycles.push(`${m.source.slice(SRC.length)} → ${d.resolved.slice(SRC.length)}`);

const sizes = modules
  .map((m) => ({
    file: m.source.slice(SRC.length),
    lines: readFileSync(join(root, m.source), 'utf8').split('\n').length,
  }))
  .sort((a, b) => b.lines - a.lines)
  .slice(0, 8);

const report = {
  modules: modules.length,
  folders: new Set(modules.map((m) => folderOf(m.source))).size,
  folderEdges: edges.size,
  folderCycles: sccs,
  fileCycleEdges: fileCycles,
  backEdges,
  unlayered: [...unlayered],
  largest: sizes,
  violations: cruise.summary.violations.filter((v) => v.rule.severity === 'error').length,
};
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  const out = [];
  out.push(`${report.modules} modules in ${report.folders} folders, ${report.folderEdges} folder→folder edges`);
  out.push(`folder cycles (strongly connected folders): ${sccs.length}`);
  for (const c of sccs) out.push(`  ${c.join(' ⇄ ')}`);
  out.push(`file-level edges inside a cycle: ${fileCycles.length}`);
  for (const e of fileCycles) out.push(`  ${e}`);
  out.push(`back edges (a layer importing one above it): ${backEdges.length}`);
  for (const e of backEdges) out.push(`  ${e}`);
  if (unlayered.size) out.push(`files in no layer: ${[...unlayered].join(', ')}`);
  out.push('largest files:');
  for (const s of sizes) out.push(`  ${String(s.lines).padStart(5)}  ${s.file}`);
  out.push('folder graph:');
  for (const a of [...adj.keys()].sort()) out.push(`  ${a.padEnd(24)} → ${adj.get(a).sort().join(', ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
}
