/**
 * Remembers which Slack deliveries this process has already taken, so a retry (`x-slack-retry-num`, a Socket Mode
 * re-delivery, a double submit) never runs a command twice. In-memory and per process: right for one replica.
 * Several replicas behind a load balancer need a shared claim instead (a unique key in PostgreSQL or Redis SET NX
 * with a TTL); docs/slack.md says so.
 */
export interface DeliveryDedupe {
  /** True the first time a key is seen within the TTL; false for every repeat. */
  claim(key: string): boolean;
  readonly size: number;
}

export function createDeliveryDedupe(opts: { capacity?: number; ttlMs?: number; now?: () => number } = {}): DeliveryDedupe {
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
