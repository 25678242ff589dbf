/**
 * The label references in an alerting rule's templates (annotation and label values). Prometheus expands them
 * with Go's text/template, `$labels` (also `.Labels`) being the labels of the series the alert's expression
 * returned — before the rule's static labels are added. A reference to a label the expression cannot return
 * renders as an empty string in the page (promtool shows it so): the kind of mistake pint's `alerts/template` check reports.
 *
 * Only the forms alert templates use are read, inside `{{ … }}` actions (comments skipped): `$labels.name`,
 * `.Labels.name` and `index $labels "name"` (or `.Labels`, with a quoted or raw string). Anything else in an
 * action (`$value`, `$externalLabels`, `query`, pipelines) is left alone.
 */

export interface TemplateLabelRef {
  readonly label: string;
  /** 0-based offset of the reference (`$labels.x`, `index …`) in the template text. */
  readonly from: number;
  /** The reference as written, for messages. */
  readonly ref: string;
}

const ACTION = /\{\{(?!-?\s*\/\*)([\s\S]*?)\}\}/g;
/** `$labels.name` / `.Labels.name`: the name as written. */
const FIELD = /(?:\$labels|\.Labels)\.([A-Za-z_][A-Za-z0-9_]*)/g;
/** `index $labels "name"` (Go escapes) or `index .Labels \`name\`` (raw). */
const INDEX = /\bindex\s+(?:\$labels|\.Labels)\s+(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`)/g;

/** Every label reference in `template`, in order of position. */
export function templateLabelRefs(template: string): TemplateLabelRef[] {
  const refs: TemplateLabelRef[] = [];
  for (const action of template.matchAll(ACTION)) {
    const body = action[1] as string;
    const at = (m: RegExpMatchArray) => (action.index as number) + 2 + (m.index as number);
    for (const m of body.matchAll(FIELD)) refs.push({ label: m[1] as string, from: at(m), ref: m[0] });
    for (const m of body.matchAll(INDEX)) {
      const label = m[1] !== undefined ? unescapeGo(m[1]) : (m[2] as string);
      refs.push({ label, from: at(m), ref: m[0] });
    }
  }
  return refs.sort((a, b) => a.from - b.from);
}

/** A Go interpreted string's common escapes (label names never need more). */
function unescapeGo(s: string): string {
  return s.replace(/\\(["\\])/g, '$1');
}
