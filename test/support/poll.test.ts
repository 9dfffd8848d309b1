/** The one wait every child-process test uses: on fake timers, so what is checked is the rule, not a duration. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pollUntil } from './poll.js';

describe('pollUntil', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resolves with the first answer the probe gives, asking again between pauses', async () => {
    let asked = 0;
    const waiting = pollUntil('the third answer', () => (++asked >= 3 ? `answer ${asked}` : undefined), { everyMs: 100, limitMs: 10_000 });
    await vi.advanceTimersByTimeAsync(100);
    expect(asked).toBe(2);
    await vi.advanceTimersByTimeAsync(100);
    await expect(waiting).resolves.toBe('answer 3');
    expect(asked).toBe(3);
  });

  it('gives up at its limit, naming what it waited for and what the caller adds', async () => {
    let asked = 0;
    const waiting = pollUntil('a ready server', () => void asked++, { everyMs: 1000, limitMs: 5000, detail: () => 'server said: booting' });
    const settled = waiting.then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    await vi.advanceTimersByTimeAsync(4000);
    expect(asked).toBe(5);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await settled).toBe('a ready server: not seen within 5 s\nserver said: booting');
    expect(asked).toBe(6);
  });

  it('asks at least once even when the limit is already past', async () => {
    await expect(pollUntil('an answer', () => 42, { limitMs: 0 })).resolves.toBe(42);
  });
});
