import { describe, expect, it, vi } from 'vitest';
import { createRateLimiter } from '../../src/lib/rate-limiter.js';
import { redactSecrets } from '../../src/lib/redact.js';

describe('rate limiter', () => {
  it('grants at most `limit` in any window, in call order', async () => {
    let now = 0;
    const waits: number[] = [];
    const limiter = createRateLimiter({
      limit: 3,
      intervalMs: 1000,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    const granted: number[] = [];
    await Promise.all(Array.from({ length: 7 }, (_, i) => limiter.take().then(() => granted.push(now) && i)));
    expect(granted).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
    expect(waits).toEqual([1000, 1000]);
  });

  it('counts a held turn\'s window from its answer, so a request that leaves late still arrives a window after the one before it', async () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 2, intervalMs: 1000, now: () => now, sleep: async (ms) => void (now += ms) });
    const a = await limiter.acquire?.();
    const b = await limiter.acquire?.();
    expect(now).toBe(0);
    // Both are still out: the third waits for an answer, not for the clock.
    let third: number | undefined;
    const c = limiter.acquire?.().then((done) => ((third = now), done));
    await Promise.resolve();
    await Promise.resolve();
    expect(third).toBeUndefined();
    now = 400; // the first answer comes back at 400 (its process was busy before it sent)
    a?.();
    now = 700;
    b?.();
    (await c)?.();
    // A window counted from the grant would have let it go at 1000; from the first answer it is 1400.
    expect(third).toBe(1400);
    // take() still counts from its grant.
    const plain = createRateLimiter({ limit: 1, intervalMs: 1000, now: () => now, sleep: async (ms) => void (now += ms) });
    const t0 = now;
    await plain.take();
    await plain.take();
    expect(now - t0).toBe(1000);
  });

  it('lets a caller that gave up waiting for an answer go, without blocking the ones behind it', async () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 1, intervalMs: 100, now: () => now, sleep: async (ms) => void (now += ms) });
    const first = await limiter.acquire?.();
    const ac = new AbortController();
    const waiting = limiter.acquire?.(ac.signal);
    await Promise.resolve();
    ac.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    const next = limiter.acquire?.();
    now = 50;
    first?.();
    (await next)?.();
    expect(now).toBe(150);
  });

  it('lets a cancelled caller go without blocking the ones behind it', async () => {
    // The limiter's own clock and sleep (performance.now, setTimeout) on fake timers: no real-clock assertion.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const limiter = createRateLimiter({ limit: 1, intervalMs: 50 });
      await limiter.take();
      const ac = new AbortController();
      const cancelled = limiter.take(ac.signal);
      // The cancelled caller is asleep, waiting for the slot, when it gives up.
      await vi.advanceTimersByTimeAsync(10);
      ac.abort(new Error('stop'));
      await expect(cancelled).rejects.toThrow('stop');
      let granted = false;
      const next = limiter.take().then(() => (granted = true));
      // The next caller gets the slot the first grant frees, at 50 ms, as if the cancelled one never asked.
      await vi.advanceTimersByTimeAsync(39);
      expect(granted).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(granted).toBe(true);
      await next;
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('redaction', () => {
  it('removes keys, bearer tokens, OAuth tokens and signed-URL parameters from messages', () => {
    const text = redactSecrets(
      'AKIAIOSFODNN7EXAMPLE failed; Authorization: Bearer eyJhbGciOi.abc.def; {"access_token":"ya29.secret"} https://x/?sig=abc&X-Amz-Signature=deadbeef',
    );
    expect(text).not.toMatch(/AKIAIOSFODNN7EXAMPLE|eyJhbGciOi|ya29\.secret|sig=abc|deadbeef/);
  });
});
