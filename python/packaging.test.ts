/**
 * The Python package proven outside this repository: python/ is built into a wheel and an sdist with Debian's
 * tools only (`/usr/bin/python3 -m build --no-isolation`: python3-build, python3-setuptools, python3-wheel; no
 * PyPI), into a temp directory outside the repo. The wheel goes into one fresh venv and the sdist into another
 * (`/usr/bin/python3 -m venv --system-site-packages --without-pip`, so Debian's fastapi, uvicorn, prometheus_client
 * and pip are seen) with `pip install --no-index --no-deps --no-cache-dir`, pip building the sdist offline with
 * `--no-build-isolation`. In each venv, a small FastAPI app written into the temp dir runs under uvicorn on a free
 * 127.0.0.1 port, gets a known set of requests, and is scraped by a real Prometheus (test/support/prometheus.ts).
 *
 * Asserted: the wheel ships greyhaven_metrics/contract.json and policy.json (the repo's copies, byte for byte) and
 * py.typed, and
 * every file of the package; the sdist ships pyproject.toml, PKG-INFO and the package; in each venv the app
 * imports greyhaven_metrics from the venv's site-packages (never the repo's python/); Prometheus holds the
 * contract's series (`http_requests_total` by method, route template and status; the
 * `http_request_duration_seconds` buckets of the contract) with counts equal to the requests sent.
 *
 * python/ is copied (without caches) before building: setuptools writes build/ and *.egg-info/ into the source
 * directory, and the working tree is shared. A Debian tool that is missing fails the test naming its package
 * (scripts/setup.mjs installs them).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningPrometheus, startPrometheus } from '../test/support/prometheus.ts';
import { until } from '../test/support/until.ts';

const PYTHON_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(PYTHON_DIR, '..');
const PYTHON = '/usr/bin/python3';
const KINDS = ['wheel', 'sdist'] as const;
type Kind = (typeof KINDS)[number];

/** Modules the build, the venvs and the app need from /usr/bin/python3, and the Debian package of each. */
const DEBIAN_MODULES: readonly [string, string][] = [
  ['build', 'python3-build'],
  ['setuptools', 'python3-setuptools'],
  ['wheel', 'python3-wheel'],
  ['pip', 'python3-pip'],
  ['venv', 'python3-venv'],
  ['fastapi', 'python3-fastapi'],
  ['uvicorn', 'python3-uvicorn'],
  ['prometheus_client', 'python3-prometheus-client'],
];

/** The requests each app gets, and what they must count as. */
const USERS_OK = 6;
const BOOM = 2;
const REQUESTS: string[] = [
  ...Array.from({ length: USERS_OK }, (_, i) => `/users/${i + 1}`),
  '/users/0', // HTTPException(404) from the route: keeps the template
  ...Array.from({ length: BOOM }, () => '/boom'), // raises: counted as 500
  '/no/such/page', // no route: __unmatched__
];
const USERS = '/users/{user_id}';
const EXPECTED_COUNTS: Record<string, number> = {
  [`GET ${USERS} 200`]: USERS_OK,
  [`GET ${USERS} 404`]: 1,
  'GET /boom 500': BOOM,
  'GET __unmatched__ 404': 1,
};
/** Pre-initialised at 0 when the (method, route) pair is first seen. */
const EXPECTED_ZERO = [`GET ${USERS} 500`];

const APP = `"""A FastAPI service outside the ghmon repository, using the installed greyhaven_metrics."""
import importlib.metadata
import json
import os
import sys
import sysconfig

import greyhaven_metrics
from fastapi import FastAPI, HTTPException
from greyhaven_metrics import MetricsMiddleware

app = FastAPI()
app.add_middleware(MetricsMiddleware)


@app.get("/users/{user_id}")
def get_user(user_id: int):
    if user_id == 0:
        raise HTTPException(status_code=404, detail="no such user")
    return {"id": user_id}


@app.get("/boom")
def boom():
    raise RuntimeError("the error route")


with open(os.environ["WHERE_FILE"], "w", encoding="utf-8") as f:
    json.dump(
        {
            "file": greyhaven_metrics.__file__,
            "purelib": sysconfig.get_paths()["purelib"],
            "prefix": sys.prefix,
            "version": importlib.metadata.version("greyhaven-metrics"),
            "path": sys.path,
        },
        f,
    )
`;

