/**
 * Chat deliveries taken, shared by every replica (issue 16): Slack retries a slash command or click it thinks went
 * unanswered (`x-slack-retry-num`), the Bot Framework re-delivers a slow activity, and behind a load balancer the
 * retry can reach another replica. The first `claim` of a key wins everywhere; repeats within the TTL lose.
 */
export interface DeliveryClaims {
  /** True the first time `key` is claimed within `ttlMs` (on any replica); false for every repeat. */
  claim(key: string, opts: { surface: string; ttlMs: number; now?: Date }): Promise<boolean>;
}
