/**
 * `/metrics` auth on the scrape side: which services Prometheus scrapes with a bearer token, and where the token
 * file is. Secure by default: a service with any target that is not on this machine (localhost, 127.0.0.0/8,
 * [::1]) is scraped with `authorization: { type: Bearer, credentials_file }`, the file defaulting to
 * `/etc/prometheus/secrets/ghmon-metrics-token-<service>/token` (where kube-prometheus-stack mounts the Secret
 * `ghmon-metrics-token-<service>` listed in `prometheusSpec.secrets`). Turning it off is explicit — `auth: 'none'` —
 * and for a non-local target also needs `allowUnauthenticated: true`, an acknowledgement that anyone who can reach
 * the target can read its metrics.
 */
import { z } from 'zod';

export const METRICS_TOKEN_DIR = '/etc/prometheus/secrets';
export const METRICS_TOKEN_KEY = 'token';

/** The Secret (Kubernetes) / secret directory (Compose, $GHMON_SECRETS_DIR) holding a service's metrics token. */
export const metricsTokenSecret = (service: string) => `ghmon-metrics-token-${service}`;

export const defaultMetricsTokenFile = (service: string) =>
  `${METRICS_TOKEN_DIR}/${metricsTokenSecret(service)}/${METRICS_TOKEN_KEY}`;

export const scrapeAuthSchema = z.union([
  z.literal('none'),
  z.strictObject({
    /** File holding the bearer token the service's `/metrics` expects (never inlined in the config). */
    bearerTokenFile: z.string().startsWith('/', 'expected an absolute path to a file holding the token'),
  }),
]);

export type ScrapeAuthInput = z.output<typeof scrapeAuthSchema>;

/** The fields `scrape` gets (spread into its strictObject). */
export const scrapeAuthFields = {
  /**
   * How Prometheus authenticates to `/metrics`. Default: a bearer token from
   * `/etc/prometheus/secrets/ghmon-metrics-token-<service>/token` for any non-local target, none for local ones.
   */
  auth: scrapeAuthSchema.optional(),
  /** Required with `auth: 'none'` for a non-local target: its metrics are readable by anyone who reaches it. */
  allowUnauthenticated: z.literal(true).optional(),
};

/** A target on this machine: `localhost`, 127.0.0.0/8 or `[::1]`. */
export function isLocalTarget(target: string): boolean {
  const host = target.replace(/:[0-9]+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/.test(host);
}

interface ScrapeLike {
  targets: string[];
  auth?: ScrapeAuthInput | undefined;
  allowUnauthenticated?: true | undefined;
}

interface IssueSink {
  addIssue(issue: { code: 'custom'; message: string; path: (string | number)[] }): void;
}

/** Field-path errors for a service's `scrape` auth settings. */
export function checkScrapeAuth(scrape: ScrapeLike | undefined, ctx: IssueSink): void {
  if (!scrape) return;
  const remote = scrape.targets.filter((t) => !isLocalTarget(t));
  if (scrape.auth === 'none' && remote.length > 0 && !scrape.allowUnauthenticated) {
    ctx.addIssue({
      code: 'custom',
      message: `"none" exposes the metrics of ${remote.join(', ')} to anyone who can reach it: set scrape.allowUnauthenticated: true to accept that, or give { bearerTokenFile }`,
      path: ['scrape', 'auth'],
    });
  }
  if (scrape.allowUnauthenticated && scrape.auth !== 'none') {
    ctx.addIssue({
      code: 'custom',
      message: "only with auth: 'none' (it acknowledges an unauthenticated scrape)",
      path: ['scrape', 'allowUnauthenticated'],
    });
  }
}

/** The model's scrape auth: the token file, or undefined for an unauthenticated scrape. */
export function resolveScrapeAuth(service: string, scrape: ScrapeLike): { bearerTokenFile: string } | undefined {
  if (scrape.auth === 'none') return undefined;
  if (scrape.auth) return { bearerTokenFile: scrape.auth.bearerTokenFile };
  if (scrape.targets.every(isLocalTarget)) return undefined;
  return { bearerTokenFile: defaultMetricsTokenFile(service) };
}

/** The services scraped with a token, with the Secret name and key their token lives under. */
export function tokenScrapedServices(services: readonly { name: string; scrape?: { auth?: unknown } }[]) {
  return services
    .filter((s) => s.scrape?.auth !== undefined)
    .map((s) => ({ service: s.name, secret: metricsTokenSecret(s.name), key: METRICS_TOKEN_KEY }));
}

/** The services with each token file moved to `fileOf(secret, key)` (where a deploy target mounts it). */
export function withTokenFiles<S extends { name: string; scrape?: { auth?: { bearerTokenFile: string } } }>(
  services: readonly S[],
  fileOf: (secret: string, key: string) => string,
): S[] {
  return services.map((s) =>
    s.scrape?.auth
      ? {
          ...s,
          scrape: { ...s.scrape, auth: { bearerTokenFile: fileOf(metricsTokenSecret(s.name), METRICS_TOKEN_KEY) } },
        }
      : s,
  );
}
