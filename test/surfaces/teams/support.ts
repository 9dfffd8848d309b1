/**
 * Teams test harness: the Teams surface mounted on the real shared HTTP server, activities posted over HTTP with
 * Bot Framework tokens signed by a test key, and msw standing in for the Bot Framework: the OpenID metadata
 * (the real document), the signing keys (ours: no real JWKS exists to copy), the Azure AD token endpoint and the
 * connector API of the activity's service URL. Nothing here knows botbuilder: a successor SDK would pass the same.
 */
import { readFileSync } from 'node:fs';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { http as mswHttp, HttpResponse, type HttpHandler } from 'msw';
import { setupServer } from 'msw/node';
import type { ActionDef, AnyCommand } from '../../../src/core/command.js';
import { createDispatcher } from '../../../src/core/dispatch.js';
import { createNotifierHub } from '../../../src/core/notifier.js';
import { createRegistry } from '../../../src/core/registry.js';
import type { Services } from '../../../src/core/services.js';
import { silentLogger } from '../../../src/lib/logger.js';
import type { App } from '../../../src/main.js';
import { openDatabase, type Database } from '../../../src/persistence/db.js';
import { createConversationStore } from '../../../src/persistence/conversation-store.js';
import { createHttpServer, type HttpServer } from '../../../src/server/http.js';
import { createTeamsSurface, type TeamsSurface, type TeamsSurfaceOptions } from '../../../src/surfaces/teams/index.js';

