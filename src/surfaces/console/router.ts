import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { MessageRef } from '../../core/command.js';
import type { Dispatcher, DispatchResult } from '../../core/dispatch.js';
import type { Notifier } from '../../core/notifier.js';
import { toPlainText } from '../../core/render-text.js';
import type { Reply } from '../../core/reply.js';
import type { Logger } from '../../lib/logger.js';
import { CONSOLE_PAGE } from './page.js';
import { toHtml } from './render.js';
import { formatUsd } from '../../lib/money.js';
import { MAX_INPUT_LENGTH } from '../../core/args.js';
import { reply as makeReply, text as textBlock } from '../../core/reply.js';

export const MAX_USER_NAME = 40;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const userName = z
  .string()
  .trim()
  .max(MAX_USER_NAME, { error: (i) => `Your name is ${String((i.input as string).length)} characters long; names are at most ${MAX_USER_NAME}.` })
  .transform((v) => v.replace(/[^\p{L}\p{N}._-]/gu, '').toLowerCase() || 'anonymous');
const commandBody = z.object({
  text: z.string({ error: 'expected { text, user }: text is missing' }).max(MAX_INPUT_LENGTH, { error: (i) => `That command is ${String((i.input as string).length)} characters long; the limit is ${MAX_INPUT_LENGTH}.` }),
  user: userName.default('alice'),
});
/** Ids and values are validated here, before anything reaches the database (PostgreSQL refuses NUL in text). */
const cleanId = (what: string, max: number) =>
  z
    .string({ error: `expected { actionId, value, user }: ${what} is missing` })
    .max(max, { error: `The ${what} is longer than ${max} characters; buttons never carry that much.` })
    .refine((v) => !CONTROL.test(v), { error: `The ${what} contains control characters (such as NUL); buttons never carry them.` });
const actionBody = z.object({
  actionId: cleanId('action id', 255).pipe(z.string().min(1, { error: 'expected { actionId, value, user }: the action id is empty' })),
  value: cleanId('button value', 2000),
  user: userName.default('alice'),
  messageId: cleanId('message id', 64).default(''),
});

/** The first problem zod found, in words a person can act on. */
function firstProblem(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'The request was not understood.';
}

/** Messages the console has shown, so later progress can replace one in place (polled by the page). */
function createMessageBoard(capacity = 500) {
  let seq = 0;
  const messages = new Map<string, { html: string; seq: number; pushed?: boolean }>();
  return {
    /** `pushed`: posted without a request (digests), so the page adds it instead of waiting for its answer. */
    post(html: string, pushed = false): { id: string; seq: number } {
      const id = randomUUID().slice(0, 12);
      messages.set(id, { html, seq: ++seq, ...(pushed ? { pushed } : {}) });
      if (messages.size > capacity) messages.delete(messages.keys().next().value as string);
      return { id, seq };
    },
    update(id: string, html: string): boolean {
      const m = messages.get(id);
      if (!m) return false;
      messages.set(id, { ...m, html, seq: ++seq });
      return true;
    },
    since(after: number) {
      return { seq, messages: [...messages].filter(([, m]) => m.seq > after).map(([id, m]) => ({ id, html: m.html, ...(m.pushed ? { pushed: true } : {}) })) };
    },
  };
}

interface EstateSummary {
  total: number;
  running: number;
  monthlyUsd: number;
  byProviderRegion: { key: string }[];
}

/** One sentence on what the estate holds, for the first page. */
export function describeEstate(inv: EstateSummary | undefined, demo: boolean): string {
  if (!inv) return 'The estate could not be read just now; type a command below to try again.';
  const providers = [...new Set(inv.byProviderRegion.map((g) => g.key.split(' ')[0] ?? ''))].filter(Boolean).sort();
  const regions = inv.byProviderRegion.length;
  const list = providers.length > 1 ? `${providers.slice(0, -1).join(', ')} and ${providers.at(-1)}` : (providers[0] ?? 'no cloud');
  const what = `${inv.total} ${demo ? 'simulated ' : ''}instance${inv.total === 1 ? '' : 's'} (${inv.running} running, ${formatUsd(Math.round(inv.monthlyUsd * 1e6))} a month) on ${list} in ${regions} region${regions === 1 ? '' : 's'}`;
  return demo ? `The demo estate holds ${what}; nothing here touches a real cloud.` : `Connected to ${what}.`;
}

