/**
 * GETs to the local stack's own processes on 127.0.0.1 (`ghmon status`): node:http rather than fetch, whose
 * undici is loaded on first use and costs a short command like `ghmon status` a good part of its run time.
 * Bounded: a timeout and a size limit; every failure is `undefined`/`false`, never an exception.
 */
import { get } from 'node:http';

const TIMEOUT_MS = 3000;
const MAX_BYTES = 8 * 1024 * 1024;

/** The body of a 2xx answer, or undefined (error status, network error, timeout, over the size limit). */
export function getText(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: TIMEOUT_MS }, (res) => {
      const okStatus = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BYTES) req.destroy();
        else chunks.push(c);
      });
      res.on('end', () => resolve(okStatus ? Buffer.concat(chunks).toString('utf8') : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** Whether the URL answers 2xx. */
export async function isOk(url: string): Promise<boolean> {
  return (await getText(url)) !== undefined;
}

/** A 2xx answer's JSON body, or undefined. */
export async function getJson<T>(url: string): Promise<T | undefined> {
  const text = await getText(url);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
