/**
 * Grey Haven's monitoring: the seed's system (../shared/seed/prometheus-grafana-monitoring.md) as one typed
 * definition. `ghmon build` turns it into out/; every value not set here is the seed's default
 * (15s intervals, 30d retention, 100Gi, the five alert thresholds, a 99.9% availability SLO over 30d).
 */
import { defineMonitoring } from '@greyhaven/monitoring';

/**
 * Latency SLO, on for every service: 95% of requests under 200 ms over 30 days — the line the seed's dashboard
 * marks critical. The contract has a histogram bucket at 0.2 s, so the SLI counts requests, it interpolates nothing.
 */
const LATENCY_SLO = { objective: 95, threshold: 0.2, window: '30d' };

export default defineMonitoring({
  environment: 'production',
  scrapeInterval: '15s',
  evaluationInterval: '15s',
  retention: '30d',
  storage: '100Gi',
  services: [
    {
      // The TanStack Start app on Cloudflare Workers. It pushes, it is not scraped as the seed did: a Worker runs
      // in many isolates at once and a scrape of api.greyhaven.io/metrics reaches one of them at random, so
      // http_requests_total jumps between isolates' counts and reads as counter resets — every rate, alert and SLO
      // on `api` would be wrong. Each isolate pushes its own cumulative series (its own `instance`) to Prometheus'
      // remote-write receiver through `withRemoteWrite` from '@greyhaven/metrics/workers', with the labels
      // { service: 'api', job: 'cloudflare-workers', runtime: 'workers', team: 'platform' }; the rules sum the
      // isolates. See docs/scaling.md, "Cloudflare Workers". (`ghmon check` rejects a scraped Worker:
      // docs/checks/workers-scraped.md.)
      name: 'api',
      job: 'cloudflare-workers',
      runtime: 'workers',
      push: { protocol: 'remote-write' },
      labels: { team: 'platform' },
      slo: { latency: LATENCY_SLO },
    },
    {
      // The FastAPI backend.
      name: 'backend',
      runtime: 'python',
      scrape: { targets: ['backend.greyhaven.internal:8000'] },
      labels: { team: 'platform' },
      slo: { latency: LATENCY_SLO },
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
  // monitoring`), with Prometheus' remote-write receiver on for the Workers API's pushes; the backend is scraped by a
  // ServiceMonitor selecting the Service labelled app.kubernetes.io/name=backend (port `http`, namespace `default`).
  kubernetes: { namespace: 'monitoring', releaseName: 'prometheus' },
});
