/**
 * A sliding-window request-rate limiter: at most `limit` grants in any window of `intervalMs`.
 * Grants are handed out in call order. Used per provider/region (or subscription, or project) so that
 * Steward stays under each cloud's API throttle instead of discovering it through errors.
 */
export interface RateLimiter {
  readonly limit: number;
  readonly intervalMs: number;
  /** Resolves when the caller may send one request; its slot counts from the grant. */
  take(signal?: AbortSignal): Promise<void>;
  /**
   * Resolves, like take(), when the caller may send one request, with a `done` to call once its answer (or its
   * failure) is in. Until then the slot stays taken, and its window counts from `done`: a request that leaves late
   * (its process was busy between the grant and the socket) still reaches the cloud at least a window after the
   * one `limit` places before it, which a window counted from the grant cannot promise on a loaded machine.
   */
  acquire?(signal?: AbortSignal): Promise<() => void>;
}

/**
 * One HTTP attempt's turn: acquire() when the limiter has it (the window counts from the answer), else take()
 * (limiters that count from the grant, e.g. a test's wrapper). Call the returned `done` when the answer is in.
 */
export async function holdTurn(limiter: RateLimiter, signal?: AbortSignal): Promise<() => void> {
  if (limiter.acquire) return limiter.acquire(signal);
  await limiter.take(signal);
  return () => undefined;
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
  /** The last `limit` grants: when each window starts (undefined while its request is still out). */
  const grants: { at: number | undefined }[] = [];
  let tail: Promise<void> = Promise.resolve();
  /** Wakes a caller waiting for a request that is still out. */
  let onDone: (() => void) | undefined;
  const doneSignal = (signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
      const onAbort = () => reject(signal?.reason ?? new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const prev = onDone;
      onDone = () => {
        signal?.removeEventListener('abort', onAbort);
        prev?.();
        resolve();
      };
    });

  type Grant = { at: number | undefined };
  const grant = (held: boolean, signal?: AbortSignal, out?: { grant?: Grant }): Promise<void> => {
    const turn = tail.then(async () => {
      for (;;) {
        if (signal?.aborted) throw signal.reason ?? new Error('aborted');
        if (grants.length < opts.limit) break;
        // The window that ends first, among the requests whose answers are in.
        let first = -1;
        for (let i = 0; i < grants.length; i++) {
          const at = grants[i]?.at;
          if (at !== undefined && (first < 0 || at < (grants[first]?.at as number))) first = i;
        }
        if (first < 0) {
          await doneSignal(signal);
          continue;
        }
        const delay = (grants[first]?.at as number) + opts.intervalMs - now();
        if (delay <= 0) {
          grants.splice(first, 1);
          continue;
        }
        await wait(Math.ceil(delay), signal);
      }
      const g: Grant = { at: held ? undefined : now() };
      grants.push(g);
      if (out) out.grant = g;
    });
    // A cancelled caller must not block the ones behind it.
    tail = turn.catch(() => undefined);
    return turn;
  };

  return {
    limit: opts.limit,
    intervalMs: opts.intervalMs,
    take(signal) {
      return grant(false, signal);
    },
    async acquire(signal) {
      const out: { grant?: Grant } = {};
      await grant(true, signal, out);
      const g = out.grant as Grant;
      return () => {
        if (g.at !== undefined) return;
        g.at = now();
        const wake = onDone;
        onDone = undefined;
        wake?.();
      };
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
