/**
 * Slack test harness: a Slack surface mounted on the real shared HTTP server, signed requests like Slack sends
 * them, and msw standing in for the Web API (slack.com/api) and response_url (hooks.slack.com).
 */
import { createHmac } from 'node:crypto';
import { http as mswHttp, HttpResponse, type HttpHandler } from 'msw';
import { setupServer } from 'msw/node';
import { defineAction, defineCommand, type ActionDef, type AnyCommand } from '../../../src/core/command.js';
import { createDispatcher } from '../../../src/core/dispatch.js';
import { createNotifierHub } from '../../../src/core/notifier.js';
import { createRegistry } from '../../../src/core/registry.js';
import type { Services } from '../../../src/core/services.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { createHttpServer, type HttpServer } from '../../../src/server/http.js';
import { createSlackSurface, type SlackSurface, type SlackSurfaceOptions } from '../../../src/surfaces/slack/index.js';

export const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
export const BOT_TOKEN = 'xoxb-test-token';

export interface ApiCall {
  method: string;
  auth: string | null;
  /** Form fields, with `blocks` parsed back from JSON. */
  body: Record<string, unknown>;
}
export interface HookCall {
  url: string;
  body: Record<string, unknown>;
}

/** Records every Web API and response_url call; `apiResponses[method]` overrides the default `{ ok: true }`. */
export function createSlackStub() {
  const api: ApiCall[] = [];
  const hooks: HookCall[] = [];
  const apiResponses: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {};
  let ts = 1000;
  const handlers: HttpHandler[] = [
    mswHttp.post('https://slack.com/api/:method', async ({ request, params }) => {
      const method = String(params.method);
      const raw = await request.text();
      const body: Record<string, unknown> = (request.headers.get('content-type') ?? '').includes('json')
        ? (JSON.parse(raw) as Record<string, unknown>)
        : Object.fromEntries(new URLSearchParams(raw));
      for (const k of ['blocks', 'include_users']) {
        if (typeof body[k] === 'string' && /^[[{]|^true$|^false$/.test(body[k] as string)) body[k] = JSON.parse(body[k] as string);
      }
      api.push({ method, auth: request.headers.get('authorization'), body });
      const custom = apiResponses[method];
      if (custom) return HttpResponse.json(custom(body));
      if (method === 'chat.postMessage') return HttpResponse.json({ ok: true, channel: body.channel, ts: `1714.${String(++ts).padStart(6, '0')}` });
      if (method === 'chat.update') return HttpResponse.json({ ok: true, channel: body.channel, ts: body.ts });
      if (method === 'auth.test') return HttpResponse.json({ ok: true, user_id: 'U0BOT', bot_id: 'B0BOT', team: 'Acme', user: 'steward' });
      if (method === 'usergroups.list') return HttpResponse.json({ ok: true, usergroups: [] });
      return HttpResponse.json({ ok: true });
    }),
    mswHttp.post('https://hooks.slack.com/*', async ({ request }) => {
      hooks.push({ url: request.url, body: (await request.json()) as Record<string, unknown> });
      return HttpResponse.text('ok');
    }),
  ];
  const server = setupServer(...handlers);
  return {
    api,
    hooks,
    apiResponses,
    listen() {
      // Our own loopback requests to the app pass through; anything else unmocked fails the test.
      server.listen({ onUnhandledRequest: (req, print) => (new URL(req.url).hostname === '127.0.0.1' ? undefined : print.error()) });
    },
    reset() {
      api.length = 0;
      hooks.length = 0;
      for (const k of Object.keys(apiResponses)) delete apiResponses[k];
    },
    close: () => server.close(),
    calls: (method: string) => api.filter((c) => c.method === method),
  };
}

export function sign(rawBody: string, opts: { ts?: number; secret?: string } = {}): Record<string, string> {
  const ts = opts.ts ?? Math.floor(Date.now() / 1000);
  const sig = 'v0=' + createHmac('sha256', opts.secret ?? SECRET).update(`v0:${ts}:${rawBody}`).digest('hex');
  return { 'x-slack-signature': sig, 'x-slack-request-timestamp': String(ts), 'content-type': 'application/x-www-form-urlencoded' };
}

let triggers = 0;
export function slashBody(text: string, extra: Record<string, string> = {}): string {
  const n = ++triggers;
  return new URLSearchParams({
    token: 'legacy',
    team_id: 'T1',
    team_domain: 'acme',
    channel_id: 'C1',
    channel_name: 'ops',
    user_id: 'U1',
    user_name: 'dana',
    command: '/cloud',
    text,
    api_app_id: 'A1',
    response_url: `https://hooks.slack.com/commands/T1/${n}/cmd${n}`,
    trigger_id: `trigger.${n}`,
    ...extra,
  }).toString();
}

export function actionBody(a: { actionId: string; value: string; user?: string; channel?: string; ts?: string; ephemeral?: boolean }): string {
  const n = ++triggers;
  const payload = {
    type: 'block_actions',
    team: { id: 'T1', domain: 'acme' },
    user: { id: a.user ?? 'U2', username: 'sam', name: 'sam', team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy',
    trigger_id: `trigger.${n}`,
    container: { type: 'message', message_ts: a.ts ?? '1714.000001', channel_id: a.channel ?? 'C1', is_ephemeral: a.ephemeral ?? false },
    channel: { id: a.channel ?? 'C1', name: 'ops' },
    ...(a.ephemeral ? {} : { message: { type: 'message', ts: a.ts ?? '1714.000001', text: 'card' } }),
    response_url: `https://hooks.slack.com/actions/T1/${n}/act${n}`,
    actions: [{ type: 'button', action_id: a.actionId, block_id: 'b1', value: a.value, text: { type: 'plain_text', text: 'Approve' }, action_ts: `1714.${n}` }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Harness {
  url: string;
  http: HttpServer;
  slack: SlackSurface;
  notifiers: ReturnType<typeof createNotifierHub>;
  post(body: string, headers: Record<string, string>): Promise<{ status: number; text: string; ms: number }>;
  close(): Promise<void>;
}

/** The real shared server with the Slack surface mounted, over a dispatcher with the given commands. */
export async function startHarness(commands: AnyCommand[], actions: ActionDef[], opts: Partial<SlackSurfaceOptions> = {}): Promise<Harness> {
  const log = silentLogger();
  const registry = createRegistry(commands, actions);
  const notifiers = createNotifierHub();
  const dispatcher = createDispatcher({ registry, services: {} as Services, clock: { now: () => new Date('2025-06-01T12:00:00Z') }, log, notifiers });
  const slack = createSlackSurface({
    dispatcher,
    log,
    botToken: BOT_TOKEN,
    signingSecret: SECRET,
    botId: 'B0BOT',
    botUserId: 'U0BOT',
    clientOptions: { retryConfig: { retries: 0 } },
    ...opts,
  });
  notifiers.register(slack.notifier);
  const http = createHttpServer({ log, ready: async () => undefined });
  if (slack.http) http.mountRaw(slack.http.path, slack.http.listener);
  await slack.start();
  const { url } = await http.listen(0, '127.0.0.1');
  return {
    url,
    http,
    slack,
    notifiers,
    async post(body, headers) {
      const t0 = performance.now();
      const res = await fetch(`${url}/slack/events`, { method: 'POST', headers, body });
      const text = await res.text();
      return { status: res.status, text, ms: performance.now() - t0 };
    },
    async close() {
      await slack.stop(1000);
      await http.close(100);
    },
  };
}

export { defineAction, defineCommand };
