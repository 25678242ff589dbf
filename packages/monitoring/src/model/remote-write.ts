/**
 * `longTerm` on Kubernetes: prometheus.yml's `remote_write` (model/long-term.ts) as the Prometheus Operator's
 * RemoteWriteSpec in `prometheusSpec.remoteWrite`. The bearer token is a Secret reference
 * (`authorization.credentials`), which the operator reads itself, instead of a `credentials_file`.
 *
 * One field table serves both directions: the generator maps prometheus.yml → operator, and `kubernetes/promtool`
 * maps the values back to prometheus.yml to run `promtool check config` on them, so the two cannot drift apart.
 */
import type { RemoteWriteConfig } from './long-term.ts';

/** prometheus.yml `queue_config` key → the operator's `queueConfig` key. */
export const QUEUE_FIELDS = {
  capacity: 'capacity',
  min_shards: 'minShards',
  max_shards: 'maxShards',
  max_samples_per_send: 'maxSamplesPerSend',
  batch_send_deadline: 'batchSendDeadline',
  min_backoff: 'minBackoff',
  max_backoff: 'maxBackoff',
  retry_on_http_429: 'retryOnRateLimit',
} as const satisfies Record<keyof RemoteWriteConfig['queue_config'], string>;

/** prometheus.yml `remote_write` entry key → RemoteWriteSpec key (besides queue_config and authorization). */
export const REMOTE_WRITE_FIELDS = { url: 'url', name: 'name', remote_timeout: 'remoteTimeout' } as const;

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface OperatorRemoteWrite {
  url: string;
  name: string;
  remoteTimeout: string;
  authorization?: { type: 'Bearer'; credentials: SecretKeyRef };
  queueConfig: Record<string, string | number | boolean>;
}

function renamed(from: Record<string, unknown>, table: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(table).flatMap(([k, to]) => (k in from ? [[to, from[k]]] : [])));
}

/** One prometheus.yml remote_write entry as a RemoteWriteSpec; its token from `credentials` when it has one. */
export function operatorRemoteWrite(rw: RemoteWriteConfig, credentials: SecretKeyRef): OperatorRemoteWrite {
  return {
    ...(renamed(rw as unknown as Record<string, unknown>, REMOTE_WRITE_FIELDS) as Pick<
      OperatorRemoteWrite,
      'url' | 'name' | 'remoteTimeout'
    >),
    ...(rw.authorization ? { authorization: { type: 'Bearer' as const, credentials: { ...credentials } } } : {}),
    queueConfig: renamed(rw.queue_config, QUEUE_FIELDS) as OperatorRemoteWrite['queueConfig'],
  };
}

/**
 * The reverse, for checking: a RemoteWriteSpec from values.yaml as a prometheus.yml remote_write entry (a Secret
 * reference becomes a `credentials_file` named after it), and every key ghmon does not know, by path.
 */
export function prometheusRemoteWrite(spec: Record<string, unknown>): {
  config: Record<string, unknown>;
  unknown: string[];
} {
  const unknown: string[] = [];
  const known = new Set<string>([...Object.values(REMOTE_WRITE_FIELDS), 'queueConfig', 'authorization']);
  for (const k of Object.keys(spec)) if (!known.has(k)) unknown.push(k);
  const invert = (t: Record<string, string>) => Object.fromEntries(Object.entries(t).map(([a, b]) => [b, a]));
  const queue = (spec.queueConfig ?? {}) as Record<string, unknown>;
  const queueKeys = new Set<string>(Object.values(QUEUE_FIELDS));
  for (const k of Object.keys(queue)) if (!queueKeys.has(k)) unknown.push(`queueConfig.${k}`);
  const auth = spec.authorization as { type?: unknown; credentials?: { name?: unknown; key?: unknown } } | undefined;
  return {
    config: {
      ...renamed(spec, invert(REMOTE_WRITE_FIELDS)),
      ...(auth
        ? {
            authorization: {
              type: auth.type,
              credentials_file: `/secret/${String(auth.credentials?.name)}/${String(auth.credentials?.key)}`,
            },
          }
        : {}),
      queue_config: renamed(queue, invert(QUEUE_FIELDS)),
    },
    unknown,
  };
}
