/**
 * PagerDuty Events API v2 alert events, checked the way PagerDuty documents them
 * (developer.pagerduty.com, "Send an Alert Event"): a 32-character `routing_key`; `event_action` trigger,
 * acknowledge or resolve; `dedup_key` up to 255 characters (required to acknowledge or resolve); for a trigger,
 * `payload.summary` (≤ 1024 characters), `payload.source` and `payload.severity` (critical, error, warning, info);
 * optional timestamp (ISO 8601), component, group, class, custom_details (object), images (`src` required) and
 * links (`href` required). Payloads are limited to 512 KB.
 */

export const MAX_EVENT_BYTES = 512 * 1024;
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export const ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;

export type Severity = (typeof SEVERITIES)[number];
export type Action = (typeof ACTIONS)[number];

export interface AlertEvent {
  routing_key: string;
  event_action: Action;
  dedup_key?: string;
  payload?: {
    summary: string;
    source: string;
    severity: Severity;
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
  client?: string;
  client_url?: string;
  links?: { href: string; text?: string }[];
  images?: { src: string; href?: string; alt?: string }[];
}

export type Validation = { ok: true; event: AlertEvent } | { ok: false; errors: string[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';

export function validateEvent(body: unknown): Validation {
  const errors: string[] = [];
  if (!isObject(body)) return { ok: false, errors: ['Event must be a JSON object'] };
  const { routing_key, event_action, dedup_key, payload } = body;
  if (!isString(routing_key) || routing_key.length === 0) errors.push("'routing_key' is missing or blank");
  else if (routing_key.length !== 32) errors.push("'routing_key' must be the 32 character integration key");
  if (!isString(event_action) || !(ACTIONS as readonly string[]).includes(event_action)) {
    errors.push("'event_action' must be one of trigger, acknowledge, resolve");
  }
  if (dedup_key !== undefined && (!isString(dedup_key) || dedup_key.length > 255)) {
    errors.push("'dedup_key' must be a string of at most 255 characters");
  }
  if ((event_action === 'acknowledge' || event_action === 'resolve') && !(isString(dedup_key) && dedup_key)) {
    errors.push(`'dedup_key' is required to ${event_action}`);
  }
  if (event_action === 'trigger') {
    if (!isObject(payload)) {
      errors.push("'payload' is missing");
    } else {
      const { summary, source, severity, timestamp } = payload;
      if (!isString(summary) || summary.trim() === '') errors.push("'payload.summary' is missing or blank");
      else if (summary.length > 1024) errors.push("'payload.summary' is longer than 1024 characters");
      if (!isString(source) || source.trim() === '') errors.push("'payload.source' is missing or blank");
      if (!isString(severity) || !(SEVERITIES as readonly string[]).includes(severity)) {
        errors.push("'payload.severity' must be one of critical, error, warning, info");
      }
      if (timestamp !== undefined && (!isString(timestamp) || Number.isNaN(Date.parse(timestamp)))) {
        errors.push("'payload.timestamp' must be an ISO 8601 timestamp");
      }
      for (const key of ['component', 'group', 'class'] as const) {
        if (payload[key] !== undefined && !isString(payload[key])) errors.push(`'payload.${key}' must be a string`);
      }
      if (payload.custom_details !== undefined && !isObject(payload.custom_details)) {
        errors.push("'payload.custom_details' must be an object");
      }
    }
  }
  const { links, images } = body;
  if (links !== undefined && (!Array.isArray(links) || !links.every((l) => isObject(l) && isString(l.href)))) {
    errors.push("'links' must be an array of objects with 'href'");
  }
  if (images !== undefined && (!Array.isArray(images) || !images.every((i) => isObject(i) && isString(i.src)))) {
    errors.push("'images' must be an array of objects with 'src'");
  }
  return errors.length ? { ok: false, errors } : { ok: true, event: body as unknown as AlertEvent };
}
