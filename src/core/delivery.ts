/**
 * One delivery mechanism for every chat surface. A command or a click that takes a while shows a "working…"
 * note, which carries its progress and which the answer replaces; updates to a posted message (an approval card
 * as its plan runs) are applied in order, one at a time; and every send is retried by one policy (back off on
 * throttling and server errors, honour Retry-After, never retry what cannot succeed, pause a conversation the
 * bot was removed from). Slack and Teams supply thin senders that say how a message is posted, replaced or removed
 * there; when, in which order, how often and how many times is decided here, once.
 */
import type { Logger } from '../lib/logger.js';
import { createRateLimiters, sleep as realSleep, type RateLimiters } from '../lib/rate-limiter.js';
import type { MessageRef } from './command.js';
import type { DispatchResult } from './dispatch.js';
import type { ChannelTarget, Notifier } from './notifier.js';
import type { Reply } from './reply.js';

// ─── The working note and the answer ─────────────────────────────────────────────────────────────────────────

/** What the note says: what is being worked on (a command line as typed, or a button) and the latest progress. */
export interface WorkingNote {
  /** The command line as typed (shown as code), or undefined for a click ("Working on it…"). */
  what: string | undefined;
  /** The latest progress text from the command ("Reading 3 providers…"); empty before the first. */
  status: string;
}

/** How the answer should be delivered; the sender maps it onto its platform. */
export interface AnswerHow {
  /** Only the requester should see it (ephemeral replies, and every error). */
  ephemeral: boolean;
  /** A note of ours is on screen that the answer should replace (or remove, where it cannot be replaced). */
  replaceNote: boolean;
  /** The rich form was refused once: send plain text only. */
  plain: boolean;
}

/** One request's conversation, as one surface writes to it. */
export interface AnswerSender {
  /** Whether a note on screen may be replaced by a later note or by the answer (false when it would hit the clicked card). */
  readonly noteReplaceable: boolean;
  /** Shows the note, or replaces it when `onScreen`. Resolves false when the surface held back (e.g. a use budget). */
  showNote(note: WorkingNote, onScreen: boolean): Promise<boolean>;
  /** Delivers the answer; resolves with where it went when the surface can update it later. */
  answer(reply: Reply, how: AnswerHow): Promise<MessageRef | undefined>;
  /** Replaces the message whose button was clicked with the reply (an approval card); throws when it cannot. */
  replaceClicked?(reply: Reply): Promise<void>;
}

export interface DeliveryOptions {
  log: Logger;
  /** A command still running after this long shows the note. */
  workingNoticeMs?: number;
  /** Progress replaces the note at most this often. */
  progressIntervalMs?: number;
  /**
   * Called once an answer has been posted where it can be updated later (a channel message, not an ephemeral
   * one), with the result and where it went: e.g. so a proposal remembers every message its card is on.
   */
  onAnswered?: (result: DispatchResult, ref: MessageRef) => Promise<void> | void;
}

export interface Delivery {
  /**
   * Runs `work` (identity lookup and dispatch), showing the note if it is slow and its progress in the note, then
   * delivers the result: replacing the clicked card when the result says so, else as an answer (ephemeral when the
   * reply is, or when it is an error). Resolves with where the answer went, if the surface can tell.
   */
  respond(sender: AnswerSender, what: string | undefined, work: (progress: (text: string) => Promise<void>) => Promise<DispatchResult>): Promise<MessageRef | undefined>;
}

export const DEFAULT_WORKING_NOTICE_MS = 1000;
export const DEFAULT_PROGRESS_INTERVAL_MS = 2000;

/** Whether a result goes to the requester only: ephemeral replies and every error. */
export function isEphemeral(result: Pick<DispatchResult, 'reply' | 'outcome'>): boolean {
  return result.reply.visibility === 'ephemeral' || result.outcome !== 'ok';
}