export const APP_ID = '0b6fe6d1-fece-44f7-9a48-56465e2d5ab8';
export const APP_TENANT = '50612dbb-0237-4969-b378-8d42590f9c00';
export const OTHER_TENANT = '56653e9d-2158-46ee-90d7-675c39642038';
export const OUTBOUND_TOKEN = 'fake-bot-outbound-token';
const OPENID_URL = 'https://login.botframework.com/v1/.well-known/openidconfiguration';
const KEYS_URL = 'https://login.botframework.com/v1/.well-known/keys';

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/teams/${name}`, import.meta.url), 'utf8')) as T;
}

export interface ConnectorCall {
  method: 'POST' | 'PUT';
  /** The decoded conversation id and, for replies and updates, the activity id of the URL. */
  conversationId: string;
  activityId: string | undefined;
  kind: 'send' | 'reply' | 'update';
  auth: string | null;
  body: Record<string, unknown>;
  /** The activity id the stub answered with. */
  responseId?: string;
}

export type Override = (call: ConnectorCall) => Response | undefined;

/** The Bot Framework as msw: signing keys, AAD token, and a connector that records what the bot sends. */
export async function createBotFramework() {
  const key = await generateKeyPair('RS256', { extractable: true });
  const stranger = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(key.publicKey)), kid: 'steward-test-key', use: 'sig', alg: 'RS256' };
  const calls: ConnectorCall[] = [];
  const tokenRequests: string[] = [];
  /** One-shot answers for the next connector calls (a 429, a 403), consumed in order. */
  const overrides: Override[] = [];
  let nextId = 1000;
  const connector = async ({ request }: { request: Request }) => {
    const url = new URL(request.url);
    const m = /\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return HttpResponse.json({ error: { code: 'BadSyntax', message: `unexpected path ${url.pathname}` } }, { status: 400 });
    const body = (await request.json()) as Record<string, unknown>;
    const activityId = m[2] ? decodeURIComponent(m[2]) : undefined;
    const call: ConnectorCall = {
      method: request.method as 'POST' | 'PUT',
      conversationId: decodeURIComponent(m[1] as string),
      activityId,
      kind: request.method === 'PUT' ? 'update' : activityId ? 'reply' : 'send',
      auth: request.headers.get('authorization'),
      body,
    };
    calls.push(call);
    const o = overrides.shift()?.(call);
    if (o) return o;
    call.responseId = call.kind === 'update' ? activityId : `act-${++nextId}`;
    return HttpResponse.json({ id: call.responseId });
  };
  const handlers: HttpHandler[] = [
    mswHttp.get(OPENID_URL, () => HttpResponse.json(fixture('botframework.openidconfiguration.bot-docs.json'))),
    mswHttp.get(KEYS_URL, () => HttpResponse.json({ keys: [{ ...jwk, endorsements: ['msteams'] }] })),
    mswHttp.post('https://login.microsoftonline.com/:tenant/oauth2/v2.0/token', ({ params }) => {
      tokenRequests.push(String(params.tenant));
      return HttpResponse.json({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: OUTBOUND_TOKEN });
    }),
    mswHttp.post('https://smba.trafficmanager.net/*', connector),
    mswHttp.put('https://smba.trafficmanager.net/*', connector),
  ];
  const server = setupServer(...handlers);

  async function token(opts: { key?: CryptoKey; audience?: string; issuer?: string; expiresIn?: string | number; serviceUrl?: string; issuedAt?: number } = {}) {
    const jwt = new SignJWT({ serviceurl: opts.serviceUrl ?? 'https://smba.trafficmanager.net/amer/' })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid as string, typ: 'JWT' })
      .setIssuer(opts.issuer ?? 'https://api.botframework.com')
      .setAudience(opts.audience ?? APP_ID)
      .setIssuedAt(opts.issuedAt)
      .setNotBefore(opts.issuedAt ?? '0s')
      .setExpirationTime(opts.expiresIn ?? '1h');
    return jwt.sign(opts.key ?? key.privateKey);
  }

  return {
    calls,
    tokenRequests,
    overrides,
    /** A token as the Bot Framework signs it; override a claim or the key to forge one. */
    token,
    strangerKey: stranger.privateKey,
    listen() {
      // Our own loopback requests to the app pass through; anything else unmocked fails the test.
      server.listen({ onUnhandledRequest: (req, print) => (new URL(req.url).hostname === '127.0.0.1' ? undefined : print.error()) });
    },
    use: (...h: HttpHandler[]) => server.use(...h),
    reset() {
      calls.length = 0;
      tokenRequests.length = 0;
      overrides.length = 0;
    },
    close: () => server.close(),
  };
}
export type BotFramework = Awaited<ReturnType<typeof createBotFramework>>;

/** The channel-mention capture with the text and ids changed as a test needs. */
export function channelMessage(text: string, over: { id?: string; from?: Record<string, unknown>; conversation?: Record<string, unknown>; tenant?: string } = {}) {
  const a = fixture<Record<string, any>>('activity.message.channel-mention.teams-net.json');
  a.text = `<at>ridotest</at> ${text}`;
  a.id = over.id ?? `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  if (over.from) a.from = { ...a.from, ...over.from };
  if (over.conversation) a.conversation = { ...a.conversation, ...over.conversation };
  if (over.tenant) {
    a.conversation.tenantId = over.tenant;
    a.channelData.tenant.id = over.tenant;
  }
  return a;
}

/** A personal (1:1) chat message from the same user. */
export function personalMessage(text: string, over: { id?: string; from?: Record<string, unknown> } = {}) {
  const a = channelMessage(text, over);
  a.text = text;
  a.entities = a.entities.filter((e: { type: string }) => e.type !== 'mention');
  a.conversation = { id: 'a:1personal-chat-with-rido', conversationType: 'personal', tenantId: APP_TENANT };
  a.channelData = { tenant: { id: APP_TENANT } };
  return a;
}

/** A group chat message (`19:…@thread.v2`, no team). */
export function groupChatMessage(text: string) {
  const a = channelMessage(text);
  a.conversation = { id: '19:groupchat-3f1c@thread.v2', conversationType: 'groupChat', isGroup: true, tenantId: APP_TENANT };
  a.channelData = { tenant: { id: APP_TENANT } };
  return a;
}

