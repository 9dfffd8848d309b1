import { sleep } from './rate-limiter.js';

export interface RetryOptions {
  /** Attempts after the first one. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  isRetryable: (err: unknown) => boolean;
  signal?: AbortSignal;
  /** Injected in tests. */
  random?: () => number;
}

/** Runs `fn`, retrying retryable failures with exponential backoff and full jitter. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const random = opts.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= opts.retries || !opts.isRetryable(err) || opts.signal?.aborted) throw err;
      const cap = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** attempt);
      await sleep(Math.round(cap * (0.5 + random() / 2)), opts.signal);
    }
  }
}
