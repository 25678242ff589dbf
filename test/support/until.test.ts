/** The shared poller: what counts as "not yet", the interval, and the timeout's message. */
import { describe, expect, it } from 'vitest';
import { until } from './until.ts';

describe('until()', () => {
  it('polls past errors, undefined and false, and returns the first value', async () => {
    const answers = [new Error('refused'), undefined, false, 0, 'later'];
    let calls = 0;
    const value = await until(
      async () => {
        const a = answers[calls++];
        if (a instanceof Error) throw a;
        return a as number | undefined | false;
      },
      'a value',
      5_000,
      1,
    );
    expect(value).toBe(0); // 0 is a value: only undefined and false mean "not yet"
    expect(calls).toBe(4);
  });

  it('waits everyMs between polls', async () => {
    const times: number[] = [];
    await until(async () => (times.push(Date.now()) >= 3 ? true : undefined), 'three polls', 5_000, 50);
    expect((times[2] as number) - (times[0] as number)).toBeGreaterThanOrEqual(95);
  });

  it('fails after limitMs, naming what it waited for', async () => {
    await expect(until(async () => false, 'the impossible', 30, 5)).rejects.toThrow(
      'timed out after 30ms waiting for the impossible',
    );
  });
});
