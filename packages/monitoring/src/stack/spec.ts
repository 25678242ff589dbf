/**
 * The shared vocabulary of the local stack, a leaf every stack module may import: what a process spec is, the
 * Debian binaries the stack runs, and the names of the optional components. components.ts is the one place that
 * builds the specs from the model.
 */

export interface ChildSpec {
  name: string;
  kind: 'monitoring' | 'service' | 'tool';
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd: string;
  /** GET this URL until it answers 2xx; undefined: ready once started. */
  ready?: string;
  /** What to open in a browser, if anything. */
  url?: string;
  port?: number;
}

/** The binaries of Debian's packages the stack runs (scripts/setup.mjs installs them). */
export const BIN = {
  prometheus: '/usr/bin/prometheus',
  alertmanager: '/usr/bin/prometheus-alertmanager',
  nodeExporter: '/usr/bin/prometheus-node-exporter',
  victoriaMetrics: '/usr/bin/victoria-metrics',
} as const;

/** The long-term store's component name (also its `--port` name and its data directory under the state directory). */
export const VICTORIA_METRICS = 'victoria-metrics';
/** The second dashboard viewer: the same generated dashboards, reading the long-term store. */
export const LONG_TERM_DASHBOARD = 'dashboard-long-term';
/** Components (and ports) that only `--long-term` runs. */
export const LONG_TERM_COMPONENTS = [VICTORIA_METRICS, LONG_TERM_DASHBOARD] as const;
/** Prometheus ≥ 2.33: accept remote-write requests at /api/v1/write (push services need it). */
export const REMOTE_WRITE_RECEIVER_FLAG = '--web.enable-remote-write-receiver';
