/**
 * Errors for bad input. The CLI prints their message (never a stack trace) and exits 2.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    /** One line per problem, printed under the message. */
    readonly problems: readonly string[] = [],
  ) {
    super(message);
  }
}

/** `['services', 1, 'slo', 'objective']` → `services[1].slo.objective`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(config)' : out;
}
