/**
 * A sliding-window request-rate limiter: at most `limit` grants in any window of `intervalMs`.
 * Grants are handed out in call order. Used per provider/region (or subscription, or project) so that
 * Steward stays under each cloud's API throttle instead of discovering it through errors.
 */
export interface RateLimiter {
  readonly limit: number;
  readonly intervalMs: number;
  /** Resolves when the caller may send one request. */
  take(signal?: AbortSignal): Promise<void>;
}

export interface RateLimiterOptions {
  limit: number;
  intervalMs: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  if (!(opts.limit >= 1) || !(opts.intervalMs > 0)) throw new RangeError('rate limiter needs limit >= 1 and intervalMs > 0');
  const now = opts.now ?? (() => performance.now());
  const wait = opts.sleep ?? sleep;
  /** Times of the last `limit` grants, oldest first. */
  const grants: number[] = [];
  let tail: Promise<void> = Promise.resolve();

  return {
    limit: opts.limit,
    intervalMs: opts.intervalMs,
    take(signal) {
      const turn = tail.then(async () => {
        for (;;) {
          if (signal?.aborted) throw signal.reason ?? new Error('aborted');
          if (grants.length < opts.limit) break;
          const oldest = grants[0] ?? 0;
          const delay = oldest + opts.intervalMs - now();
          if (delay <= 0) {
            grants.shift();
            continue;
          }
          await wait(Math.ceil(delay), signal);
        }
        grants.push(now());
      });
      // A cancelled caller must not block the ones behind it.
      tail = turn.catch(() => undefined);
      return turn;
    },
  };
}

/** One limiter per key (region, subscription, project), created on first use with the same settings. */
export interface RateLimiters {
  get(key: string): RateLimiter;
  readonly limit: number;
  readonly intervalMs: number;
}

export function createRateLimiters(opts: RateLimiterOptions): RateLimiters {
  const byKey = new Map<string, RateLimiter>();
  return {
    limit: opts.limit,
    intervalMs: opts.intervalMs,
    get(key) {
      let l = byKey.get(key);
      if (!l) byKey.set(key, (l = createRateLimiter(opts)));
      return l;
    },
  };
}
