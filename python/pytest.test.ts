/**
 * Runs the Python tests from `npm test`: python/tests (the package on real FastAPI/Starlette apps, and under
 * `uvicorn --workers 2` in multiprocess mode) and examples/fastapi-service (the example service on a real port),
 * with Debian's pytest under /usr/bin/python3 (the `python3` first on PATH may not see Debian's packages).
 * Any non-zero exit fails, including pytest's 5 ("no tests collected").
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TIMEOUT_MS = 240_000;

it(
  'pytest: python/tests and examples/fastapi-service pass',
  async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
    delete env.PROMETHEUS_MULTIPROC_DIR;
    delete env.prometheus_multiproc_dir;
    const child = spawn(
      '/usr/bin/python3',
      ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--color=no', 'python/tests', 'examples/fastapi-service'],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS - 5_000);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    });
    clearTimeout(timer);
    if (code !== 0) console.error(output);
    expect(code, `pytest exited with ${code}:\n${output}`).toBe(0);
    const passed = /(\d+) passed/.exec(output);
    expect(Number(passed?.[1] ?? 0), output).toBeGreaterThan(0);
    expect(output).not.toMatch(/\d+ (failed|error)/);
  },
  TIMEOUT_MS,
);