/** The Action.Execute capture with Steward's button data, in the given conversation, on card `replyToId`. */
export function cardAction(data: { actionId: string; value: string }, over: { from?: Record<string, unknown>; replyToId?: string; conversationId?: string; tenant?: string } = {}) {
  const a = fixture<Record<string, any>>('activity.invoke.adaptiveCard-action.teams-net.json');
  a.value = { action: { type: 'Action.Execute', title: 'Approve', verb: data.actionId, data }, trigger: 'manual' };
  a.id = `f:${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  a.serviceUrl = 'https://smba.trafficmanager.net/amer/';
  const tenant = over.tenant ?? APP_TENANT;
  a.conversation.tenantId = tenant;
  a.channelData.tenant.id = tenant;
  if (over.conversationId) a.conversation.id = over.conversationId;
  if (over.replyToId) a.replyToId = over.replyToId;
  if (over.from) a.from = { ...a.from, ...over.from };
  return a;
}

export async function postActivity(url: string, activity: unknown, token: string | undefined) {
  const res = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(activity),
  });
  const text = await res.text();
  return { status: res.status, text, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, any>) : undefined };
}

/** The first Adaptive Card of a connector call, and all of its text. */
export function cardOf(call: ConnectorCall | undefined): { card: Record<string, any> | undefined; text: string } {
  const att = (call?.body.attachments as { contentType: string; content: Record<string, any> }[] | undefined)?.[0];
  const card = att?.contentType === 'application/vnd.microsoft.card.adaptive' ? att.content : undefined;
  return { card, text: card ? JSON.stringify(card) : String(call?.body.text ?? '') };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ─── The surface on the shared server ─────────────────────────────────────────────────────────────────────────

export interface TeamsHarness {
  url: string;
  http: HttpServer;
  teams: TeamsSurface;
  database: Database;
  conversations: ReturnType<typeof createConversationStore>;
  notifiers: ReturnType<typeof createNotifierHub>;
  /** Every wait the retry policy asked for (no real waiting in tests). */
  waits: number[];
  close(): Promise<void>;
}

/** The real shared server with the Teams surface mounted over a dispatcher with the given commands (PGlite store). */
export async function startTeamsHarness(commands: AnyCommand[], actions: ActionDef[], harnessOpts: Partial<TeamsSurfaceOptions> & { /** A database to use (and leave open) instead of a new in-memory one. */ database?: Database } = {}): Promise<TeamsHarness> {
  const { database: given, ...opts } = harnessOpts;
  const log = silentLogger();
  const registry = createRegistry(commands, actions);
  const notifiers = createNotifierHub();
  const dispatcher = createDispatcher({ registry, services: {} as Services, clock: { now: () => new Date('2025-06-01T12:00:00Z') }, log, notifiers });
  const database = given ?? (await openDatabase({ kind: 'pglite', dataDir: 'memory://' }));
  const conversations = createConversationStore(database.db);
  const waits: number[] = [];
  const teams = createTeamsSurface({
    dispatcher,
    log,
    auth: { appId: APP_ID, appType: 'SingleTenant', tenantId: APP_TENANT, password: 'test-client-secret' },
    allowedTenants: [APP_TENANT],
    conversations,
    sendOptions: { sleep: async (ms) => void waits.push(ms) },
    ...opts,
  });
  notifiers.register(teams.notifier);
  const http = createHttpServer({ log, ready: async () => undefined });
  http.app.use(teams.router);
  const { url } = await http.listen(0, '127.0.0.1');
  return {
    url,
    http,
    teams,
    database,
    conversations,
    notifiers,
    waits,
    async close() {
      await teams.stop(1000);
      await http.close(100);
      if (!given) await database.close();
    },
  };
}

/** The Teams surface mounted on the shared server over a whole Steward app (its dispatcher, database and notifiers). */
export async function mountTeamsOnApp(app: App): Promise<{ url: string; teams: TeamsSurface; close(): Promise<void> }> {
  const teams = createTeamsSurface({
    dispatcher: app.dispatcher,
    log: silentLogger(),
    auth: { appId: APP_ID, appType: 'SingleTenant', tenantId: APP_TENANT, password: 'test-client-secret' },
    allowedTenants: [APP_TENANT],
    conversations: createConversationStore(app.database.db),
    sendOptions: { sleep: async () => undefined },
  });
  app.notifiers.register(teams.notifier);
  const http = createHttpServer({ log: silentLogger(), ready: async () => undefined });
  http.app.use(teams.router);
  const { url } = await http.listen(0, '127.0.0.1');
  return {
    url,
    teams,
    async close() {
      await teams.idle();
      await http.close(100);
    },
  };
}