interface Result {
  code: number | null;
  output: string;
}

/** Runs a command to the end (killed after `timeoutMs`); throws with its output unless it exits 0. */
function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, [...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise({ code, output });
      else reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code ?? signal}):\n${output}`));
    });
  });
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
  }
}

/** An environment that sees neither the repo nor the caller's Python or pip settings. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(PYTHON|PIP_|VIRTUAL_ENV|PROMETHEUS_MULTIPROC_DIR$|prometheus_multiproc_dir$|GREYHAVEN_)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, PYTHONNOUSERSITE: '1', PIP_CONFIG_FILE: devNull, PIP_DISABLE_PIP_VERSION_CHECK: '1', ...extra };
}

const isInside = (child: string, parent: string) => {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
};

/** The files of python/greyhaven_metrics as the package ships them (no caches), relative to python/. */
function packageFiles(): string[] {
  const dir = join(PYTHON_DIR, 'greyhaven_metrics');
  return readdirSync(dir)
    .filter((f) => f !== '__pycache__' && !f.endsWith('.pyc'))
    .map((f) => `greyhaven_metrics/${f}`)
    .sort();
}

/** The duration histogram's buckets from the shipped contract.json (python/contract.test.ts: = contractJson()). */
function contractBuckets(): number[] {
  const contract = JSON.parse(archives.wheelContract) as { metrics: { name: string; buckets?: number[] }[] };
  const buckets = contract.metrics.find((m) => m.name === 'http_request_duration_seconds')?.buckets;
  if (!buckets?.length) throw new Error('contract.json: no buckets for http_request_duration_seconds');
  return buckets;
}

interface Installed {
  venv: string;
  port: number;
  url: string;
  child?: ChildProcess;
  log: string;
  installOutput: string;
  where?: { file: string; purelib: string; prefix: string; version: string; path: string[] };
}

let dir: string | undefined;
let wheelFile = '';
let sdistFile = '';
let archives: { wheel: string[]; sdist: string[]; wheelContract: string; wheelPolicy: string; sdistPyproject: string };
const installed = {} as Record<Kind, Installed>;
let prometheus: RunningPrometheus | undefined;
const timings: Record<string, number> = {};

async function installAndStart(kind: Kind, base: string): Promise<void> {
  const started = Date.now();
  const venv = join(base, `venv-${kind}`);
  const env = cleanEnv();
  // --without-pip: pip is Debian's python3-pip, seen through the system site-packages and installing into the
  // venv (what ensurepip would copy in is the same pip 23.0; skipping it saves seconds of CPU per venv).
  await run(PYTHON, ['-m', 'venv', '--system-site-packages', '--without-pip', venv], {
    cwd: base,
    env,
    timeoutMs: 60_000,
  });
  const artifact = kind === 'wheel' ? wheelFile : sdistFile;
  const pip = [
    '-m',
    'pip',
    'install',
    '--no-index',
    '--no-deps',
    '--no-cache-dir',
    ...(kind === 'sdist' ? ['--no-build-isolation'] : []),
    artifact,
  ];
  const { output } = await run(join(venv, 'bin/python'), pip, { cwd: base, env, timeoutMs: 60_000 });
  const port = await freePort();
  const entry: Installed = { venv, port, url: `http://127.0.0.1:${port}`, log: '', installOutput: output };
  installed[kind] = entry;

  const appDir = join(base, `app-${kind}`);
  mkdirSync(appDir);
  writeFileSync(join(appDir, 'app.py'), APP);
  const whereFile = join(appDir, 'where.json');
  const child = spawn(
    join(venv, 'bin/python'),
    ['-m', 'uvicorn', 'app:app', '--host', '127.0.0.1', '--port', String(port), '--no-access-log'],
    {
      cwd: appDir,
      env: cleanEnv({ WHERE_FILE: whereFile, PYTHONDONTWRITEBYTECODE: '1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  entry.child = child;
  process.once('exit', () => child.kill('SIGKILL'));
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (d: Buffer) => {
      entry.log = (entry.log + d.toString()).slice(-20_000);
    });
  }
  // Ready when /metrics answers: the middleware serves it itself, uninstrumented (no request is counted).
  await until(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('exited');
      const res = await fetch(`${entry.url}/metrics`);
      await res.arrayBuffer();
      return res.ok ? true : undefined;
    },
    `the ${kind} app on ${entry.url}`,
    20_000,
  ).catch((error) => {
    throw new Error(`${kind} app: ${(error as Error).message}\n${entry.log}`);
  });
  entry.where = JSON.parse(readFileSync(whereFile, 'utf8')) as Installed['where'];
  timings[kind] = Date.now() - started;
}

