/**
 * What to ask Prometheus for: each panel's step (from its width, `maxDataPoints`, `interval` and the scrape
 * interval) and its targets' interpolated queries; each enabled annotation's query and step. Pure.
 */
import type { Annotation, Dashboard, Panel } from './grafana.ts';
import { durationSeconds, queryStep } from './time.ts';
import { type VariableState, variableScope } from './variable-state.ts';
import { interpolate } from './variables.ts';

/** The time range, the grid's width in pixels, and what the scope is made of. */
export interface PlanContext {
  start: number;
  end: number;
  width: number;
  scrapeSeconds: number;
  vars: readonly VariableState[];
}

export interface PanelPlan {
  step: number;
  /** One per visible target with an expression, in order. */
  queries: { expr: string; legendFormat: string | undefined }[];
}

/** A panel's step and queries: about one point per pixel of its width, never finer than its minimum step. */
export function planPanel(panel: Panel, ctx: PlanContext): PanelPlan {
  const { start, end } = ctx;
  const g = panel.gridPos ?? { w: 12 };
  const maxPoints = panel.maxDataPoints ?? Math.max(50, Math.round((ctx.width * (g.w ?? 12)) / 24));
  const minStep = durationSeconds(panel.interval ?? '') ?? ctx.scrapeSeconds;
  const step = queryStep(end - start, maxPoints, minStep);
  const scope = variableScope(ctx.vars, start, end, step, ctx.scrapeSeconds);
  return {
    step,
    queries: (panel.targets ?? [])
      .filter((t) => !t.hide && t.expr)
      .map((t) => ({ expr: interpolate(t.expr as string, scope), legendFormat: t.legendFormat })),
  };
}

export interface AnnotationPlan {
  annotation: Annotation;
  expr: string;
  step: number;
}

/** The dashboard's enabled Prometheus annotations with an expression, in order (step: theirs, else 60 s). */
export function planAnnotations(d: Dashboard | undefined, ctx: Omit<PlanContext, 'width'>): AnnotationPlan[] {
  const list = (d?.annotations?.list ?? []).filter((a: Annotation) => a.enable !== false && !a.builtIn);
  const out: AnnotationPlan[] = [];
  for (const a of list) {
    const expr = a.target?.expr ?? a.expr;
    if (!expr) continue;
    const step = durationSeconds(a.step ?? a.target?.interval ?? '') ?? 60;
    out.push({
      annotation: a,
      expr: interpolate(expr, variableScope(ctx.vars, ctx.start, ctx.end, step, ctx.scrapeSeconds)),
      step,
    });
  }
  return out;
}
