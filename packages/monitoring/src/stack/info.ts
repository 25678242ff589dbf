/**
 * What a running `ghmon up` writes about itself (stack.json), and reading it back. A leaf of the stack: `ghmon status`,
 * `incident` and `down` read it without loading the generators that `up` needs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { layout as makeLayout } from './layout.ts';
import { livePid } from './pids.ts';
import type { Ports } from './ports.ts';
import type { ChildSpec } from './spec.ts';

export interface StackInfo {
  pid: number;
  startedAt: string;
  ports: Ports;
  components: { name: string; kind: ChildSpec['kind']; url?: string; port?: number }[];
  services: string[];
  /** The services that push over remote write (no scrape target; `ghmon status` shows their newest sample). */
  pushServices?: string[];
  routingKeyFile: string;
  out: string;
}

/** Reads what a running `ghmon up` wrote about itself, or undefined. */
export function readStackInfo(stateDir?: string): StackInfo | undefined {
  const l = makeLayout(stateDir);
  if (!existsSync(l.stackFile) || livePid(l.supervisorPid) === undefined) return undefined;
  return JSON.parse(readFileSync(l.stackFile, 'utf8')) as StackInfo;
}
