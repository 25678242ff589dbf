/**
 * Test support: polls `fn` every `everyMs` (100 ms unless told) until it returns a value (errors, `undefined` and
 * `false` count as not yet, so a condition can be returned as it is), or fails after `limitMs`. Polls that load a
 * page or query a running stack pass a longer `everyMs` to keep the load down.
 */
export async function until<T>(
  fn: () => Promise<T | undefined | false>,
  what: string,
  limitMs: number,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out after ${limitMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
