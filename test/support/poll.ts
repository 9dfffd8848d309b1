/**
 * Waiting for something another process or a timer does, on a machine that may be busy: ask again and again until
 * the answer comes, up to a generous limit. The limit is a ceiling for a wait that would otherwise hang, never a
 * measurement: no test compares how long a wait took with a number.
 */

/** How long a wait may take before it is given up: generous, a loaded 2-core machine runs a child ten times slower
 * than an idle one. Every deadline of test/support/spawn.ts derives from it. */
export const GENEROUS_LIMIT_MS = 150_000;

export interface PollOptions {
  /** Give up after this long (default GENEROUS_LIMIT_MS). */
  limitMs?: number;
  /** Pause between two probes (default 200 ms). */
  everyMs?: number;
  /** What to add to the error when the wait is given up (a child's output, say). */
  detail?: () => string;
}

/**
 * Resolves with the first value `probe` returns that is not undefined. Past the limit it rejects with an error
 * naming `what` was awaited (and the detail). The probe runs at least once, whatever the limit.
 */
export async function pollUntil<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, opts: PollOptions = {}): Promise<T> {
  const limitMs = opts.limitMs ?? GENEROUS_LIMIT_MS;
  const everyMs = opts.everyMs ?? 200;
  const end = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= end) {
      const detail = opts.detail?.();
      throw new Error(`${what}: not seen within ${limitMs / 1000} s${detail ? `\n${detail}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
