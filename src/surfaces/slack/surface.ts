/**
 * The Slack surface: one root slash command (`/cloud <sub> …`) and every button click, routed to the command layer.
 *
 * Ack first: in HTTP mode the receiver (receiver.ts) answers a signed slash command or click with an empty 200
 * before Bolt's middleware runs, and Bolt's processing and the command wait in the ack-first queue until the
 * requests still arriving have been acked. What happens next is the shared delivery's (src/core/delivery.ts): a
 * command still running after `workingNoticeMs` shows a "working…" note, which progress updates and the answer
 * replace, and every Web API send goes through its retry policy. delivery.ts here is Slack's thin sender:
 * ephemeral answers through response_url, channel answers through chat.postMessage (so they have a ts that
 * chat.update can replace later), falling back to response_url where the bot may not post.
 *
 * HTTP mode mounts on the shared HTTP server (`http.listener` at /slack/events, ahead of express); Socket Mode
 * (SLACK_APP_TOKEN) opens a websocket to Slack instead and needs no public URL.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, LogLevel, SocketModeReceiver, webApi, type Logger as BoltLogger } from '@slack/bolt';
import type { MessageRef } from '../../core/command.js';
import { createDelivery, createSendQueue } from '../../core/delivery.js';
import type { Dispatcher } from '../../core/dispatch.js';
import type { Notifier } from '../../core/notifier.js';
import type { Reply } from '../../core/reply.js';
import { newCorrelationId, withCorrelation } from '../../lib/correlation.js';
import type { Logger } from '../../lib/logger.js';
import { createAckFirstQueue } from './ack-first.js';
import { createDeliveryDedupe, type DeliveryDedupe } from './dedupe.js';
import { createSlackPoster } from './files.js';
import { createSlackAnswerSender, slackErrorCode, slackSendVerdict } from './delivery.js';
import { createIdentityResolver } from './identity.js';
import { createSlackNotifier, slackRef, type SlackNotifier } from './notifier.js';
import { AckFirstReceiver } from './receiver.js';
import { clip, escapeMrkdwn, renderBlockKit, stripActionSuffix } from './render.js';
import { createResponseUrlPoster, ResponseUrlBudget, type ResponseUrlPoster } from './response-url.js';

/** Where HTTP mode takes slash commands and interactivity; manifests/slack/manifest.yaml points both here. */
export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackSurfaceOptions {
  dispatcher: Dispatcher;
  log: Logger;
  botToken: string;
  /** HTTP mode: verifies every request's signature. Required unless `appToken` is given. */
  signingSecret?: string | undefined;
  /** Socket Mode (an `xapp-` app-level token with connections:write): no public URL needed. */
  appToken?: string | undefined;
  /** Where HTTP mode listens for slash commands and interactivity (both go to one URL). */
  endpoint?: string;
  /** Resolve user-group memberships for role bindings (needs usergroups:read). */
  userGroups?: boolean;
  /** A command still running after this long shows an ephemeral "working…" note. */
  workingNoticeMs?: number;
  /** Known bot ids skip the start-up auth.test (tests, benchmarks). */
  botId?: string;
  botUserId?: string;
  /** Web API client options (tests: `{ retryConfig: { retries: 0 } }`; the bench: `slackApiUrl`). */
  clientOptions?: webApi.WebClientOptions;
  /** Which response_url hosts we POST to; only Slack's by default. */
  allowResponseUrl?: (url: string) => boolean;
  dedupe?: DeliveryDedupe;
  /** SLACK_TEAM_ID (one or more workspace ids) and SLACK_APP_ID: when set, requests from elsewhere are refused. */
  teamIds?: readonly string[] | undefined;
  appId?: string | undefined;
}

export interface SlackSurface {
  mode: 'http' | 'socket';
  /**
   * HTTP mode: where Slack posts (`/slack/events`) and the listener that takes it. Mount it on the shared server
   * with `http.mountRaw(slack.http.path, slack.http.listener)`: ahead of express, because the signature is checked
   * over the raw body and an ack should cost no more than reading, verifying and answering the request.
   */
  http: { path: string; listener: (req: IncomingMessage, res: ServerResponse) => void } | undefined;
  /** Replaces a posted message in place (chat.update, or response_url for ephemeral ones). */
  notifier: Notifier;
  /** Posts a reply to a channel (digests); the ref lets later updates replace it. */
  post(channel: string, reply: Reply): Promise<MessageRef>;
  /** Checks the bot token (auth.test) and, in Socket Mode, connects. */
  start(): Promise<void>;
  /** Disconnects (Socket Mode) and waits up to `graceMs` for commands still running. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when no command or click is being worked on (tests). */
  idle(): Promise<void>;
}

