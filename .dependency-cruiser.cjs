// Layer rules for `npm run lint` (dependency-cruiser 16: 17 needs Node ^20.12 and 18 needs Node 22; see ../shared/NOTES.md).
// The layers of packages/monitoring/src, lowest first: a module may import its own layer or any layer listed before it,
// never one after it (a "back edge"), and no module may be part of an import cycle. ../shared/ARCHITECTURE.md and
// docs/architecture.md draw the same list; `node scripts/deps.mjs` prints the folder graph, cycles, back edges and
// largest files from the same cruise.
const SRC = '^packages/monitoring/src/';

/** Lowest first. Each entry: a layer name and the path patterns (relative to src/) it owns. */
const LAYERS = [
  ['util', ['util/', 'conventions\\.ts$']],
  ['config', ['config/']],
  ['model', ['model/']],
  ['generators', ['generators/']],
  ['generate', ['generate\\.ts$']],
  ['outdir', ['outdir/']],
  ['promql', ['promql/']],
  ['checks', ['checks/']],
  ['replay', ['replay/']],
  ['backtest', ['backtest/']],
  ['stack', ['stack/']],
  ['deploy', ['deploy/']],
  ['cli', ['cli/']],
  ['index', ['index\\.ts$']],
];

const pathOf = (patterns) => patterns.map((p) => `${SRC}${p}`);

const backEdges = LAYERS.slice(0, -1).map(([name, own], i) => ({
  name: `layer-${name}`,
  comment: `${name} may import only the layers below it (${
    LAYERS.slice(0, i)
      .map(([n]) => n)
      .join(', ') || 'none'
  }), never ${LAYERS.slice(i + 1)
    .map(([n]) => n)
    .join(', ')}.`,
  severity: 'error',
  from: { path: pathOf(own) },
  to: { path: LAYERS.slice(i + 1).flatMap(([, p]) => pathOf(p)) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle: modules that cannot be read, tested or layered one without the other.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...backEdges,
    {
      name: 'contract-has-no-dependencies',
      comment: '@greyhaven/metric-contract is the zero-dependency base both instrumentation packages read.',
      severity: 'error',
      from: { path: '^packages/contract/src/' },
      to: { pathNot: '^packages/contract/' },
    },
    {
      name: 'metrics-reads-only-the-contract',
      comment: '@greyhaven/metrics (instrumentation) must not depend on ghmon, its dashboard or the CLI.',
      severity: 'error',
      from: { path: '^packages/metrics/src/' },
      to: { path: '^packages/(monitoring|dashboard)/' },
    },
    {
      name: 'monitoring-src-not-tests',
      comment: 'Production code never imports a test, fixture or golden file.',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/' },
      to: { path: '(^|/)test/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      conditionNames: ['@greyhaven/source', 'import', 'types', 'default'],
      extensions: ['.ts', '.js', '.mjs'],
    },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
  },
};

// For scripts/deps.mjs; not enumerable, as dependency-cruiser rejects unknown top-level keys.
Object.defineProperty(module.exports, 'LAYERS', { value: LAYERS, enumerable: false });
