/** `ghmon up`: run the whole stack locally on real binaries until Ctrl-C or `ghmon down`. */
import { loadConfig } from '../config/load.ts';
import { parsePortOverrides } from '../stack/ports.ts';
import type { SupervisorEvent } from '../stack/supervisor.ts';
import { type RunningStack, startStack } from '../stack/up.ts';
import type { Io } from './io.ts';

export interface UpCliOptions {
  config: string;
  state: string;
  ports: string[];
  rps: number;
  fast: boolean;
  /** `--long-term`: also VictoriaMetrics, with Prometheus remote-writing to it. */
  longTerm?: boolean;
  ha?: boolean;
  /** `--scale`: vmagent, VictoriaMetrics and vmalert instead of Prometheus. */
  scale?: boolean;
}

function describe(e: SupervisorEvent): string | undefined {
  switch (e.type) {
    case 'starting':
      return undefined;
    case 'ready':
      return `  ✓ ${e.name} ready (${(e.ms / 1000).toFixed(1)}s)`;
    case 'exited':
      return `  ! ${e.name} exited (${e.signal ?? `code ${e.code}`})`;
    case 'restarting':
      return `  ↻ ${e.name}: restart #${e.attempt} in ${(e.inMs / 1000).toFixed(1)}s`;
    case 'stopped':
      return `  ■ ${e.name} stopped`;
  }
}

export function printStack(stack: RunningStack, io: Io): void {
  const { info } = stack;
  io.out('');
  io.out(
    `ghmon up: ${info.components.length} processes ready in ${(stack.readyMs / 1000).toFixed(1)}s (state in ${stack.layout.root})`,
  );
  io.out('');
  io.out(`  ${'component'.padEnd(16)}${'port'.padEnd(8)}open`);
  for (const c of info.components) {
    io.out(`  ${c.name.padEnd(16)}${String(c.port ?? '').padEnd(8)}${c.url ?? ''}`);
  }
  io.out('');
  io.out('  Everything listens on 127.0.0.1 only; web auth is off locally (production outputs enable it).');
  io.out(
    `  The demo services' /metrics ask for the bearer token in ${stack.layout.metricsTokenFile} (${info.ports.prometheus ? 'Prometheus' : 'vmagent'} sends it).`,
  );
  const pushing = info.pushServices ?? [];
  if (pushing.length > 0) {
    io.out(
      `  ${pushing.join(', ')} push${pushing.length === 1 ? 'es' : ''} like a Cloudflare Worker (RemoteWriter from @greyhaven/metrics/workers, a random instance per process) to Prometheus' remote-write receiver, http://127.0.0.1:${info.ports.prometheus}/api/v1/write: no scrape target, no /metrics.`,
    );
  }
  io.out(`  Dashboards (the generated Grafana JSON, live): http://127.0.0.1:${info.ports.dashboard}/`);
  const vm = info.components.find((c) => c.name === 'victoria-metrics');
  if (vm?.url) io.out(`  Long-term store (VictoriaMetrics, Prometheus-compatible query API): ${vm.url}/api/v1/query`);
  const longTermDashboards = info.components.find((c) => c.name === 'dashboard-long-term');
  if (longTermDashboards?.url) io.out(`  Dashboards over the long-term store: ${longTermDashboards.url}`);
  io.out(`  Pages go to the local PagerDuty receiver: http://127.0.0.1:${info.ports.receiver}/`);
  // A crash pages fastest on a scraped service (its target goes down); a push service's crash only stops its pushes.
  const scraped = info.services.find((s) => !pushing.includes(s));
  io.out(
    `  Try: ghmon incident crash${scraped && scraped !== info.services[0] ? ` --service ${scraped}` : ''} --duration 2m   ·   ghmon status   ·   Ctrl-C or \`ghmon down\` to stop`,
  );
}

export async function up(opts: UpCliOptions, io: Io): Promise<number> {
  const config = await loadConfig(opts.config);
  io.out(
    opts.scale
      ? 'ghmon up --scale: starting 2 vmagent, VictoriaMetrics, 2 vmalert, 3 Alertmanager peers, node_exporter, the demo services and the PagerDuty receiver…'
      : 'ghmon up: starting Prometheus, Alertmanager, node_exporter, the demo services and the PagerDuty receiver…',
  );
  const stack = await startStack({
    config,
    stateDir: opts.state,
    ports: parsePortOverrides(opts.ports),
    rps: opts.rps,
    fast: opts.fast,
    longTerm: opts.longTerm ?? false,
    ha: opts.ha ?? false,
    scale: opts.scale ?? false,
    onEvent: (e) => {
      const line = describe(e);
      if (line) io.out(line);
    },
  });
  printStack(stack, io);
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      io.out('\nghmon: stopping…');
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  await stack.stop();
  io.out('ghmon: stopped, no process left.');
  return 0;
}
