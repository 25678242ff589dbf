/** Test support: polls `fn` every 100 ms until it returns a value (errors count as not yet), or fails after `limitMs`. */
export async function until<T>(fn: () => Promise<T | undefined>, what: string, limitMs: number): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${limitMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
