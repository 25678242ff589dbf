/**
 * The local stack's config: the user's config with every target moved to 127.0.0.1, each service played by a
 * demo service of its runtime, PagerDuty pointed at the local receiver with a local routing key file, and the
 * Watchdog at the receiver's heartbeat endpoint. Thresholds, SLOs and routing structure stay the user's, so the
 * same generators produce the files the stack runs. A push service stays a push service: its demo pushes to the
 * local Prometheus' remote-write receiver as a Worker does (components.ts), so the rules and alerts the stack runs
 * are the ones deployed for it. `fast` shortens intervals for demos and tests.
 */

import { validateConfig } from '../config/load.ts';
import type { MonitoringConfig } from '../config/schema.ts';
import { alertmanagerNames, prometheusNames } from './components.ts';
import type { Layout } from './layout.ts';
import { localLongTerm } from './long-term.ts';
import type { Ports } from './ports.ts';
import { VICTORIA_METRICS } from './spec.ts';

export interface LocalOptions {
  ports: Ports;
  layout: Layout;
  fast?: boolean;
  /** Run VictoriaMetrics (its port under `victoria-metrics`) and remote-write to it. */
  longTerm?: boolean;
}

export function localConfig(config: MonitoringConfig, opts: LocalOptions): MonitoringConfig {
  const { ports, layout } = opts;
  const port = (name: string) => {
    const p = ports[name];
    if (p === undefined) throw new Error(`no port for ${name}`);
    return p;
  };
  const receiver = `http://127.0.0.1:${port('receiver')}`;
  const local: MonitoringConfig = {
    ...structuredClone(config),
    environment: 'local',
    services: config.services.map((s) => {
      if (s.push) return structuredClone(s);
      // The demo services' /metrics ask for a token, as in production (config/scrape-auth.ts): the path is proven
      // end to end even though a 127.0.0.1 target may go without.
      const scrape = {
        targets: [`127.0.0.1:${port(s.name)}`],
        scheme: 'http' as const,
        metricsPath: '/metrics',
        ...(s.scrape?.singleInstance !== undefined ? { singleInstance: s.scrape.singleInstance } : {}),
      };
      return { ...s, scrape: { ...scrape, auth: { bearerTokenFile: layout.metricsTokenFile } } };
    }),
    // Under --scale no Prometheus runs: the store answers its query API in its place.
    prometheus: {
      targets: config.scale
        ? [`127.0.0.1:${port(VICTORIA_METRICS)}`]
        : prometheusNames(config).map((n) => `127.0.0.1:${port(n)}`),
    },
    alertmanager: { targets: alertmanagerNames(config).map((n) => `127.0.0.1:${port(n)}`) },
    nodeExporter: { targets: [`127.0.0.1:${port('node-exporter')}`] },
    routing: {
      ...config.routing,
      page: { routingKeyFile: layout.routingKeyFile },
      ticket: { routingKeyFile: layout.routingKeyFile },
      pagerdutyUrl: `${receiver}/v2/enqueue`,
      deadMansSwitch: { url: `${receiver}/heartbeat` },
    },
  };
  // The local stack never writes to the config's own long-term store: the local VictoriaMetrics, or none.
  delete local.longTerm;
  if (opts.longTerm) local.longTerm = localLongTerm(port(VICTORIA_METRICS), opts.fast ?? false, config.longTerm);
  if (opts.fast) {
    Object.assign(local, { scrapeInterval: '2s', evaluationInterval: '2s' });
    local.thresholds = { ...local.thresholds, targetDown: { ...local.thresholds.targetDown, for: '10s' } };
    local.routing = { ...local.routing, groupWait: '2s', pageGroupWait: '2s', groupInterval: '10s' };
  }
  return validateConfig(local, 'local stack config');
}