export interface ConsoleSurface {
  router: Router;
  notifier: Notifier;
}

/**
 * The local web console: a page where you type a command and see its reply rendered, with working buttons.
 * It has no login: it is meant for the embedded first run on 127.0.0.1 (STEWARD_CONSOLE, see README).
 */
export function createConsoleSurface(deps: { dispatcher: Dispatcher; log: Logger }): ConsoleSurface {
  const board = createMessageBoard();
  const router = express.Router();
  const json = express.json({ limit: '16kb' });
  const actor = (user: string) => ({ id: `console:${user}`, displayName: user, surface: 'console' as const });

  // JSON only: a cross-site form cannot send application/json without a CORS preflight we never grant.
  const jsonOnly = (req: Request, res: Response, next: () => void) => {
    if (!req.is('application/json')) {
      res.status(415).json({ error: 'send application/json' });
      return;
    }
    next();
  };

  const answer = async (res: Response, result: DispatchResult, extra: Record<string, unknown> = {}) => {
    const html = toHtml(result.reply);
    const posted = board.post(html);
    // A proposal card on the board is kept current by every later decision and step, however made.
    await deps.dispatcher.posted?.(result, { surface: 'console', address: { messageId: posted.id } });
    res.json({ id: posted.id, seq: posted.seq, outcome: result.outcome, html, text: toPlainText(result.reply), data: result.data ?? null, ...extra });
  };

  /** A 400 the page can show as it shows any reply: the message, rendered, plus the same fields as an answer. */
  const refuse = (res: Response, message: string) => {
    const r = makeReply({ blocks: [textBlock(message)] });
    res.status(400).json({ error: message, outcome: 'usage', html: toHtml(r), text: toPlainText(r) });
  };

  router.get('/', (_req, res) => {
    res.set('content-security-policy', "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:");
    res.type('html').send(CONSOLE_PAGE);
  });

  router.post('/api/command', jsonOnly, json, async (req, res) => {
    const body = commandBody.safeParse(req.body);
    if (!body.success) {
      refuse(res, firstProblem(body.error));
      return;
    }
    const result = await deps.dispatcher.run({ text: body.data.text, actor: actor(body.data.user), surface: 'console', conversation: { surface: 'console', address: {} } });
    await answer(res, result);
  });

  router.post('/api/action', jsonOnly, json, async (req, res) => {
    const body = actionBody.safeParse(req.body);
    if (!body.success) {
      refuse(res, firstProblem(body.error));
      return;
    }
    const message: MessageRef | undefined = body.data.messageId ? { surface: 'console', address: { messageId: body.data.messageId } } : undefined;
    const result = await deps.dispatcher.action({
      actionId: body.data.actionId,
      value: body.data.value,
      actor: actor(body.data.user),
      surface: 'console',
      ...(message ? { message } : {}),
    });
    if (result.replace && message && board.update(body.data.messageId, toHtml(result.reply))) {
      res.json({ id: body.data.messageId, outcome: result.outcome, html: toHtml(result.reply), text: toPlainText(result.reply), replace: true });
      return;
    }
    await answer(res, result);
  });

  // The empty first page says what the estate holds: read through the same commands a person would type.
  router.get('/api/welcome', async (req, res) => {
    const who = userName.safeParse(typeof req.query.user === 'string' ? req.query.user : 'alice');
    const run = (text: string) => deps.dispatcher.run({ text, actor: actor(who.success ? who.data : 'alice'), surface: 'console' });
    const [inventory, demo] = await Promise.all([run('inventory --json --limit 1'), run('demo --json')]);
    res.json({ estate: describeEstate(inventory.outcome === 'ok' ? (inventory.data as EstateSummary) : undefined, demo.outcome === 'ok') });
  });

  router.get('/api/updates', (req, res) => {
    const since = Number(req.query.since ?? 0);
    res.json(board.since(Number.isFinite(since) ? since : 0));
  });

  const notifier: Notifier = {
    surface: 'console',
    async update(ref: MessageRef, reply: Reply) {
      const id = ref.address.messageId;
      if (id && !board.update(id, toHtml(reply))) deps.log.debug({ id }, 'console message no longer on the board');
    },
    async post(_target, reply: Reply) {
      return { surface: 'console', address: { messageId: board.post(toHtml(reply), true).id } };
    },
  };
  return { router, notifier };
}
