/**
 * The Microsoft Teams surface: `@Steward <command>` in a personal chat, a group chat or a channel, and every card
 * button, routed to the same command layer as Slack, through a botbuilder CloudAdapter at `/api/messages`.
 *
 * Every request is authenticated before anything else (the Bot Framework JWT: signature against the published
 * keys, issuer, audience = our app id, expiry, service URL); any failure is a 401 and nothing of the activity
 * reaches the command layer (botbuilder itself answers a token signed by another key with 500, so authentication
 * runs here, separately from the turn). An activity from a tenant other than the configured ones is refused.
 *
 * A message is answered at once with 200 and worked on detached, through the shared delivery (src/core/delivery.ts):
 * a "working…" note if it is slow, progress in it, and the answer replacing it in place. A card button
 * (`Action.Execute`, an `adaptiveCard/action` invoke) is answered within Teams' deadline with the updated card,
 * which also replaces the message for everyone (updateActivity); the plan's progress then updates the same
 * message through the notifier. Old clients send the `Action.Submit` fallback as a message with the same data.
 * Conversation references are stored on install and on every message so that updates and digests can be posted
 * without a request to answer (`notifier.post`). Teams has no ephemeral messages in a channel or group chat, so an
 * answer for the asker alone goes to their personal chat with the bot (its stored reference), and the conversation
 * gets a short line without it (answerPrivately).
 */
import { readFileSync } from 'node:fs';
import express, { type Router } from 'express';
import { ActivityTypes, CloudAdapter, ConfigurationBotFrameworkAuthentication, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import type { MessageRef } from '../../core/command.js';
import type { ConversationStore, StoredConversation } from '../../core/conversations.js';
import {
  ConversationPausedError,
  createDelivery,
  createMessageNotifier,
  createSendQueue,
  type AnswerHow,
  type AnswerSender,
  type MessageNotifier,
  type SendQueueOptions,
  type WorkingNote,
} from '../../core/delivery.js';
import type { DispatchResult, Dispatcher } from '../../core/dispatch.js';
import type { ChannelTarget } from '../../core/notifier.js';
import { stripMarkdown, toPlainText } from '../../core/render-text.js';
import type { Reply } from '../../core/reply.js';
import { newCorrelationId, withCorrelation } from '../../lib/correlation.js';
import type { Logger } from '../../lib/logger.js';
import { baseConversationId, connectorOf, inConversation, TEAMS_CONVERSATION_RATES, teamsSendVerdict, type OutgoingActivity } from './connector.js';
import { identify, type IdentityVerdict } from './identity.js';
import { ADAPTIVE_CARD_CONTENT_TYPE, buttonDataOf, cardAttachment, cardLiteral, clip, noteCard, renderAdaptiveCard, renderAdaptiveCards, TEAMS_LIMITS, type ButtonData } from './render.js';

/** Where the Bot Framework posts (the Azure Bot resource's messaging endpoint). */
export const TEAMS_MESSAGES_PATH = '/api/messages';

export interface TeamsAuthOptions {
  /** The Microsoft App ID of the Azure Bot resource (the audience of every token). */
  appId: string;
  /** SingleTenant (the default for new bots), MultiTenant, or UserAssignedMSI (a managed identity, no secret). */
  appType: 'SingleTenant' | 'MultiTenant' | 'UserAssignedMSI';
  /** The app's home tenant (SingleTenant and UserAssignedMSI). */
  tenantId?: string | undefined;
  /** A client secret, or a certificate (thumbprint + PEM private key file), unless appType is UserAssignedMSI. */
  password?: string | undefined;
  certificate?: { thumbprint: string; privateKeyFile: string } | undefined;
  /** The Bot Framework OpenID metadata (sovereign clouds); unset: the public cloud's. */
  openIdMetadataUrl?: string | undefined;
}

export interface TeamsSurfaceOptions {
  dispatcher: Dispatcher;
  log: Logger;
  auth: TeamsAuthOptions;
  /** Tenants whose users may talk to this Steward (AAD tenant ids); everything else is refused. */
  allowedTenants: string[];
  conversations: ConversationStore;
  endpoint?: string;
  /** A command still running after this long shows a "working…" note. */
  workingNoticeMs?: number;
  /** A card button is answered within this long (Teams waits about 5 s for an invoke), with the card or a note. */
  invokeDeadlineMs?: number;
  /** Where the rest of a cut table can be seen (PUBLIC_URL with the console on). */
  consoleUrl?: string | undefined;
  /** Tests: the retry policy without real waiting. */
  sendOptions?: Pick<SendQueueOptions, 'sleep' | 'random' | 'policy'>;
  now?: () => Date;
  /**
   * Activity ids already taken, shared by every replica (the server passes the database's delivery claims): the Bot
   * Framework re-delivers a slow activity, maybe to another replica. Default: this process's memory only.
   */
  dedupe?: { claim(key: string): boolean | Promise<boolean> };
}

export interface TeamsSurface {
  path: string;
  /** POST /api/messages: mount with `http.app.use(teams.router)`. */
  router: Router;
  /** Replaces a posted message in place (updateActivity) and posts to a stored conversation (`{ conversationId }`). */
  notifier: MessageNotifier;
  /** Waits up to `graceMs` for commands still running. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when no command, click or send is in flight (tests). */
  idle(): Promise<void>;
}

type InvokeBody = { statusCode: number; type: string; value: unknown };

const DEFAULT_INVOKE_DEADLINE_MS = 3000;

/** The CloudAdapter with the turn run on an already authenticated request. */
class StewardAdapter extends CloudAdapter {
  runAuthenticated(auth: Parameters<CloudAdapter['processActivityDirect']>[0], activity: Activity, logic: (ctx: TurnContext) => Promise<void>) {
    return this.processActivity(auth as never, activity, logic);
  }
}

/** The Bot Framework authentication from the environment's settings (secret, certificate or managed identity). */
function createAuthentication(auth: TeamsAuthOptions): ConfigurationBotFrameworkAuthentication {
  return new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: auth.appId,
    MicrosoftAppType: auth.appType,
    ...(auth.tenantId ? { MicrosoftAppTenantId: auth.tenantId } : {}),
    ...(auth.password ? { MicrosoftAppPassword: auth.password } : {}),
    ...(auth.openIdMetadataUrl ? { ToBotFromChannelOpenIdMetadataUrl: auth.openIdMetadataUrl } : {}),
    ...(auth.certificate ? { CertificateThumbprint: auth.certificate.thumbprint, CertificatePrivateKey: readFileSync(auth.certificate.privateKeyFile, 'utf8') } : {}),
  });
}