beforeAll(async () => {
  const started = Date.now();
  // Every tool from Debian, or a failure naming the packages to install.
  const check = [
    'import importlib, sys',
    'def missing(m):',
    '    try: importlib.import_module(m)',
    '    except Exception: return True',
    '    return False',
    'print(",".join(m for m in sys.argv[1:] if missing(m)))',
  ].join('\n');
  const { output } = await run(PYTHON, ['-c', check, ...DEBIAN_MODULES.map(([m]) => m)], {
    cwd: tmpdir(),
    env: cleanEnv(),
    timeoutMs: 30_000,
  }).catch((error: Error) => {
    throw new Error(`${PYTHON} does not run (Debian's python3 package; scripts/setup.mjs): ${error.message}`);
  });
  const missing = new Set(output.trim().split(',').filter(Boolean));
  const missingTools = DEBIAN_MODULES.filter(([m]) => missing.has(m)).map(([m, pkg]) => `${pkg} (module ${m})`);
  if (missingTools.length > 0) {
    throw new Error(
      `${PYTHON} lacks Debian packages: ${missingTools.join(', ')}; install them (npm run setup: scripts/setup.mjs)`,
    );
  }

  dir = realpathSync(mkdtempSync(join(tmpdir(), 'ghmon-pypkg-')));
  if (isInside(dir, realpathSync(ROOT))) throw new Error(`temp dir ${dir} is inside the repository`);

  // Build from a copy of python/ (setuptools writes build/ and *.egg-info/ into the source tree). `build` makes
  // the sdist, then the wheel from the sdist.
  const src = join(dir, 'src');
  const skip = new Set(['__pycache__', '.pytest_cache', 'build', 'dist', 'node_modules', '.venv']);
  cpSync(PYTHON_DIR, src, {
    recursive: true,
    filter: (p) => !skip.has(basename(p)) && !p.endsWith('.egg-info') && !p.endsWith('.pyc'),
  });
  const dist = join(dir, 'dist');
  const buildStarted = Date.now();
  await run(PYTHON, ['-m', 'build', '--no-isolation', '--outdir', dist, src], {
    cwd: dir,
    env: cleanEnv({ PYTHONDONTWRITEBYTECODE: '1' }),
    timeoutMs: 60_000,
  });
  timings.build = Date.now() - buildStarted;
  const built = readdirSync(dist);
  const wheels = built.filter((f) => f.endsWith('.whl'));
  const sdists = built.filter((f) => f.endsWith('.tar.gz'));
  expect(wheels, `one wheel in ${built.join(', ')}`).toHaveLength(1);
  expect(sdists, `one sdist in ${built.join(', ')}`).toHaveLength(1);
  wheelFile = join(dist, wheels[0] as string);
  sdistFile = join(dist, sdists[0] as string);

  const list = [
    'import json, sys, tarfile, zipfile',
    'w = zipfile.ZipFile(sys.argv[1]); t = tarfile.open(sys.argv[2])',
    'top = sys.argv[2].rsplit("/", 1)[-1][: -len(".tar.gz")]',
    'print(json.dumps({"wheel": w.namelist(), "sdist": [m.name for m in t.getmembers() if m.isfile()],',
    '  "wheelContract": w.read("greyhaven_metrics/contract.json").decode(),',
    '  "wheelPolicy": w.read("greyhaven_metrics/policy.json").decode(),',
    '  "sdistPyproject": t.extractfile(top + "/pyproject.toml").read().decode()}))',
  ].join('\n');
  archives = JSON.parse(
    (await run(PYTHON, ['-c', list, wheelFile, sdistFile], { cwd: dir, env: cleanEnv(), timeoutMs: 30_000 })).output,
  );

  const base = dir;
  // Both settle before anything is thrown, so afterAll finds every process that was started.
  const starts = await Promise.allSettled(KINDS.map((kind) => installAndStart(kind, base)));
  for (const s of starts) if (s.status === 'rejected') throw s.reason;

  prometheus = await startPrometheus({
    config: [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      ...KINDS.flatMap((kind) => [
        `  - job_name: ${kind}`,
        '    static_configs:',
        `      - targets: ['127.0.0.1:${installed[kind].port}']`,
      ]),
      '',
    ].join('\n'),
  });
  for (const kind of KINDS) {
    for (const path of REQUESTS) {
      const res = await fetch(`${installed[kind].url}${path}`);
      await res.arrayBuffer();
    }
  }
  await until(
    async () => {
      const v = await (prometheus as RunningPrometheus).query('sum by (job) (http_requests_total)');
      return KINDS.every((k) => Number(v.find((s) => s.metric.job === k)?.value[1]) === REQUESTS.length)
        ? true
        : undefined;
    },
    `Prometheus to scrape ${REQUESTS.length} requests from each app`,
    30_000,
  ).catch(async (error) => {
    const seen = await prometheus?.query('http_requests_total').catch(() => []);
    throw new Error(`${(error as Error).message}; seen: ${JSON.stringify(seen)}`);
  });
  timings.total = Date.now() - started;
  console.info(
    `python packaging: wheel ${statSync(wheelFile).size} B, sdist ${statSync(sdistFile).size} B; ` +
      `build ${timings.build} ms, wheel venv+app ${timings.wheel} ms, sdist venv+app ${timings.sdist} ms, ` +
      `all ${timings.total} ms`,
  );
}, 150_000);