const FATAL_AUTH = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type']);

function boltLogger(log: Logger): BoltLogger {
  const l = log.child({ component: 'slack-bolt' });
  let level = LogLevel.INFO;
  const str = (m: unknown[]) => m.map((x) => (typeof x === 'string' ? x : x instanceof Error ? x.message : JSON.stringify(x))).join(' ');
  return {
    debug: (...m) => l.debug(str(m)),
    info: (...m) => l.info(str(m)),
    warn: (...m) => l.warn(str(m)),
    error: (...m) => l.error(str(m)),
    setLevel: (v) => {
      level = v;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

export function createSlackSurface(opts: SlackSurfaceOptions): SlackSurface {
  const log = opts.log.child({ surface: 'slack' });
  const mode: SlackSurface['mode'] = opts.appToken ? 'socket' : 'http';
  if (mode === 'http' && !opts.signingSecret) throw new Error('Slack HTTP mode needs a signing secret (SLACK_SIGNING_SECRET)');
  const dedupe = opts.dedupe ?? createDeliveryDedupe();
  // Lookups (auth.test, user groups) keep the SDK's own retries; deliveries (chat.*) are retried by the shared
  // policy only, so the SDK hands rate limits back to it instead of waiting them out itself.
  const lookups = new webApi.WebClient(opts.botToken, {
    logger: boltLogger(log),
    logLevel: LogLevel.WARN,
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5000 },
    ...opts.clientOptions,
  });
  const client = new webApi.WebClient(opts.botToken, {
    logger: boltLogger(log),
    logLevel: LogLevel.WARN,
    ...opts.clientOptions,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  const sends = createSendQueue({ classify: slackSendVerdict, log });
  const delivery = createDelivery({
    log,
    ...(opts.workingNoticeMs !== undefined ? { workingNoticeMs: opts.workingNoticeMs } : {}),
    onAnswered: (result, ref) => opts.dispatcher.posted?.(result, ref),
  });
  const postResponse: ResponseUrlPoster = createResponseUrlPoster(opts.allowResponseUrl ? { allow: opts.allowResponseUrl } : {});
  const budgets = new Map<string, ResponseUrlBudget>();
  const budgetFor = (url: string): ResponseUrlBudget => {
    let b = budgets.get(url);
    if (!b) {
      b = new ResponseUrlBudget(url, postResponse);
      budgets.set(url, b);
      if (budgets.size > 5000) budgets.delete(budgets.keys().next().value as string);
    }
    return b;
  };
  // Unprompted posts (digests): charts uploaded into the one message, one message per second per channel (files.ts).
  const poster = createSlackPoster({ client, log, send: (channel, call) => sends.send(channel, call) });
  const postToChannel = (channel: string, reply: Reply): Promise<MessageRef> => poster.post(channel, reply);
  const notifier: SlackNotifier = createSlackNotifier({
    client,
    sends,
    log,
    budgetFor,
    post: async (target, reply) => {
      const channel = target.address.channel;
      if (!channel) throw new Error('a Slack post needs { channel }');
      return postToChannel(channel, reply);
    },
  });
  const identity = createIdentityResolver({ client: lookups, log, groups: opts.userGroups ?? false });
  let botId = opts.botId;
  let botUserId = opts.botUserId;

  const logger = boltLogger(log);
  const ackFirst = createAckFirstQueue();
  const onError = (err: unknown) => log.error({ err }, 'slack event failed');

  const inflight = new Set<Promise<void>>();
  /** Runs acknowledged work detached, once the requests still arriving have been acked (see ack-first.ts). */
  const track = (work: () => Promise<void>) => {
    const t = new Promise<void>((resolve) => ackFirst.defer(resolve))
      .then(work)
      .catch((err: unknown) => log.error({ err }, 'slack work failed'))
      .finally(() => inflight.delete(t));
    inflight.add(t);
  };

  const receiver =
    mode === 'socket'
      ? new SocketModeReceiver({ appToken: opts.appToken as string, logger })
      : new AckFirstReceiver({
          signingSecret: opts.signingSecret as string,
          logger,
          queue: ackFirst,
          defer: track,
          onError,
          installation: { teamIds: opts.teamIds, appId: opts.appId },
        });
  const app = new App({
    receiver,
    logger,
    // Our own authorize: no auth.test per request; the token is checked once in start().
    authorize: async () => ({ botToken: opts.botToken, ...(botId ? { botId } : {}), ...(botUserId ? { botUserId } : {}) }),
    ...(opts.clientOptions ? { clientOptions: opts.clientOptions } : {}),
  });
  app.error(async (err) => {
    log.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'slack request failed');
  });

    // One root slash command. Any name routes here (the manifest decides which): `/cloud`, `/cloud-staging`, …
  // Each delivery starts its invocation's correlation id: the refusal of a retry, the command's log lines, its
  // provider calls and audit rows all carry it (src/lib/correlation.ts).
  app.command(/^\/.+/, async ({ ack, command }) => withCorrelation(newCorrelationId(), async () => {
    await ack();
    if (mode === 'socket') ackFirst.acked();
    if (!(await dedupe.claim(`command:${command.trigger_id || `${command.user_id}:${command.command}:${command.text}:${command.response_url}`}`))) {
      log.info({ user: command.user_id }, 'slack re-delivered a command; already taken');
      return;
    }
    track(async () => {
      const budget = command.response_url ? budgetFor(command.response_url) : undefined;
      const shownCommand = `${command.command} ${command.text}`.trim();
      const sender = createSlackAnswerSender({
        client,
        sends,
        log,
        budget,
        channel: command.channel_id,
        user: command.user_id,
        kind: 'command',
        footer: `<@${command.user_id}> ran \`${escapeMrkdwn(clip(shownCommand, 200).replace(/`/g, "'"))}\``,
      });
      await delivery.respond(sender, shownCommand, async (progress) => {
        const actor = await identity.actor({ id: command.user_id, name: command.user_name, team: command.team_id });
        return opts.dispatcher.run({ text: command.text ?? '', actor, surface: 'slack', progress, ...(command.channel_id ? { conversation: { surface: 'slack', address: { channel: command.channel_id } } } : {}) });
      });
    });
  }));

  // Every button: the action id names a registered action (with a per-message suffix stripped), the value an id.
  app.action(/.+/, async ({ ack, body, action }) => withCorrelation(newCorrelationId(), async () => {
    await ack();
    if (mode === 'socket') ackFirst.acked();
    if (body.type !== 'block_actions' || action.type !== 'button' || !('action_id' in action)) return;
    if (!(await dedupe.claim(`action:${body.trigger_id}:${action.action_id}:${action.action_ts}`))) {
      log.info({ user: body.user.id }, 'slack re-delivered a click; already taken');
      return;
    }
    track(async () => {
      const container = body.container as { channel_id?: string; message_ts?: string; is_ephemeral?: boolean };
      const channel = body.channel?.id ?? container.channel_id;
      const ts = container.message_ts ?? body.message?.ts;
      const ref = slackRef({ channel, ts, responseUrl: body.response_url, ephemeral: container.is_ephemeral === true });
      const budget = body.response_url ? budgetFor(body.response_url) : undefined;
      // replace_original would replace the clicked card, so the note is posted once and never replaced.
      const sender = createSlackAnswerSender({ client, sends, log, budget, channel, user: body.user.id, kind: 'click', clicked: { ref, notifier } });
      await delivery.respond(sender, undefined, async (progress) => {
        const actor = await identity.actor({ id: body.user.id, name: body.user.name ?? body.user.username, team: body.team?.id ?? body.user.team_id });
        return opts.dispatcher.action({ actionId: stripActionSuffix(action.action_id), value: action.value ?? '', actor, surface: 'slack', message: ref, progress });
      });
    });
  }));

  return {
    mode,
    http: receiver instanceof AckFirstReceiver ? { path: opts.endpoint ?? SLACK_EVENTS_PATH, listener: receiver.listener } : undefined,
    notifier,
    post: postToChannel,
    async start() {
      if (!botId || !botUserId) {
        try {
          const who = await lookups.auth.test();
          botId = who.bot_id ?? botId;
          botUserId = who.user_id ?? botUserId;
          log.info({ team: who.team, bot: who.user }, 'slack bot token accepted');
        } catch (err) {
          const code = slackErrorCode(err);
          if (code && FATAL_AUTH.has(code)) throw new Error(`SLACK_BOT_TOKEN was refused by Slack (${code}); copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page`);
          log.warn({ err: { message: (err as Error).message, code } }, 'could not reach Slack to check the bot token; continuing');
        }
      }
      if (mode === 'socket') await app.start();
      log.info({ mode }, 'slack surface ready');
    },
    async stop(graceMs = 10_000) {
      if (mode === 'socket') await app.stop().catch((err: unknown) => log.warn({ err }, 'slack socket did not close cleanly'));
      await Promise.race([Promise.allSettled([...inflight]), new Promise((r) => setTimeout(r, graceMs).unref())]);
    },
    async idle() {
      while (inflight.size) await Promise.allSettled([...inflight]);
      await notifier.idle();
    },
  };
}