export function createDelivery(opts: DeliveryOptions): Delivery {
  const log = opts.log;
  const workingNoticeMs = opts.workingNoticeMs ?? DEFAULT_WORKING_NOTICE_MS;
  const progressIntervalMs = opts.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;

  /** The note: shown only if the work is slow, replaced by progress (throttled), never touched after finish(). */
  function startNote(sender: AnswerSender, what: string | undefined) {
    const note: WorkingNote = { what, status: '' };
    let shown = false;
    let lastAt = 0;
    let done = false;
    let pending: Promise<unknown> = Promise.resolve();
    const show = () => {
      if (done || (shown && !sender.noteReplaceable)) return;
      const snapshot = { ...note };
      const onScreen = shown;
      lastAt = Date.now();
      pending = pending
        .then(() => sender.showNote(snapshot, onScreen))
        .then((sent) => {
          if (sent) shown = true;
        })
        .catch((err: unknown) => log.debug({ err: { message: (err as Error).message } }, 'working note not shown'));
    };
    const timer = setTimeout(show, workingNoticeMs);
    return {
      progress: async (t: string) => {
        note.status = t;
        if (shown && Date.now() - lastAt >= progressIntervalMs) show();
      },
      /** Stops the note; true when one is on screen. */
      async finish(): Promise<boolean> {
        done = true;
        clearTimeout(timer);
        await pending;
        return shown;
      },
    };
  }

  async function answer(sender: AnswerSender, reply: Reply, how: Omit<AnswerHow, 'plain'>): Promise<MessageRef | undefined> {
    try {
      return await sender.answer(reply, { ...how, plain: false });
    } catch (err) {
      log.warn({ err: { message: (err as Error).message } }, 'the answer was refused; sending plain text');
      return sender.answer(reply, { ...how, replaceNote: false, plain: true });
    }
  }

  return {
    async respond(sender, what, work) {
      const note = startNote(sender, what);
      let result: DispatchResult;
      let noteShown = false;
      try {
        result = await work(note.progress);
      } finally {
        noteShown = await note.finish();
      }
      const replaceNote = noteShown && sender.noteReplaceable;
      if (result.replace && result.outcome === 'ok' && sender.replaceClicked) {
        try {
          await sender.replaceClicked(result.reply);
          return undefined;
        } catch (err) {
          // The card could not be replaced (deleted, too old): the clicker still learns what happened.
          log.warn({ err: { message: (err as Error).message } }, 'could not update the clicked message; answering the clicker');
          return answer(sender, { ...result.reply, visibility: 'ephemeral' }, { ephemeral: true, replaceNote });
        }
      }
      const ref = await answer(sender, result.reply, { ephemeral: isEphemeral(result), replaceNote });
      if (ref && opts.onAnswered) {
        try {
          await opts.onAnswered(result, ref);
        } catch (err) {
          log.warn({ err: { message: (err as Error).message } }, 'the answer was posted but its message was not recorded');
        }
      }
      return ref;
    },
  };
}

// ─── Updates to a posted message, in order ───────────────────────────────────────────────────────────────────

export interface MessageNotifier extends Notifier {
  /** Resolves when every queued update has been sent (tests, shutdown). */
  idle(): Promise<void>;
}

/**
 * A Notifier whose updates to one message (same `keyOf(ref)`) are applied in order, one at a time, so a late
 * "step 2 of 5" can never overwrite "done". Each update's promise settles with its own send.
 */
export function createMessageNotifier(opts: {
  surface: MessageRef['surface'];
  keyOf: (ref: MessageRef) => string;
  apply: (ref: MessageRef, reply: Reply) => Promise<void>;
  post?: (target: ChannelTarget, reply: Reply) => Promise<MessageRef>;
}): MessageNotifier {
  const queues = new Map<string, Promise<void>>();
  return {
    surface: opts.surface,
    update(ref, reply) {
      const key = opts.keyOf(ref);
      const prev = queues.get(key) ?? Promise.resolve();
      const next = prev.catch(() => undefined).then(() => opts.apply(ref, reply));
      const tail = next.catch(() => undefined);
      queues.set(key, tail);
      void tail.then(() => {
        if (queues.get(key) === tail) queues.delete(key);
      });
      return next;
    },
    ...(opts.post ? { post: opts.post } : {}),
    async idle() {
      while (queues.size) await Promise.all([...queues.values()]);
    },
  };
}

// ─── The retry policy ────────────────────────────────────────────────────────────────────────────────────────

