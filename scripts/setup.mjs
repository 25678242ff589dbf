#!/usr/bin/env node
// Sets up whatever a fresh machine is missing, and says what it does. No dependencies of its own:
// it must run before `npm ci` has.
//   - `npm ci` when node_modules is missing or older than package-lock.json
//   - Debian's prometheus, prometheus-alertmanager and prometheus-node-exporter when their binaries are missing
// Flags: --node-only (skip Debian packages), --quiet (print only what it does).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));

/** Binaries we need, and the Debian package that ships each. */
export const DEBIAN_BINARIES = [
  ['prometheus', 'prometheus'],
  ['promtool', 'prometheus'],
  ['prometheus-alertmanager', 'prometheus-alertmanager'],
  ['amtool', 'prometheus-alertmanager'],
  ['prometheus-node-exporter', 'prometheus-node-exporter'],
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

// 2. Debian packages.
if (!args.has('--node-only')) {
  const missing = [...new Set(DEBIAN_BINARIES.filter(([bin]) => !onPath(bin)).map(([, pkg]) => pkg))];
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
