/** The local stack's ports: defaults, `--port name=N` overrides, and a check that each is free. */
import { UserError } from '../util/errors.ts';
import { freePort, isFree } from '../util/free-port.ts';

export { freePort };

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
