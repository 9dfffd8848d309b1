import { ProviderError } from '../model/errors.js';

export interface RetryOptions {
  /** Tries in all, the first included. */
  attempts: number;
  baseMs: number;
  maxMs: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called before each wait, e.g. to report "throttled, retrying in 800 ms". */
  onRetry?: (err: ProviderError, attempt: number, waitMs: number) => void;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 4, baseMs: 500, maxMs: 8000 };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Retries transient cloud errors (ProviderError.retryable: throttling, unavailable) with exponential backoff and
 * full jitter. Anything else is thrown at once: retrying an error we do not understand could apply a change twice.
 * Returns the value and how many tries it took.
 */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<{ value: T; attempts: number }> {
  const sleep = opts.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await fn(), attempts: attempt };
    } catch (err) {
      if (!(err instanceof ProviderError) || !err.retryable || attempt >= opts.attempts) {
        throw Object.assign(err instanceof Error ? err : new Error(String(err)), { attempts: attempt });
      }
      const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** (attempt - 1));
      const wait = Math.round(cap / 2 + Math.random() * (cap / 2));
      opts.onRetry?.(err, attempt, wait);
      await sleep(wait);
    }
  }
}

export function attemptsOf(err: unknown): number {
  const n = (err as { attempts?: unknown } | undefined)?.attempts;
  return typeof n === 'number' ? n : 1;
}

export function errorText(err: unknown): string {
  if (err instanceof ProviderError) return err.userMessage ?? err.message;
  return err instanceof Error ? err.message : String(err);
}
