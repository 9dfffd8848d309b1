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

const userName = z
  .string()
  .trim()
  .max(40)
  .transform((v) => v.replace(/[^\p{L}\p{N}._-]/gu, '').toLowerCase() || 'anonymous');
const commandBody = z.object({ text: z.string().max(4000), user: userName.default('alice') });
const actionBody = z.object({ actionId: z.string().min(1).max(255), value: z.string().max(2000), user: userName.default('alice'), messageId: z.string().max(64).default('') });

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

  const answer = (res: Response, result: DispatchResult, extra: Record<string, unknown> = {}) => {
    const html = toHtml(result.reply);
    const posted = board.post(html);
    res.json({ id: posted.id, seq: posted.seq, outcome: result.outcome, html, text: toPlainText(result.reply), data: result.data ?? null, ...extra });
  };

  router.get('/', (_req, res) => {
    res.set('content-security-policy', "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:");
    res.type('html').send(CONSOLE_PAGE);
  });

  router.post('/api/command', jsonOnly, json, async (req, res) => {
    const body = commandBody.safeParse(req.body);
    if (!body.success) {
      res.status(400).json({ error: 'expected { text, user }' });
      return;
    }
    const result = await deps.dispatcher.run({ text: body.data.text, actor: actor(body.data.user), surface: 'console', conversation: { surface: 'console', address: {} } });
    answer(res, result);
  });

  router.post('/api/action', jsonOnly, json, async (req, res) => {
    const body = actionBody.safeParse(req.body);
    if (!body.success) {
      res.status(400).json({ error: 'expected { actionId, value, user }' });
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
    answer(res, result);
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
