/**
 * Replaces a posted Slack message in place: chat.update for channel messages (no time limit), the message's
 * response_url for ephemeral ones (which chat.update cannot touch). The ordering of updates to one message and
 * the retry policy are the shared delivery's (src/core/delivery.ts); this file only says how Slack replaces one.
 */
import type { webApi } from '@slack/bolt';
import type { MessageRef } from '../../core/command.js';
import { createMessageNotifier, type MessageNotifier, type SendQueue } from '../../core/delivery.js';
import type { ChannelTarget } from '../../core/notifier.js';
import type { Reply } from '../../core/reply.js';
import type { Logger } from '../../lib/logger.js';
import { renderBlockKit } from './render.js';
import type { ResponseUrlBudget } from './response-url.js';

/** A Slack message address: `{ channel, ts }` and, from a click, `{ responseUrl }`; `ephemeral: 'true'` when only one user sees it. */
export function slackRef(a: { channel?: string | undefined; ts?: string | undefined; responseUrl?: string | undefined; ephemeral?: boolean }): MessageRef {
  const address: Record<string, string> = {};
  if (a.channel) address.channel = a.channel;
  if (a.ts) address.ts = a.ts;
  if (a.responseUrl) address.responseUrl = a.responseUrl;
  if (a.ephemeral) address.ephemeral = 'true';
  return { surface: 'slack', address };
}

export type SlackNotifier = MessageNotifier;

export function createSlackNotifier(deps: {
  client: webApi.WebClient;
  sends: SendQueue;
  log: Logger;
  budgetFor: (url: string) => ResponseUrlBudget;
  /** Posts a new message to a channel (digests, watch proposals). */
  post?: (target: ChannelTarget, reply: Reply) => Promise<MessageRef>;
}): SlackNotifier {
  async function apply(ref: MessageRef, reply: Reply): Promise<void> {
    const { channel, ts, responseUrl, ephemeral } = ref.address;
    const msg = renderBlockKit(reply);
    if (channel && ts && ephemeral !== 'true') {
      try {
        await deps.sends.send(channel, () => deps.client.chat.update({ channel, ts, text: msg.text, blocks: msg.blocks }));
        return;
      } catch (err) {
        // Posted through response_url in a channel the bot is not in: chat.update cannot reach it, response_url can.
        if (!responseUrl) throw err;
        deps.log.debug({ err: { message: (err as Error).message } }, 'chat.update failed; trying response_url');
      }
    }
    if (responseUrl) {
      const sent = await deps.budgetFor(responseUrl).send({ replace_original: true, ...msg });
      if (!sent) throw new Error('this message can no longer be updated (Slack allows 5 updates within 30 minutes through response_url)');
      return;
    }
    throw new Error('this Slack message reference has neither channel+ts nor a response_url');
  }

  return createMessageNotifier({
    surface: 'slack',
    keyOf: (ref) => (ref.address.channel && ref.address.ts ? `${ref.address.channel}:${ref.address.ts}` : (ref.address.responseUrl ?? '')),
    apply,
    ...(deps.post ? { post: deps.post } : {}),
  });
}