const teamsRef = (conversationId: string, activityId: string): MessageRef => ({ surface: 'teams', address: { conversationId, activityId } });

function refusal(v: Exclude<IdentityVerdict, { ok: true }>): string {
  return v.reason === 'tenant'
    ? 'This Steward serves another Microsoft 365 organisation. Ask your Teams admin to install your organisation’s own Steward.'
    : 'Steward could not tell who you are (no Azure AD user on this message); write to it from your own Teams account.';
}

/** The user's text without the bot's own mention; other mentions and `@Steward` are stripped by dispatch. */
function commandTextOf(a: Activity): string {
  const withoutBot = a.recipient ? TurnContext.removeRecipientMention(a) : a.text;
  return (withoutBot ?? a.text ?? '')
    .replace(/&nbsp;|\u00a0/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .trim();
}

function parseActivity(body: unknown): Activity | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const a = body as Partial<Activity>;
  if (typeof a.type !== 'string' || typeof a.serviceUrl !== 'string' || typeof a.channelId !== 'string') return undefined;
  if (!a.conversation || typeof a.conversation.id !== 'string') return undefined;
  return a as Activity;
}

/** Who asked, to find their personal chat with the bot; `asked` is the command as typed (for the pointer). */
interface Asker {
  id: string | undefined;
  aadObjectId: string | undefined;
  tenantId: string;
  asked?: string;
}

