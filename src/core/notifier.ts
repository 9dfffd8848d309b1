import type { MessageRef } from './command.js';
import type { Reply } from './reply.js';

/**
 * Replaces a posted message in place (approval progress, results) or posts a new one to a channel.
 * Each surface implements it; the domain reaches it through core, never a chat SDK.
 */
export interface Notifier {
  readonly surface: MessageRef['surface'];
  update(ref: MessageRef, reply: Reply): Promise<void>;
  /**
   * Posts a new message to a channel or conversation (digests, watch proposals, proactive sends) and returns
   * where it went, so later updates can replace it. Surfaces that cannot post unprompted leave it out.
   */
  post?(target: ChannelTarget, reply: Reply): Promise<MessageRef>;
}

/**
 * A channel or conversation a message can be posted to without a request to answer: Slack `{ channel }`,
 * Teams `{ conversationId }` (the stored conversation reference does the rest), console `{}`.
 */
export interface ChannelTarget {
  surface: MessageRef['surface'];
  address: Record<string, string>;
}

export interface NotifierHubOptions {
  /**
   * Called when `update` could not put `reply` on `ref` here: no notifier of its surface runs in this process
   * (`err` undefined), or its send failed (`err`). main.ts records proposal cards for a process that can (issue 9).
   */
  onUndelivered?: (ref: MessageRef, reply: Reply, err?: unknown) => Promise<void>;
}

/** Routes an update to the notifier of the surface that holds the message. */
export function createNotifierHub(notifiers: Notifier[] = [], opts: NotifierHubOptions = {}) {
  const bySurface = new Map(notifiers.map((n) => [n.surface, n]));
  const undelivered = async (ref: MessageRef, reply: Reply, err?: unknown) => {
    // Best effort: a failure to record it must not turn into a failure of the update's caller.
    await opts.onUndelivered?.(ref, reply, err).catch(() => undefined);
  };
  const hub = {
    register(n: Notifier) {
      bySurface.set(n.surface, n);
    },
    /** The surfaces whose notifier runs in this process. */
    surfaces(): MessageRef['surface'][] {
      return [...bySurface.keys()];
    },
    /** Replaces the message; false when its surface is not running here (then `onUndelivered` hears of it, as of a failed send). */
    async update(ref: MessageRef, reply: Reply): Promise<boolean> {
      const n = bySurface.get(ref.surface);
      if (!n) {
        await undelivered(ref, reply);
        return false;
      }
      try {
        await n.update(ref, reply);
      } catch (err) {
        await undelivered(ref, reply, err);
        throw err;
      }
      return true;
    },
    /** `update` without `onUndelivered`: for whoever drains what it recorded. */
    async tryUpdate(ref: MessageRef, reply: Reply): Promise<boolean> {
      const n = bySurface.get(ref.surface);
      if (!n) return false;
      await n.update(ref, reply);
      return true;
    },
    /** Posts to a channel on its surface; undefined when that surface is not running or cannot post. */
    async post(target: ChannelTarget, reply: Reply): Promise<MessageRef | undefined> {
      const n = bySurface.get(target.surface);
      if (!n?.post) return undefined;
      return n.post(target, reply);
    },
  };
  return hub;
}
export type NotifierHub = ReturnType<typeof createNotifierHub>;
