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

/** Routes an update to the notifier of the surface that holds the message. */
export function createNotifierHub(notifiers: Notifier[] = []) {
  const bySurface = new Map(notifiers.map((n) => [n.surface, n]));
  return {
    register(n: Notifier) {
      bySurface.set(n.surface, n);
    },
    async update(ref: MessageRef, reply: Reply): Promise<boolean> {
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
}
export type NotifierHub = ReturnType<typeof createNotifierHub>;