const askerOf = (a: Activity, who: Extract<IdentityVerdict, { ok: true }>, asked?: string): Asker => ({
  id: a.from?.id,
  aadObjectId: a.from?.aadObjectId,
  tenantId: who.tenantId,
  ...(asked ? { asked } : {}),
});

/** A channel or a group chat (everyone there sees every message), not the personal chat of one user with the bot. */
function isShared(reference: Partial<ConversationReference>): boolean {
  const c = reference.conversation;
  return c?.conversationType ? c.conversationType !== 'personal' : c?.isGroup === true;
}

/** A short line for the conversation: the working note's small card, or plain text when cards were refused. */
const pointer = (t: string, plain: boolean): OutgoingActivity =>
  plain ? { type: ActivityTypes.Message, text: stripMarkdown(t), textFormat: 'plain' } : { type: ActivityTypes.Message, summary: clip(stripMarkdown(t), 100), attachments: [cardAttachment(noteCard(t))] };

export function createTeamsSurface(opts: TeamsSurfaceOptions): TeamsSurface {
  const log = opts.log.child({ surface: 'teams' });
  const path = opts.endpoint ?? TEAMS_MESSAGES_PATH;
  const now = opts.now ?? (() => new Date());
  const allowed = new Set(opts.allowedTenants.map((t) => t.toLowerCase()));
  if (allowed.size === 0) throw new Error('the Teams surface needs at least one allowed tenant (TEAMS_ALLOWED_TENANTS or TEAMS_TENANT_ID)');
  const authentication = createAuthentication(opts.auth);
  const adapter = new StewardAdapter(authentication);
  const appId = opts.auth.appId;
  const footerOf = (a: Activity, what: string) => (a.conversation?.conversationType && a.conversation.conversationType !== 'personal' ? `${a.from?.name ?? 'Someone'} ran ${what}` : undefined);
  const renderOpts = (footer?: string) => ({ ...(opts.consoleUrl ? { consoleUrl: opts.consoleUrl } : {}), ...(footer ? { footer } : {}) });

  const sends = createSendQueue({
    classify: teamsSendVerdict,
    perConversation: TEAMS_CONVERSATION_RATES,
    onPause: (conversation, reason) => opts.conversations.pause('teams', baseConversationId(conversation), reason, now()),
    log,
    ...opts.sendOptions,
  });
  const onAnswered = (result: DispatchResult, ref: MessageRef) => opts.dispatcher.posted?.(result, ref);
  const delivery = createDelivery({ log, ...(opts.workingNoticeMs !== undefined ? { workingNoticeMs: opts.workingNoticeMs } : {}), onAnswered });
  const invokeDelivery = createDelivery({ log, workingNoticeMs: opts.invokeDeadlineMs ?? DEFAULT_INVOKE_DEADLINE_MS, onAnswered });

  const inflight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    const t = p.catch((err: unknown) => log.error({ err }, 'teams work failed')).finally(() => inflight.delete(t));
    inflight.add(t);
    return p;
  };
  /** Activity ids already taken in this process: the Bot Framework re-delivers when an answer is slow. */
  const seen = new Set<string>();
  const firstHere = (id: string) => {
    if (seen.has(id)) return false;
    seen.add(id);
    if (seen.size > 5000) seen.delete(seen.values().next().value as string);
    return true;
  };
  const firstTime = async (a: Activity): Promise<boolean> => {
    if (!a.id) return true;
    if (!opts.dedupe) return firstHere(a.id);
    try {
      const won = await opts.dedupe.claim(`teams:activity:${a.conversation?.id ?? ''}:${a.id}`);
      if (won) firstHere(a.id);
      return won;
    } catch (err) {
      log.warn({ err: { message: (err as Error).message } }, 'teams delivery claim failed; deduping in this process only');
      return firstHere(a.id);
    }
  };

  // ─── Outgoing ──────────────────────────────────────────────────────────────────────────────────────────────

  const messageOf = (reply: Reply, plain: boolean, footer?: string): OutgoingActivity => {
    if (plain) return { type: ActivityTypes.Message, text: clip(toPlainText(reply) || ' ', 20_000), textFormat: 'plain' };
    const msg = renderAdaptiveCard(reply, renderOpts(footer));
    return { type: ActivityTypes.Message, summary: msg.summary, attachments: [cardAttachment(msg.card)] };
  };
  /** A `whole` reply (a plan's every step) as one or more cards of under 24 KB each, in order; any other, one. */
  const messagesOf = (reply: Reply, plain: boolean, footer?: string): [OutgoingActivity, ...OutgoingActivity[]] => {
    if (plain || !reply.whole) return [messageOf(reply, plain, footer)];
    const [first, ...rest] = renderAdaptiveCards(reply, renderOpts(footer)).map((msg): OutgoingActivity => ({ type: ActivityTypes.Message, summary: msg.summary, attachments: [cardAttachment(msg.card)] }));
    return [first as OutgoingActivity, ...rest];
  };
  /**
   * A new message (no activity id in the reference) or a reply to the message the reference names, through the
   * connector client of a proactive turn (sendActivity there would reply to the turn's own made-up activity id).
   */
  const send = (reference: Partial<ConversationReference>, activity: OutgoingActivity): Promise<string | undefined> =>
    sends.send(reference.conversation?.id ?? '', () =>
      inConversation(adapter, appId, reference, async (ctx) => {
        const a = TurnContext.applyConversationReference({ ...activity }, reference) as Activity;
        const conversations = connectorOf(adapter, ctx).conversations;
        const res = reference.activityId ? await conversations.replyToActivity(a.conversation.id, reference.activityId, a) : await conversations.sendToConversation(a.conversation.id, a);
        return res.id;
      }),
    );
  const update = (reference: Partial<ConversationReference>, activityId: string, activity: OutgoingActivity): Promise<void> =>
    sends.send(reference.conversation?.id ?? '', () =>
      inConversation(adapter, appId, reference, async (ctx) => {
        const a = TurnContext.applyConversationReference({ ...activity, id: activityId }, { ...reference, activityId: undefined }) as Activity;
        await connectorOf(adapter, ctx).conversations.updateActivity(a.conversation.id, activityId, a);
      }),
    );

  /** The stored reference of a conversation, addressed at `conversationId` (a channel or one of its threads). */
  async function storedReference(conversationId: string): Promise<Partial<ConversationReference>> {
    const stored = await opts.conversations.get('teams', baseConversationId(conversationId));
    if (!stored) throw new Error(`Steward has no conversation reference for ${conversationId}; it learns one when it is installed there or written to`);
    if (stored.pausedReason) throw new ConversationPausedError(conversationId, stored.pausedReason);
    const reference = stored.reference as Partial<ConversationReference>;
    return { ...reference, conversation: { ...(reference.conversation as ConversationReference['conversation']), id: conversationId } };
  }

  const notifier = createMessageNotifier({
    surface: 'teams',
    keyOf: (ref) => `${ref.address.conversationId ?? ''}:${ref.address.activityId ?? ''}`,
    apply: async (ref, reply) => {
      const { conversationId, activityId } = ref.address;
      if (!conversationId || !activityId) throw new Error('a Teams message reference needs { conversationId, activityId }');
      await update(await storedReference(conversationId), activityId, messageOf(reply, false));
    },
    post: async (target: ChannelTarget, reply: Reply) => {
      const conversationId = target.address.conversationId;
      if (!conversationId) throw new Error('a Teams post needs { conversationId }');
      const id = await send(await storedReference(conversationId), messageOf(reply, false));
      if (!id) throw new Error('Teams accepted the post but returned no activity id');
      return teamsRef(conversationId, id);
    },
  });

  // ─── Incoming ──────────────────────────────────────────────────────────────────────────────────────────────

  /** Saves (or refreshes, and un-pauses) the conversation's reference: on install and on every message. */
  async function remember(a: Activity, tenantId: string): Promise<void> {
    const reference: Partial<ConversationReference> = TurnContext.getConversationReference(a);
    const id = baseConversationId(a.conversation.id);
    delete reference.activityId;
    const team = (a.channelData as { team?: { name?: unknown } } | undefined)?.team;
    const name = a.conversation.name ?? (typeof team?.name === 'string' ? team.name : undefined);
    const stored: Omit<StoredConversation, 'pausedReason' | 'updatedAt'> = {
      surface: 'teams',
      id,
      tenantId,
      kind: a.conversation.conversationType ?? (a.conversation.isGroup ? 'groupChat' : 'personal'),
      name,
      reference: { ...reference, conversation: { ...reference.conversation, id } } as Record<string, unknown>,
    };
    await opts.conversations.save(stored, now());
  }

  /** The note as a small card. */
  const noteText = (note: WorkingNote) => `⏳ Working on ${note.what === undefined ? 'it' : cardLiteral(clip(note.what, 200))}…${note.status ? ` ${cardLiteral(clip(note.status, 500))}` : ''}`;

  /**
   * An answer only the asker may see, asked in a channel or group chat: Teams has no ephemeral messages there, so it
   * goes to the asker's personal chat with the bot (a proactive message, when that chat's reference is stored), and
   * the conversation gets one short line that holds none of it. Resolves with that line.
   */
  async function answerPrivately(reply: Reply, how: AnswerHow, asker: Asker | undefined): Promise<string> {
    let personal: StoredConversation | undefined;
    try {
      personal = asker ? await opts.conversations.personalOf('teams', asker) : undefined;
    } catch (err) {
      log.warn({ err: { message: (err as Error).message } }, 'could not look up the personal chat of the asker');
    }
    if (personal && !personal.pausedReason) {
      try {
        for (const m of messagesOf(reply, how.plain)) await send(personal.reference as Partial<ConversationReference>, m);
        return 'I sent you the details in a private chat.';
      } catch (err) {
        log.warn({ err: { message: (err as Error).message } }, 'could not answer in the personal chat; saying so in the conversation instead');
      }
    }
    const what = asker?.asked ? `, and ask ${cardLiteral(clip(asker.asked, 200))} there` : '';
    return `This answer is for you only, and Teams shows everyone here every message. Message me directly (open a chat with Steward${what}) to see it.`;
  }

  /** Answers to one message: the note and the answer in its conversation (a channel thread, a chat). */
  function conversationSender(reference: Partial<ConversationReference>, o: { kind: 'command' | 'click'; footer?: string | undefined; clicked?: MessageRef; asker?: Asker }): AnswerSender {
    const conversationId = reference.conversation?.id ?? '';
    const shared = isShared(reference);
    let noteId: string | undefined;
    return {
      noteReplaceable: o.kind === 'command',
      async showNote(note, onScreen) {
        const activity: OutgoingActivity = { type: ActivityTypes.Message, summary: 'Working…', attachments: [cardAttachment(noteCard(noteText(note)))] };
        if (onScreen && noteId) {
          await update(reference, noteId, activity);
          return true;
        }
        noteId = await send(reference, activity);
        return noteId !== undefined;
      },
      async answer(reply, how) {
        // A list that must arrive whole (every step of a plan: the card's own content, which everyone here sees in
        // part already) still follows in the conversation, where the clicker's toast says it is.
        const privately = how.ephemeral && shared && !reply.whole;
        const [first, ...rest] = privately ? [pointer(await answerPrivately(reply, how, o.asker), how.plain)] : messagesOf(reply, how.plain, how.ephemeral ? undefined : o.footer);
        let id: string | undefined;
        if (how.replaceNote && noteId) {
          await update(reference, noteId, first);
          id = noteId;
        } else id = await send(reference, first);
        for (const more of rest) await send(reference, more);
        return id ? teamsRef(conversationId, id) : undefined;
      },
      ...(o.clicked ? { replaceClicked: (reply: Reply) => notifier.update(o.clicked as MessageRef, reply) } : {}),
    };
  }

  async function onMessage(ctx: TurnContext, who: Extract<IdentityVerdict, { ok: true }>): Promise<void> {
    const a = ctx.activity;
    const reference = TurnContext.getConversationReference(a);
    const data = buttonDataOf(a.value);
    if (data && !a.text) {
      // The Action.Submit fallback of a card button (clients without Universal Actions).
      const clicked = a.replyToId ? teamsRef(a.conversation.id, a.replyToId) : undefined;
      const sender = conversationSender(reference, { kind: 'click', asker: askerOf(a, who), ...(clicked ? { clicked } : {}) });
      void track(delivery.respond(sender, undefined, (progress) => opts.dispatcher.action({ ...data, actor: who.actor, surface: 'teams', ...(clicked ? { message: clicked } : {}), progress })));
      return;
    }
    const text = commandTextOf(a);
    const sender = conversationSender(reference, { kind: 'command', footer: footerOf(a, clip(text || 'help', 200)), asker: askerOf(a, who, text || 'help') });
    void track(delivery.respond(sender, text || 'help', (progress) => opts.dispatcher.run({ text, actor: who.actor, surface: 'teams', progress })));
  }

  /** A card button (Universal Actions): the invoke is answered within the deadline, the card updated for everyone. */
  async function onCardAction(ctx: TurnContext, who: Extract<IdentityVerdict, { ok: true }>, data: ButtonData): Promise<InvokeBody> {
    const a = ctx.activity;
    const clicked = a.replyToId ? teamsRef(a.conversation.id, a.replyToId) : undefined;
    const reference = TurnContext.getConversationReference(a);
    let settle!: (b: InvokeBody) => void;
    const response = new Promise<InvokeBody>((r) => (settle = r));
    let answered = false;
    const answerInvoke = (b: InvokeBody) => {
      if (answered) return false;
      answered = true;
      settle(b);
      return true;
    };
    const toast = (t: string): InvokeBody => ({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: clip(t, 1000) });
    const inThread = conversationSender(reference, { kind: 'click', asker: askerOf(a, who) });
    const sender: AnswerSender = {
      noteReplaceable: false,
      // Past the deadline the clicker is told it is under way; the card updates when the action is done.
      showNote: async () => answerInvoke(toast('Working on it… this card updates when it is done.')),
      async answer(reply, how) {
        // In time: only the clicker sees it (Teams' own ephemeral answer). Later: a reply in the conversation.
        // A list that must arrive whole (every step of a plan) cannot be a toast (plain text, cut at 1,000
        // characters) and Teams has no ephemeral message in a conversation: the toast says where it is, and the
        // cards follow in the conversation, never in place of the clicked card.
        if (how.ephemeral && reply.whole) answerInvoke(toast(`${reply.title ?? 'The answer'}: in this conversation, below the card.`));
        else if (how.ephemeral && answerInvoke(toast(toPlainText(reply)))) return undefined;
        return inThread.answer(reply, { ...how, replaceNote: false });
      },
      async replaceClicked(reply) {
        const card = renderAdaptiveCard(reply, renderOpts()).card;
        const inTime = answerInvoke({ statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card });
        if (!clicked) {
          if (!inTime) throw new Error('the clicked card has no activity id to update');
          return;
        }
        // The invoke response reaches the clicker only; everyone else's copy is replaced in place.
        try {
          await notifier.update(clicked, reply);
        } catch (err) {
          if (!inTime) throw err;
          log.warn({ err: { message: (err as Error).message } }, 'the card was answered to the clicker but not updated for everyone');
        }
      },
    };
    const work = track(
      invokeDelivery.respond(sender, undefined, (progress) => opts.dispatcher.action({ ...data, actor: who.actor, surface: 'teams', ...(clicked ? { message: clicked } : {}), progress })),
    );
    // Whatever happened, the invoke gets an answer (the failure itself is logged by track).
    work.then(
      () => answerInvoke(toast('Done.')),
      () => answerInvoke(toast('Something went wrong on our side; the details are in the server log.')),
    );
    return response;
  }

  /** Each activity starts its invocation's correlation id (log lines, provider calls, audit rows share it). */
  function onTurn(ctx: TurnContext): Promise<void> {
    return withCorrelation(newCorrelationId(), () => onTurnInContext(ctx));
  }

  async function onTurnInContext(ctx: TurnContext): Promise<void> {
    const a = ctx.activity;
    const who = identify(a, allowed);
    const tenantOk = who.ok || who.reason !== 'tenant';
    if (!tenantOk) log.warn({ tenant: who.tenantId, type: a.type }, 'teams activity from a tenant that is not allowed; refused');
    switch (a.type) {
      case ActivityTypes.Message: {
        if (!(await firstTime(a))) return;
        if (!who.ok) {
          await ctx.sendActivity({ type: ActivityTypes.Message, text: refusal(who), textFormat: 'plain' });
          return;
        }
        await remember(a, who.tenantId);
        await onMessage(ctx, who);
        return;
      }
      case ActivityTypes.Invoke: {
        let body: InvokeBody | undefined;
        if (a.name !== 'adaptiveCard/action') {
          await ctx.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 501 } });
          return;
        }
        const action = (a.value as { action?: { type?: string; verb?: string; data?: unknown } } | undefined)?.action;
        const data = buttonDataOf(action?.data);
        if (!who.ok) body = { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: refusal(who) };
        else if (!data || (action?.verb && action.verb !== data.actionId)) body = { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'This button is not one of Steward’s buttons; run the command again.' };
        else {
          await remember(a, who.tenantId);
          body = await onCardAction(ctx, who, data);
        }
        await ctx.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
        return;
      }
      case ActivityTypes.InstallationUpdate: {
        if (!tenantOk || !who.tenantId) return;
        const action = String((a as { action?: string }).action ?? '');
        if (action.startsWith('add')) await remember(a, who.tenantId);
        else if (action.startsWith('remove')) await opts.conversations.pause('teams', baseConversationId(a.conversation.id), 'uninstalled', now());
        return;
      }
      case ActivityTypes.ConversationUpdate: {
        if (!tenantOk || !who.tenantId) return;
        const botId = a.recipient?.id;
        if (a.membersAdded?.some((m) => m.id === botId)) await remember(a, who.tenantId);
        else if (a.membersRemoved?.some((m) => m.id === botId)) await opts.conversations.pause('teams', baseConversationId(a.conversation.id), 'removed', now());
        return;
      }
      default:
        return;
    }
  }

  const router = express.Router();
  router.post(
    path,
    (req, res, next) => {
      // No bearer token: refused before the body is even read.
      if (!/^Bearer\s+\S+$/i.test(req.headers.authorization ?? '')) {
        res.status(401).json({ error: 'unauthorized' });
        return;
      }
      next();
    },
    express.json({ limit: '512kb' }),
    async (req, res) => {
      const activity = parseActivity(req.body);
      if (!activity) {
        res.status(400).json({ error: 'expected a Bot Framework activity' });
        return;
      }
      let auth: Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>>;
      try {
        auth = await authentication.authenticateRequest(activity, req.headers.authorization ?? '');
      } catch (err) {
        // Bad signature, wrong audience or issuer, expired, unknown key, service URL mismatch: all the same to the caller.
        log.warn({ reason: (err as Error).message?.slice(0, 200) }, 'teams request refused: the token did not authenticate');
        res.status(401).json({ error: 'unauthorized' });
        return;
      }
      try {
        const out = await adapter.runAuthenticated(auth, activity, onTurn);
        res.status(out?.status ?? 200);
        if (out?.body !== undefined) res.json(out.body);
        else res.end();
      } catch (err) {
        log.error({ err }, 'teams turn failed');
        if (!res.headersSent) res.status(500).json({ error: 'internal error' });
      }
    },
  );

  return {
    path,
    router,
    notifier,
    async stop(graceMs = 10_000) {
      await Promise.race([Promise.allSettled([...inflight]), new Promise((r) => setTimeout(r, graceMs).unref())]);
    },
    async idle() {
      while (inflight.size) await Promise.allSettled([...inflight]);
      await notifier.idle();
    },
  };
}

export { TEAMS_LIMITS };
