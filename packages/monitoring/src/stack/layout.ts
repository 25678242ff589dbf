/** Where the local stack keeps its state (default `.ghmon/`, git-ignored): data, logs, pids, secrets, out. */
import { join, resolve } from 'node:path';

export interface Layout {
  root: string;
  out: string;
  logs: string;
  pids: string;
  data: string;
  secrets: string;
  /** The supervisor's own pid (one `ghmon up` at a time). */
  supervisorPid: string;
  /** Ports, URLs and process names of the running stack, for `ghmon status`, `incident`, `down`. */
  stackFile: string;
  routingKeyFile: string;
  /** The demo services' `/metrics` bearer token (random per state dir), sent by the local Prometheus. */
  metricsTokenFile: string;
  receiverState: string;
  /** `<holds>/<name>`: do not restart that process before the time in the file (crash incidents). */
  holds: string;
}

export function layout(stateDir = '.ghmon'): Layout {
  const root = resolve(stateDir);
  return {
    root,
    out: join(root, 'out'),
    logs: join(root, 'logs'),
    pids: join(root, 'pids'),
    data: join(root, 'data'),
    secrets: join(root, 'secrets'),
    supervisorPid: join(root, 'ghmon.pid'),
    stackFile: join(root, 'stack.json'),
    routingKeyFile: join(root, 'secrets', 'pagerduty-routing-key'),
    metricsTokenFile: join(root, 'secrets', 'metrics-token'),
    receiverState: join(root, 'data', 'receiver', 'incidents.json'),
    holds: join(root, 'holds'),
  };
}
