/** The local stack's ports: defaults, `--port name=N` overrides, and a check that each is free. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { threadId } from 'node:worker_threads';
import { UserError } from '../util/errors.ts';

export const DEFAULT_PORTS = {
  prometheus: 9090,
  alertmanager: 9093,
  'node-exporter': 9100,
  receiver: 9099,
  dashboard: 3000,
  /** `ghmon up --long-term` only: VictoriaMetrics (its own default port). */
  'victoria-metrics': 8428,
  /** `ghmon up --long-term` only: a second dashboard viewer, reading the long-term store. */
  'dashboard-long-term': 3001,
} as const;

export type Ports = Record<string, number>;

/** Service ports follow from a base: the first service gets 8081, the next 8082, … */
export const SERVICE_BASE_PORT = 8081;

export function parsePortOverrides(specs: readonly string[]): Ports {
  const out: Ports = {};
  for (const spec of specs) {
    const m = /^([a-z][a-z0-9-]*)=(\d{1,5})$/.exec(spec);
    const port = m ? Number(m[2]) : Number.NaN;
    if (!m || port < 1 || port > 65535) {
      throw new UserError(`--port ${spec}: expected NAME=PORT with a port from 1 to 65535 (e.g. prometheus=19090)`);
    }
    out[m[1] as string] = port;
  }
  return out;
}

function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Throws a UserError naming every port that is already taken. */
export async function assertPortsFree(ports: Ports, host = '127.0.0.1'): Promise<void> {
  const taken: string[] = [];
  for (const [name, port] of Object.entries(ports)) {
    if (!(await isFree(port, host))) taken.push(`${name} on ${host}:${port}`);
  }
  if (taken.length) {
    throw new UserError(
      `port already in use: ${taken.join(', ')}. Stop what uses it, or choose another with --port NAME=PORT.`,
    );
  }
}

/**
 * The ports `freePort` hands out: from 10000 up to just below the kernel's ephemeral range. A port the OS picks
 * with `listen(0)` comes from the ephemeral range, which every outgoing connection also draws its source port
 * from: between closing the probe and the child process binding it, any `fetch` on the machine could take it
 * (CI once saw a dashboard die with EADDRINUSE that way). Below that range only listeners compete, and `isFree`
 * skips those. Where the ephemeral range starts too low to leave room, the OS picks (the old behaviour).
 */
const TEST_PORTS_FROM = 10_000;
function testPortRange(): { from: number; to: number } | undefined {
  let ephemeralFrom = 32_768; // Linux's default
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(first) && first > 0) ephemeralFrom = first;
  } catch {
    // not Linux: keep the default
  }
  const to = ephemeralFrom - 1;
  return to - TEST_PORTS_FROM >= 1000 ? { from: TEST_PORTS_FROM, to } : undefined;
}

let nextPort: number | undefined;

/**
 * A free port for a test to hand to a process it starts. Each process (and worker thread) walks its own sequence
 * from a start spread by pid and thread id, so parallel test workers do not pick the same port at the same moment,
 * and a worker never hands out a port twice until it has gone round the whole range.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const range = testPortRange();
  if (range === undefined) return osPort(host);
  const size = range.to - range.from + 1;
  nextPort ??= range.from + ((process.pid * 7919 + threadId * 104_729) % size);
  for (let tried = 0; tried < size; tried++) {
    const port: number = nextPort;
    nextPort = port >= range.to ? range.from : port + 1;
    if (await isFree(port, host)) return port;
  }
  return osPort(host);
}

/** A free port chosen by the OS (from the ephemeral range). */
function osPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
