/**
 * `amtool/routes`: every alert the rule files define is routed, by the real `amtool config routes test`, through
 * alertmanager/alertmanager.yml; each must reach a receiver that notifies someone (one with at least one
 * `*_configs` integration). An alert routed only to an empty receiver would fire into the void: the page that
 * never came. The exception is the Watchdog, whose receiver is the dead man's switch — empty on purpose until one
 * is configured (`routing.deadMansSwitch`) — and every alert of severity `none`, an inhibitor that exists to mute
 * others (ServiceErrorsStopped) and is routed to a receiver that sends nothing on purpose.
 *
 * The label set tested per alert is what Prometheus sends: `alertname` and the rule's static labels. Labels the
 * expression adds (service, instance) are not known before it runs; routes that match on them are exercised by
 * the generated alert tests and `ghmon up`, not here.
 */
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { EXTRA_ALERT, LABEL, OUT, SEVERITY } from '../conventions.ts';
import { type RuleEntry, readRuleFile } from '../outdir/rule-files.ts';
import type { Finding } from '../util/finding.ts';
import { findBinary, missingTool, runTool } from '../util/tool.ts';
import type { Check } from './lib/context.ts';

export const AMTOOL_ROUTES = 'amtool/routes';

export const amtoolRoutes: Check = {
  id: AMTOOL_ROUTES,
  description: 'every alert reaches a receiver that notifies someone (amtool config routes test)',
  async run(ctx) {
    const bin = findBinary('amtool');
    if (!bin) return [missingTool(AMTOOL_ROUTES, 'amtool', 'prometheus-alertmanager')];
    // A missing or invalid alertmanager.yml is amtool/config's finding; this check has nothing to route through.
    if (!ctx.exists(OUT.alertmanagerConfig)) return [];
    const rules = ctx.list(OUT.rulesDir, '.yml').flatMap((path) => readRuleFile(path, ctx.read(path)).rules);
    return routingFindings({
      check: AMTOOL_ROUTES,
      bin,
      config: { path: OUT.alertmanagerConfig, text: ctx.read(OUT.alertmanagerConfig), cwd: ctx.outDir },
      rules,
    });
  },
};

export interface RoutingInput {
  readonly check: string;
  readonly bin: string;
  /** The Alertmanager config: where amtool reads it (relative to `cwd`) and its text. */
  readonly config: { readonly path: string; readonly text: string; readonly cwd?: string };
  /** The rules whose alerts are routed (recording rules are skipped). */
  readonly rules: readonly RuleEntry[];
}

/** Routes each alert of `rules` through the config with amtool; a finding per alert that notifies nobody. */
export async function routingFindings(input: RoutingInput): Promise<Finding[]> {
  const notifying = receiversWithIntegrations(input.config.text);
  if (notifying === undefined) return [];
  const findings: Finding[] = [];
  const classOf = routingClass(input.config.text);
  const routed = new Map<string, ReturnType<typeof runTool>>();
  for (const rule of input.rules) {
    if (rule.kind !== 'alert' || rule.name === EXTRA_ALERT.watchdog) continue;
    const labels: Record<string, string> = { alertname: rule.name };
    for (const t of rule.templates) if (t.field.startsWith('labels.')) labels[t.field.slice(7)] = t.text;
    // Severity none: an inhibitor (or a heartbeat), never a notification by design.
    if (labels[LABEL.severity] === SEVERITY.none) continue;
    const args = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    // Label sets the route tree cannot tell apart share one amtool run (each costs a process start).
    const key = classOf?.(labels) ?? JSON.stringify(labels);
    const run =
      routed.get(key) ??
      runTool(input.bin, ['config', 'routes', 'test', `--config.file=${input.config.path}`, ...args], input.config.cwd);
    routed.set(key, run);
    const result = await run;
    const place = { file: rule.file, group: rule.group, rule: rule.name };
    const receivers = result.stdout
      .trim()
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    if (result.code !== 0 || receivers.length === 0) {
      const why = `${result.stderr}\n${result.stdout}`.split('\n').find((l) => l.trim() && !/^Warning:/.test(l));
      findings.push({
        check: input.check,
        severity: 'error',
        ...place,
        message: `amtool could not route {${args.join(', ')}}: ${why?.trim() ?? `exited with code ${result.code}`}`,
      });
      continue;
    }
    if (!receivers.some((r) => notifying.has(r))) {
      findings.push({
        check: input.check,
        severity: 'error',
        ...place,
        message: `{${args.join(', ')}} routes to ${receivers.map((r) => `"${r}"`).join(', ')}, which ${receivers.length > 1 ? 'have' : 'has'} no integration (no *_configs): it would notify nobody`,
      });
    }
  }
  return findings;
}

