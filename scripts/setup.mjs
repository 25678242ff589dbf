#!/usr/bin/env node
// Sets up whatever a fresh machine is missing, and says what it does. No dependencies of its own:
// it must run before `npm ci` has.
//   - `npm ci` when node_modules is missing or older than package-lock.json
//   - `npm run build` (scripts/build.mjs) when a published package's dist/ is missing or older than its src/
//   - Debian's prometheus, prometheus-alertmanager and prometheus-node-exporter when their binaries are missing
//   - Debian's python3-fastapi, -prometheus-client, -httpx, -uvicorn, -pytest when /usr/bin/python3 cannot import
//     them (python/greyhaven_metrics and examples/fastapi-service; PyPI is not used). Same apt-get run as above.
//   - Debian's chromium when /usr/bin/chromium is missing (the dashboard viewer's browser tests drive it with
//     playwright-core; no browser is downloaded). Same apt-get run.
// Flags: --node-only (skip Debian packages), --quiet (print only what it does).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackages } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));

/** Binaries we need, and the Debian package that ships each. */
export const DEBIAN_BINARIES = [
  ['prometheus', 'prometheus'],
  ['promtool', 'prometheus'],
  ['prometheus-alertmanager', 'prometheus-alertmanager'],
  ['amtool', 'prometheus-alertmanager'],
  ['prometheus-node-exporter', 'prometheus-node-exporter'],
  // The long-term store `ghmon up --long-term` runs (and its tests use): VictoriaMetrics single node.
  ['victoria-metrics', 'victoria-metrics'],
];

function say(msg) {
  process.stderr.write(`[setup] ${msg}\n`);
}

function run(cmd, argv, opts = {}) {
  say(`$ ${[cmd, ...argv].join(' ')}`);
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    say(`failed: ${cmd} ${argv.join(' ')} (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

/** The browser the dashboard viewer's tests drive (Debian's package; tests pass this path as executablePath). */
export const CHROMIUM = '/usr/bin/chromium';

/** Python modules the Python package, its tests and the FastAPI example need, and the Debian package of each. */
export const DEBIAN_PYTHON_MODULES = [
  ['fastapi', 'python3-fastapi'],
  ['prometheus_client', 'python3-prometheus-client'],
  ['httpx', 'python3-httpx'],
  ['uvicorn', 'python3-uvicorn'],
  ['pytest', 'python3-pytest'],
  // python/packaging.test.ts: builds the wheel and sdist offline and pip-installs them into venvs.
  ['build', 'python3-build'],
  ['setuptools', 'python3-setuptools'],
  ['wheel', 'python3-wheel'],
  ['pip', 'python3-pip'],
  // `python3 -m venv` (ensurepip's presence is how Debian's python3-venv shows; only Suggested by python3-build).
  ['ensurepip', 'python3-venv'],
];

/** Debian packages for the Python modules /usr/bin/python3 cannot import (all of them if there is no python3). */
function missingPythonPackages() {
  const python = '/usr/bin/python3';
  const all = DEBIAN_PYTHON_MODULES.map(([, pkg]) => pkg);
  if (!existsSync(python)) return ['python3', ...all];
  const check = [
    'import importlib, sys',
    'def missing(m):',
    '    try: importlib.import_module(m)',
    '    except Exception: return True',
    '    return False',
    'print(",".join(m for m in sys.argv[1:] if missing(m)))',
  ].join('\n');
  const modules = DEBIAN_PYTHON_MODULES.map(([mod]) => mod);
  const r = spawnSync(python, ['-c', check, ...modules], { encoding: 'utf8' });
  if (r.status !== 0) return all;
  const missing = new Set(r.stdout.trim().split(',').filter(Boolean));
  return DEBIAN_PYTHON_MODULES.filter(([mod]) => missing.has(mod)).map(([, pkg]) => pkg);
}

function onPath(bin) {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/sbin', '/bin']);
  return dirs.some((d) => d && existsSync(join(d, bin)));
}

function mtime(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

// 1. Node packages.
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || mtime(installed) < mtime(lock)) {
  say(existsSync(installed) ? 'package-lock.json changed: reinstalling node packages' : 'installing node packages');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// 2. The published packages' dist/ (tsc -b; nothing when up to date). `ghmon` runs from it.
buildPackages({ quiet: args.has('--quiet') });

// 3. Debian packages.
if (!args.has('--node-only')) {
  const missing = [
    ...new Set([
      ...DEBIAN_BINARIES.filter(([bin]) => !onPath(bin)).map(([, pkg]) => pkg),
      ...missingPythonPackages(),
      ...(existsSync(CHROMIUM) ? [] : ['chromium']),
    ]),
  ];
  if (missing.length > 0) {
    say(`missing Debian packages: ${missing.join(', ')}`);
    const sudo = process.getuid && process.getuid() !== 0 ? ['sudo'] : [];
    const apt = (argv) =>
      sudo.length
        ? run('sudo', ['apt-get', ...argv], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
        : run('apt-get', argv, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    apt(['update', '-q']);
    apt(['install', '-y', '-q', '--no-install-recommends', ...missing]);
  }
}
