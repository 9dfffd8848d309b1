/**
 * Acks before work, for a whole burst, not just per request. Slack gives every slash command and click 3 s to be
 * acknowledged; the answer itself may come later. So acknowledged work waits while requests are still arriving
 * (an event-loop turn that took new requests), and starts at the first quiet turn, or after `maxDeferMs` at the
 * latest so a steady stream never starves it. A burst of 200 commands is acked as fast as a bare Bolt app acks
 * it; the commands start a few milliseconds later, which nobody waiting for a 2-second answer can see.
 */
export interface AckFirstQueue {
  /** A request was just acknowledged (the signal that the burst is still going). */
  acked(): void;
  /** Runs `job` once the event loop has a turn without new requests (or after maxDeferMs). */
  defer(job: () => void): void;
  readonly pending: number;
}

export function createAckFirstQueue(opts: { maxDeferMs?: number; now?: () => number } = {}): AckFirstQueue {
  const maxDeferMs = opts.maxDeferMs ?? 250;
  const now = opts.now ?? (() => performance.now());
  const queue: { job: () => void; at: number }[] = [];
  let acks = 0;
  let seen = 0;
  let scheduled = false;

  const drain = () => {
    scheduled = false;
    const busy = acks !== seen;
    seen = acks;
    const oldest = queue[0];
    if (!oldest) return;
    if (busy && now() - oldest.at < maxDeferMs) {
      schedule();
      return;
    }
    for (const { job } of queue.splice(0)) job();
  };
  // setImmediate runs after the poll phase, i.e. after this turn's waiting requests have been taken (and acked).
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(drain);
  };

  return {
    acked() {
      acks++;
    },
    defer(job) {
      queue.push({ job, at: now() });
      schedule();
    },
    get pending() {
      return queue.length;
    },
  };
}
