import type { MessageRef } from './command.js';
import type { Reply } from './reply.js';

/**
 * Replaces a posted message in place (approval progress, results) or posts a new one to a channel.
 * Each surface implements it; the domain reaches it through core, never a chat SDK.
 */
export interface Notifier {
  readonly surface: MessageRef['surface'];
  update(ref: MessageRef, reply: Reply): Promise<void>;
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
  };
}
export type NotifierHub = ReturnType<typeof createNotifierHub>;
