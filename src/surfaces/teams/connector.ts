/**
 * Outgoing Bot Framework calls (replies, updates, proactive posts) as the shared delivery sees them: every call
 * goes through its send queue (7 per second per conversation and Teams' longer windows, back off on 429 / 412 /
 * 502 / 504 with Retry-After), and a 403 BotNotInConversationRoster / BotDisabledByAdmin pauses the conversation
 * (no retries) until someone there writes to the bot again. The SDK's own retry policy is taken out of each
 * connector client so that this one is the only one.
 */
import type { Activity, CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import { retryAfterMs, type SendVerdict } from '../../core/delivery.js';

/** Teams' per-conversation limits for a bot (messages per window), from the platform's rate-limit table. */
export const TEAMS_CONVERSATION_RATES = [
  { limit: 7, intervalMs: 1000 },
  { limit: 60, intervalMs: 30_000 },
  { limit: 1800, intervalMs: 3_600_000 },
];

/** 403 codes that mean "the bot may not post here": pause, never retry. */
const PAUSE_CODES = new Set(['BotNotInConversationRoster', 'BotDisabledByAdmin', 'ConversationBlockedByUser']);
const RETRY_STATUS = new Set([412, 429, 502, 504]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EAI_AGAIN', 'EPIPE', 'REQUEST_SEND_ERROR']);

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  details?: { error?: { code?: string } };
  response?: { status?: number; headers?: { get?: (n: string) => string | undefined | null } | Record<string, string>; bodyAsText?: string | null };
}

function header(e: RestErrorLike, name: string): string | undefined {
  const h = e.response?.headers;
  if (!h) return undefined;
  if (typeof (h as { get?: unknown }).get === 'function') return ((h as { get: (n: string) => string | undefined | null }).get(name) ?? undefined) || undefined;
  return (h as Record<string, string>)[name];
}

/** The Bot Framework error code of a connector failure (`{ "error": { "code": … } }`). */
export function connectorErrorCode(err: unknown): string | undefined {
  const e = err as RestErrorLike;
  const fromDetails = e?.details?.error?.code;
  if (fromDetails) return fromDetails;
  const body = e?.response?.bodyAsText;
  if (body) {
    try {
      const code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
      if (typeof code === 'string') return code;
    } catch {
      // not JSON
    }
  }
  return e?.code && !NETWORK_CODES.has(e.code) ? e.code : undefined;
}

/** The shared retry policy's view of a connector failure. */
export function teamsSendVerdict(err: unknown): SendVerdict {
  const e = err as RestErrorLike;
  const status = e?.statusCode ?? e?.response?.status;
  if (status === 403) {
    const code = connectorErrorCode(err);
    return code && PAUSE_CODES.has(code) ? { kind: 'pause', reason: code } : { kind: 'fail' };
  }
  if (status !== undefined && RETRY_STATUS.has(status)) {
    const after = retryAfterMs(header(e, 'retry-after'));
    return { kind: 'retry', ...(after !== undefined ? { afterMs: after } : {}) };
  }
  if (status === undefined && e?.code && NETWORK_CODES.has(e.code)) return { kind: 'retry' };
  return { kind: 'fail' };
}

/** A channel thread is `19:…@thread.tacv2;messageid=…`; the channel itself is the part before `;`. */
export function baseConversationId(id: string): string {
  const i = id.indexOf(';');
  return i === -1 ? id : id.slice(0, i);
}

/** Runs `fn` in a proactive turn of `reference` (a connector client for its service URL, with a token). */
export async function inConversation<T>(adapter: CloudAdapter, appId: string, reference: Partial<ConversationReference>, fn: (ctx: TurnContext) => Promise<T>): Promise<T> {
  let out: T | undefined;
  await adapter.continueConversationAsync(appId, reference, async (ctx) => {
    dropSdkRetries(adapter, ctx);
    out = await fn(ctx);
  });
  return out as T;
}

/**
 * The connector client's HTTP pipeline retries 429 and 5xx by itself (@azure/core-rest-pipeline's Retry phase);
 * with it removed, the shared policy is the only one and sees every failure. Where the client is not shaped
 * that way (another SDK version) nothing changes but that both would retry.
 */
export function dropSdkRetries(adapter: CloudAdapter, ctx: TurnContext): void {
  const client = ctx.turnState.get(adapter.ConnectorClientKey) as { client?: { pipeline?: { removePolicy?: (o: { phase: string }) => unknown } } } | undefined;
  client?.client?.pipeline?.removePolicy?.({ phase: 'Retry' });
}

export type OutgoingActivity = Partial<Activity>;

/** The Bot Framework connector calls Steward makes (the SDK's ConnectorClient has them). */
export interface ConnectorCalls {
  conversations: {
    sendToConversation(conversationId: string, activity: Partial<Activity>): Promise<{ id?: string }>;
    replyToActivity(conversationId: string, activityId: string, activity: Partial<Activity>): Promise<{ id?: string }>;
    updateActivity(conversationId: string, activityId: string, activity: Partial<Activity>): Promise<{ id?: string }>;
  };
}

/** The turn's connector client (a proactive turn has one for the reference's service URL, with a token). */
export function connectorOf(adapter: CloudAdapter, ctx: TurnContext): ConnectorCalls {
  const client = ctx.turnState.get(adapter.ConnectorClientKey) as ConnectorCalls | undefined;
  if (!client) throw new Error('the Bot Framework turn has no connector client');
  return client;
}