/**
 * Which label sets the route tree routes alike: a function from a label set to a key, equal for two sets that
 * every matcher of every route treats the same. Only the labels the tree matches on count, and of a label matched
 * only by `=`/`!=` (or `match:`) only whether its value is one the matchers name (an absent label is ""). This
 * decides nothing about routing (amtool still routes one set per key), it only finds the sets whose outcome
 * cannot differ: 31 alerts were 31 amtool runs, now as many as the tree has distinct paths. Undefined (route
 * every set) when a matcher is not read with certainty: several in one string, or the file does not parse.
 */
export function routingClass(alertmanagerYml: string): ((labels: Record<string, string>) => string) | undefined {
  const doc = parseDocument(alertmanagerYml);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
  const literals = new Map<string, Set<string>>();
  const regex = new Set<string>();
  const equal = (name: string, value: string) => literals.set(name, (literals.get(name) ?? new Set()).add(value));
  let certain = true;
  const visit = (route: unknown): void => {
    if (!isMap(route)) return;
    const matchers = route.get('matchers');
    if (isSeq(matchers))
      for (const m of matchers.items) {
        const parsed = parseMatcher(String(isScalar(m) ? m.value : m));
        if (!parsed) certain = false;
        else if (parsed.op === '=' || parsed.op === '!=') equal(parsed.name, parsed.value);
        else regex.add(parsed.name);
      }
    const match = route.get('match');
    if (isMap(match)) for (const p of match.items) equal(String(scalarOf(p.key)), String(scalarOf(p.value) ?? ''));
    const matchRe = route.get('match_re');
    if (isMap(matchRe)) for (const p of matchRe.items) regex.add(String(scalarOf(p.key)));
    const routes = route.get('routes');
    if (isSeq(routes)) for (const r of routes.items) visit(r);
  };
  visit(doc.contents.get('route', true));
  if (!certain) return undefined;
  const names = [...new Set([...literals.keys(), ...regex])].sort();
  return (labels) =>
    JSON.stringify(
      names.map((n) => {
        const v = labels[n] ?? '';
        return regex.has(n) || literals.get(n)?.has(v) ? [n, v] : [n];
      }),
    );
}

function scalarOf(node: unknown): unknown {
  return isScalar(node) ? node.value : node;
}

/** One Alertmanager matcher (`severity="critical"`, `team=~"a|b"`, unquoted values too); undefined otherwise. */
function parseMatcher(text: string): { name: string; op: string; value: string } | undefined {
  const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(text);
  if (!m) return undefined;
  const [, name, op, raw] = m as unknown as [string, string, string, string];
  if (raw.startsWith('"')) {
    try {
      const value: unknown = JSON.parse(raw);
      return typeof value === 'string' ? { name, op, value } : undefined;
    } catch {
      return undefined;
    }
  }
  // Several matchers in one string (`a="b",c="d"`, braces) are not read here.
  return /[{},"]/.test(raw) ? undefined : { name, op, value: raw };
}

/** Names of the receivers with at least one integration (a non-empty `*_configs` list); undefined if unreadable. */
function receiversWithIntegrations(alertmanagerYml: string): Set<string> | undefined {
  const doc = parseDocument(alertmanagerYml);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
  const receivers = doc.contents.get('receivers', true);
  if (!isSeq(receivers)) return undefined;
  const out = new Set<string>();
  for (const r of receivers.items) {
    if (!isMap(r)) continue;
    const name = r.get('name');
    const integrated = r.items.some((pair) => {
      const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
      return key.endsWith('_configs') && isSeq(pair.value) && pair.value.items.length > 0;
    });
    if (typeof name === 'string' && integrated) out.add(name);
  }
  return out;
}
