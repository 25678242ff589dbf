/**
 * The notification model's routing, checked against the real Alertmanager's: every distinct alert label set the
 * replay routes goes once through `amtool config routes test --config.file=… name="value" …`, and the receivers
 * amtool prints (in route order, comma separated) must be the ones amconfig.ts picked.
 */

import { UserError } from '../util/errors.ts';
import { runTool } from '../util/tool.ts';
import { type Labels, labelKey } from './amconfig.ts';

export interface RouteCheck {
  labels: Labels;
  ours: string[];
}

/** The receivers amtool routes a label set to. */
export async function amtoolReceivers(amtool: string, configFile: string, labels: Labels): Promise<string[]> {
  const args = [
    'config',
    'routes',
    'test',
    `--config.file=${configFile}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
  ];
  const r = await runTool(amtool, args);
  if (r.code !== 0) {
    throw new UserError(`amtool config routes test failed on ${configFile} (exit ${r.code})`, [
      r.stderr.trim() || r.stdout.trim(),
    ]);
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return line === '' ? [] : line.split(',').map((s) => s.trim());
}

/**
 * Checks each label set once (a cache keyed by config file and labels, shared by every scenario); throws naming
 * the labels when amtool disagrees. Returns how many label sets amtool routed.
 */
export class AmtoolRouteChecker {
  private readonly done = new Map<string, Promise<void>>();
  constructor(
    private readonly amtool: string,
    private readonly jobs = 4,
  ) {}

  async check(configFile: string, routes: readonly RouteCheck[]): Promise<void> {
    const todo = routes.filter((r) => !this.done.has(`${configFile}\u0000${labelKey(r.labels)}`));
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const r = todo[next++] as RouteCheck;
        const key = `${configFile}\u0000${labelKey(r.labels)}`;
        if (this.done.has(key)) continue;
        const p = amtoolReceivers(this.amtool, configFile, r.labels).then((theirs) => {
          if (theirs.join(',') !== r.ours.join(',')) {
            const labels = Object.entries(r.labels)
              .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
              .join(', ');
            throw new UserError(
              `the replay's routing disagrees with amtool for {${labels}} in ${configFile}: the model picked ${r.ours.join(',') || 'nothing'}, amtool ${theirs.join(',') || 'nothing'}`,
            );
          }
        });
        this.done.set(key, p);
        await p;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.jobs, todo.length)) }, worker));
    // Label sets another caller started checking.
    await Promise.all(routes.map((r) => this.done.get(`${configFile}\u0000${labelKey(r.labels)}`)));
  }

  /** Distinct label sets checked so far. */
  get size(): number {
    return this.done.size;
  }
}