/** What a sender makes of a failed send. */
export type SendVerdict =
  /** Throttled or a passing server error: try again, after `afterMs` when the platform said (Retry-After). */
  | { kind: 'retry'; afterMs?: number }
  /** The bot may not post here any more (removed from the conversation, disabled by an admin): stop, no retries. */
  | { kind: 'pause'; reason: string }
  /** Anything else (bad request, not found): fail now. */
  | { kind: 'fail' };

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the send fails instead of holding the queue. */
  maxRetryAfterMs: number;
}

/** For chat sends: 5 tries over about 15 s of backoff at most, Retry-After up to a minute honoured. */
export const CHAT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60_000 };

/** A send that stopped for good because the conversation is paused (no retries until someone writes again). */
export class ConversationPausedError extends Error {
  constructor(
    readonly conversation: string,
    readonly reason: string,
  ) {
    super(`the bot cannot post to this conversation (${reason}); it resumes when someone there writes to it again`);
    this.name = 'ConversationPausedError';
  }
}

export interface SendQueueOptions {
  classify: (err: unknown) => SendVerdict;
  policy?: RetryPolicy;
  /** Sends per conversation: at most `limit` in any `intervalMs`, for each window (Teams: 7 per second, 60 per 30 s, …). */
  perConversation?: { limit: number; intervalMs: number }[];
  /** Called once when a conversation is paused (persist it; later sends are refused until resume). */
  onPause?: (conversation: string, reason: string) => Promise<void> | void;
  log?: Logger;
  /** Injected in tests: the wait between tries (Retry-After, backoff) and its jitter. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Injected in tests: the per-conversation rate's clock (real time by default, whatever `sleep` is). */
  rateClock?: { now: () => number; sleep: (ms: number) => Promise<void> };
}

export interface SendQueue {
  /** Runs `send` for `conversation` within its rate, retrying as the policy says; a pause rejects with ConversationPausedError. */
  send<T>(conversation: string, send: () => Promise<T>): Promise<T>;
}

/** The one retry policy of every chat send, with an optional per-conversation rate. */
export function createSendQueue(opts: SendQueueOptions): SendQueue {
  const policy = opts.policy ?? CHAT_RETRY_POLICY;
  const wait = opts.sleep ?? ((ms: number) => realSleep(ms));
  const random = opts.random ?? Math.random;
  const limiters: RateLimiters[] = (opts.perConversation ?? []).map((w) =>
    createRateLimiters({ ...w, ...(opts.rateClock ? { now: opts.rateClock.now, sleep: (ms: number) => (opts.rateClock as NonNullable<typeof opts.rateClock>).sleep(ms) } : {}) }),
  );
  return {
    async send(conversation, send) {
      for (let attempt = 1; ; attempt++) {
        for (const l of limiters) await l.get(conversation).take();
        try {
          return await send();
        } catch (err) {
          const verdict = opts.classify(err);
          if (verdict.kind === 'pause') {
            opts.log?.warn({ conversation, reason: verdict.reason }, 'conversation paused: the bot may not post there');
            await opts.onPause?.(conversation, verdict.reason);
            throw new ConversationPausedError(conversation, verdict.reason);
          }
          if (verdict.kind === 'fail') throw err;
          if (attempt >= policy.attempts) throw markTransient(err);
          const backoff = Math.round(Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (0.5 + random() / 2));
          const delay = verdict.afterMs !== undefined ? verdict.afterMs : backoff;
          if (delay > policy.maxRetryAfterMs) throw markTransient(err);
          opts.log?.info({ conversation, attempt, delayMs: delay }, 'send throttled or failed; retrying');
          await wait(delay);
        }
      }
    },
  };
}

const transientFailures = new WeakSet<object>();
function markTransient(err: unknown): unknown {
  if (typeof err === 'object' && err !== null) transientFailures.add(err);
  return err;
}

/**
 * Whether a send failed only for now: throttled or a passing server error until the retries (or a Retry-After too
 * long to wait) ran out. Such an update is worth trying again later; one that was refused outright is not.
 */
export function isTransientSendFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && transientFailures.has(err);
}

/** Retry-After as milliseconds: seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now: () => number = Date.now): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return Math.round(s * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now());
}