afterAll(async () => {
  await prometheus?.stop();
  await Promise.all(KINDS.map((kind) => stopChild(installed[kind]?.child)));
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('greyhaven_metrics built and installed outside the repository', () => {
  it('the wheel ships the package with contract.json and policy.json (the repo copies) and py.typed', () => {
    expect(isInside(wheelFile, realpathSync(ROOT))).toBe(false);
    for (const file of packageFiles()) expect(archives.wheel, file).toContain(file);
    expect(archives.wheel).toContain('greyhaven_metrics/contract.json');
    expect(archives.wheel).toContain('greyhaven_metrics/policy.json');
    expect(archives.wheel).toContain('greyhaven_metrics/py.typed');
    expect(archives.wheel.some((f) => /\.dist-info\/METADATA$/.test(f))).toBe(true);
    expect(archives.wheel.filter((f) => !f.startsWith('greyhaven_metrics/') && !f.includes('.dist-info/'))).toEqual([]);
    expect(archives.wheelContract).toBe(readFileSync(join(PYTHON_DIR, 'greyhaven_metrics/contract.json'), 'utf8'));
    expect(archives.wheelPolicy).toBe(readFileSync(join(PYTHON_DIR, 'greyhaven_metrics/policy.json'), 'utf8'));
  });

  it('the sdist ships pyproject.toml, PKG-INFO and the package', () => {
    const top = basename(sdistFile, '.tar.gz');
    const inSdist = archives.sdist.map((f) => f.slice(top.length + 1));
    for (const file of ['pyproject.toml', 'PKG-INFO', 'README.md', ...packageFiles()]) {
      expect(inSdist, file).toContain(file);
    }
    expect(archives.sdistPyproject).toBe(readFileSync(join(PYTHON_DIR, 'pyproject.toml'), 'utf8'));
  });

  for (const kind of KINDS) {
    it(`installed from the ${kind}: imported from the venv's site-packages, not the repo`, () => {
      const { where, venv, installOutput } = installed[kind];
      expect(installOutput).toMatch(/Successfully installed greyhaven-metrics-/);
      if (kind === 'sdist') expect(installOutput).toMatch(/Successfully built greyhaven-metrics/);
      if (!where) throw new Error(`${kind}: the app did not report where greyhaven_metrics came from`);
      const file = realpathSync(where.file);
      expect(isInside(file, realpathSync(where.purelib)), `${file} in ${where.purelib}`).toBe(true);
      expect(isInside(file, realpathSync(venv)), `${file} in ${venv}`).toBe(true);
      expect(isInside(file, realpathSync(ROOT)), `${file} outside the repo`).toBe(false);
      expect(realpathSync(where.prefix)).toBe(realpathSync(venv));
      expect(where.path.some((p) => p !== '' && isInside(resolve(p), PYTHON_DIR))).toBe(false);
      expect(basename(kind === 'wheel' ? wheelFile : sdistFile)).toContain(where.version);
    });

    it(`installed from the ${kind}: a real Prometheus scrapes the contract's series with the counts sent`, async () => {
      const p = prometheus as RunningPrometheus;
      expect((await p.query(`up{job="${kind}"}`)).map((s) => s.value[1])).toEqual(['1']);

      const counts = new Map(
        (await p.query(`http_requests_total{job="${kind}"}`)).map((s) => [
          `${s.metric.method} ${s.metric.route} ${s.metric.status}`,
          Number(s.value[1]),
        ]),
      );
      const nonZero = Object.fromEntries([...counts].filter(([, v]) => v !== 0));
      expect(nonZero).toEqual(EXPECTED_COUNTS);
      for (const key of EXPECTED_ZERO) expect(counts.get(key), key).toBe(0);

      // The histogram: the contract's buckets (le="1.0" here, compared as numbers), cumulative, status labelled.
      const buckets = (
        await p.query(`http_request_duration_seconds_bucket{job="${kind}",route="${USERS}",method="GET",status="200"}`)
      )
        .map(
          (s) => [Number(s.metric.le === '+Inf' ? Number.POSITIVE_INFINITY : s.metric.le), Number(s.value[1])] as const,
        )
        .sort((a, b) => a[0] - b[0]);
      expect(buckets.map(([le]) => le)).toEqual([...contractBuckets(), Number.POSITIVE_INFINITY]);
      for (let i = 1; i < buckets.length; i++) {
        expect(buckets[i]?.[1]).toBeGreaterThanOrEqual(buckets[i - 1]?.[1] as number);
      }
      expect(buckets.at(-1)?.[1]).toBe(USERS_OK);

      const durationCounts = new Map(
        (await p.query(`http_request_duration_seconds_count{job="${kind}"}`)).map((s) => [
          `${s.metric.method} ${s.metric.route} ${s.metric.status}`,
          Number(s.value[1]),
        ]),
      );
      expect(Object.fromEntries([...durationCounts].filter(([, v]) => v !== 0))).toEqual(EXPECTED_COUNTS);
      // No request in flight once the last response was sent (the gauge drops after the body, so wait a scrape).
      await until(
        async () => ((await p.query(`http_active_connections{job="${kind}"} == 0`)).length === 1 ? true : undefined),
        'http_active_connections == 0',
        10_000,
      );
    });
  }
});
