/**
 * Remembers which Slack deliveries have already been taken, so a retry (`x-slack-retry-num`, a Socket Mode
 * re-delivery, a double submit) never runs a command twice. `createDeliveryDedupe` is in-memory and per process
 * (tests, a lone process); the server passes `sharedDeliveryDedupe` over the database's delivery claims, so a retry
 * that the load balancer sends to another replica is refused there too (issue 16, docs/operations.md).
 */
export interface DeliveryDedupe {
  /** True the first time a key is seen within the TTL (on any replica, when shared); false for every repeat. */
  claim(key: string): boolean | Promise<boolean>;
}

/**
 * A dedupe over a shared claim (the database's, in production). When the claim cannot be asked (the database
 * is unreachable), this process's own memory decides: answering a command beats dropping it, and a retry to the
 * same replica is still caught.
 */
export function sharedDeliveryDedupe(shared: (key: string) => Promise<boolean>, opts: { onError?: (err: unknown) => void; local?: DeliveryDedupe } = {}): DeliveryDedupe {
  const local = opts.local ?? createDeliveryDedupe();
  return {
    async claim(key) {
      try {
        const won = await shared(key);
        // Remembered here too, so that if the database goes away later a retry to this replica is still caught.
        if (won) await local.claim(key);
        return won;
      } catch (err) {
        opts.onError?.(err);
        return local.claim(key);
      }
    },
  };
}

export function createDeliveryDedupe(opts: { capacity?: number; ttlMs?: number; now?: () => number } = {}): DeliveryDedupe & { claim(key: string): boolean; readonly size: number } {
  const capacity = opts.capacity ?? 10_000;
  const ttlMs = opts.ttlMs ?? 60 * 60 * 1000;
  const now = opts.now ?? Date.now;
  // Map keeps insertion order, so the first entry is always the oldest: an LRU by arrival time.
  const seen = new Map<string, number>();
  return {
    claim(key) {
      const t = now();
      const at = seen.get(key);
      if (at !== undefined && t - at < ttlMs) return false;
      seen.delete(key);
      seen.set(key, t);
      while (seen.size > capacity) seen.delete(seen.keys().next().value as string);
      // Expired entries at the head go as we pass, so the map never holds stale keys for long.
      for (const [k, v] of seen) {
        if (t - v < ttlMs) break;
        seen.delete(k);
      }
      return true;
    },
    get size() {
      return seen.size;
    },
  };
}
