/**
 * Grey Haven's monitoring: the seed's system (../shared/seed/prometheus-grafana-monitoring.md) as one typed
 * definition. `ghmon build` turns it into out/; every value not set here is the seed's default
 * (15s intervals, 30d retention, 100Gi, the five alert thresholds, a 99.9% availability SLO over 30d).
 */
import { defineMonitoring } from '@greyhaven/monitoring';

export default defineMonitoring({
  environment: 'production',
  scrapeInterval: '15s',
  evaluationInterval: '15s',
  retention: '30d',
  storage: '100Gi',
  services: [
    {
      // The TanStack Start app on Cloudflare Workers, scraped as the seed does.
      name: 'api',
      job: 'cloudflare-workers',
      runtime: 'workers',
      scrape: { targets: ['api.greyhaven.io:443'], scheme: 'https', metricsPath: '/metrics' },
      labels: { team: 'platform' },
    },
    {
      // The FastAPI backend.
      name: 'backend',
      runtime: 'python',
      scrape: { targets: ['backend.greyhaven.internal:8000'] },
      labels: { team: 'platform' },
    },
  ],
  prometheus: { targets: ['localhost:9090'] },
  alertmanager: { targets: ['localhost:9093'] },
  nodeExporter: { targets: ['localhost:9100'] },
  slo: { availability: { objective: 99.9, window: '30d' } },
  routing: {
    page: { routingKeyFile: '/etc/alertmanager/secrets/pagerduty-page-routing-key' },
    ticket: { routingKeyFile: '/etc/alertmanager/secrets/pagerduty-ticket-routing-key' },
  },
  // out/kubernetes/: kube-prometheus-stack as the seed installs it (`helm install prometheus ... --namespace
  // monitoring`). The Workers API is scraped from outside the cluster; the backend by a ServiceMonitor selecting the
  // Service labelled app.kubernetes.io/name=backend (port `http`, namespace `default`).
  kubernetes: { namespace: 'monitoring', releaseName: 'prometheus' },
});
