/**
 * Free TCP ports on 127.0.0.1 for processes ghmon starts (tests, benchmarks, the throwaway VictoriaMetrics of a
 * replay or a backtest): below the kernel's ephemeral range (see freePort), checked free by binding them.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { threadId } from 'node:worker_threads';

/** Whether nothing listens on `port` at `host` (it binds the port exclusively, then closes it). */
export function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
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

/** freePort on 127.0.0.1. */
export function freeLocalPort(): Promise<number> {
  return freePort('127.0.0.1');
}
