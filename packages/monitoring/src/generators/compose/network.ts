/** The Compose network: service names (also their host names inside the network) and published ports. */
import { JOB } from '../../conventions.ts';

/** Service names in the Compose file (also their host names inside the Compose network). */
export const COMPOSE_SERVICE = {
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  nodeExporter: JOB.nodeExporter,
  grafana: 'grafana',
} as const;

/** Ports, published on 127.0.0.1 only. */
export const COMPOSE_PORT = { prometheus: 9090, alertmanager: 9093, nodeExporter: 9100, grafana: 3000 } as const;
