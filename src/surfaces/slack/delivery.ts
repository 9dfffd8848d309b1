/**
 * Slack's thin sender for the shared delivery (src/core/delivery.ts): how the "working…" note, the answer and the
 * clicked card are written in Slack. The note and ephemeral answers go through the request's response_url (5 uses
 * in 30 minutes, counted by ResponseUrlBudget); channel answers through chat.postMessage, so they have a ts that
 * chat.update can replace later, falling back to response_url where the bot may not post. When, how often and how
 * many times is the shared delivery's business; the Web API calls go through its retry policy.
 */
import type { webApi } from '@slack/bolt';
import type { MessageRef } from '../../core/command.js';
import type { AnswerSender, SendQueue, SendVerdict, WorkingNote } from '../../core/delivery.js';
import type { Notifier } from '../../core/notifier.js';
import type { Reply } from '../../core/reply.js';
import type { Logger } from '../../lib/logger.js';
import { slackRef } from './notifier.js';
import { clip, escapeMrkdwn, renderBlockKit, renderBlockKitMessages, type SlackMessage } from './render.js';
import type { ResponseUrlBudget, ResponseUrlPayload } from './response-url.js';

/** Post errors that mean "the bot cannot post here", so the answer goes through response_url instead. */
const CANNOT_POST = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action', 'ekm_access_denied', 'team_access_not_granted', 'missing_scope']);
/** Platform errors Slack documents as passing (its side), worth another try. */
const PASSING = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
/** Interim notes keep back this many response_url uses: one for the answer, one to delete the note. */
const RESERVE_FOR_ANSWER = 2;

export function slackErrorCode(err: unknown): string | undefined {
  const e = err as { data?: { error?: string } };
  return e?.data?.error;
}

/** The shared retry policy's view of a Web API failure. */
export function slackSendVerdict(err: unknown): SendVerdict {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number };
  if (e?.code === 'slack_webapi_rate_limited_error') return { kind: 'retry', ...(typeof e.retryAfter === 'number' ? { afterMs: e.retryAfter * 1000 } : {}) };
  if (e?.code === 'slack_webapi_request_error') return { kind: 'retry' };
  if (e?.code === 'slack_webapi_http_error') return (e.statusCode ?? 0) >= 500 || e.statusCode === 429 ? { kind: 'retry' } : { kind: 'fail' };
  const code = slackErrorCode(err);
  if (code && PASSING.has(code)) return { kind: 'retry' };
  return { kind: 'fail' };
}

/** The working note as Slack shows it: a context line, replaced in place by progress. */
function notePayload(note: WorkingNote, replace: boolean): ResponseUrlPayload {
  const what = note.what === undefined ? 'it' : `\`${escapeMrkdwn(clip(note.what, 200).replace(/`/g, "'"))}\``;
  const t = `:hourglass_flowing_sand: Working on ${what}…${note.status ? ` ${escapeMrkdwn(clip(note.status, 500))}` : ''}`;
  return { response_type: 'ephemeral', replace_original: replace, text: t, blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: t }] }] };
}

export interface SlackAnswerSenderOptions {
  client: webApi.WebClient;
  sends: SendQueue;
  log: Logger;
  /** The request's response_url, when it has one. */
  budget: ResponseUrlBudget | undefined;
  /** Where a channel answer is posted. */
  channel: string | undefined;
  /** Who asked or clicked: the parts of a long ephemeral answer past response_url's uses go to them (chat.postEphemeral). */
  user?: string | undefined;
  /** A command: the note may be replaced. A click: replace_original would hit the clicked card, so it may not. */
  kind: 'command' | 'click';
  /** A context line under channel answers, e.g. who asked; already mrkdwn. */
  footer?: string;
  /** The clicked message (clicks only) and the notifier that replaces it. */
  clicked?: { ref: MessageRef; notifier: Notifier };
}

/** Chat messages through the shared retry policy, one queue per channel. */
export function postMessage(client: webApi.WebClient, sends: SendQueue, channel: string, msg: SlackMessage) {
  return sends.send(channel, () =>
    client.chat.postMessage({ channel, text: msg.text, blocks: msg.blocks, unfurl_links: false, unfurl_media: false }),
  );
}

export function createSlackAnswerSender(o: SlackAnswerSenderOptions): AnswerSender {
  const { budget, log } = o;
  const noteReplaceable = o.kind === 'command';
  return {
    noteReplaceable,
    async showNote(note, onScreen) {
      if (!budget) return false;
      return budget.send(notePayload(note, onScreen && noteReplaceable), RESERVE_FOR_ANSWER);
    },
    async answer(reply: Reply, how) {
      if (how.plain) {
        if (budget) await budget.send({ response_type: 'ephemeral', replace_original: false, text: renderBlockKit(reply).text });
        return undefined;
      }
      if (how.ephemeral) {
        // A long list that must reach the asker whole (a plan's every step) comes as several ephemeral messages:
        // response_url's own posts first (only the asker sees them, wherever the card is, with no scope beyond
        // the request), and past its 5 uses chat.postEphemeral to the same person. Not a thread under the card,
        // which everyone in the channel would see, and not one message cut to 50 blocks.
        const msgs = renderBlockKitMessages(reply);
        let sent = 0;
        for (const msg of msgs) {
          if (!budget || !(await budget.send({ response_type: 'ephemeral', replace_original: sent === 0 && how.replaceNote, ...msg }))) break;
          sent++;
        }
        const rest = msgs.slice(sent);
        if (rest.length && o.channel && o.user) {
          const [channel, user] = [o.channel, o.user];
          try {
            for (const msg of rest) await o.sends.send(channel, () => o.client.chat.postEphemeral({ channel, user, text: msg.text, blocks: msg.blocks }));
          } catch (err) {
            log.warn({ err: { message: (err as Error).message, code: slackErrorCode(err) } }, 'chat.postEphemeral failed; the answer was not delivered in full');
          }
        } else if (rest.length) log.warn({ undelivered: rest.length }, 'response_url used up (5 messages or 30 minutes); the answer was not delivered in full');
        return undefined;
      }
      const msgs = renderBlockKitMessages(reply, o.footer ? { footer: o.footer } : {});
      let ref: MessageRef | undefined;
      let posted = 0;
      if (o.channel) {
        try {
          for (const msg of msgs) {
            const res = await postMessage(o.client, o.sends, o.channel, msg);
            ref ??= slackRef({ channel: res.channel ?? o.channel, ts: res.ts });
            posted++;
          }
        } catch (err) {
          const code = slackErrorCode(err);
          if (!code || !CANNOT_POST.has(code)) log.warn({ err: { message: (err as Error).message, code } }, 'chat.postMessage failed; answering through response_url');
        }
      }
      const deleteNote = async () => {
        if (!how.replaceNote || !budget) return;
        await budget.send({ delete_original: true }).catch((err: unknown) => log.debug({ err: { message: (err as Error).message } }, 'working note not deleted'));
      };
      // Through response_url the note goes first: once the answer is posted there, "original" could mean either.
      await deleteNote();
      for (const msg of msgs.slice(posted)) {
        if (!budget || !(await budget.send({ response_type: 'in_channel', replace_original: false, ...msg }))) {
          log.warn({ channel: o.channel }, 'the answer could not be posted');
          break;
        }
      }
      return ref;
    },
    ...(o.clicked
      ? {
          replaceClicked: async (reply: Reply) => {
            const c = o.clicked as NonNullable<typeof o.clicked>;
            await c.notifier.update(c.ref, reply);
          },
        }
      : {}),
  };
}
