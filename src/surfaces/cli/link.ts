/**
 * A CLI run while a server holds the embedded database forwards its command to that server (the data folder is
 * one process's). The forwarded command must keep its `cli:` identity — a person's CLI user is bound in the policy
 * as `cli:<user>`, and self-approval is judged on it — without letting just any caller of the server claim one.
 *
 * How the server tells a forwarded CLI command from anyone else:
 *
 * - at start the server writes a fresh random secret (32 bytes) to `<data folder>/steward.cli-secret`, created
 *   new with mode 0600, so only the OS account that runs the server (and root) can read it;
 * - the CLI reads it and sends it in `x-steward-cli-secret` to `POST /api/cli` on the server's loopback URL (from
 *   the lock file); the server compares it in constant time and answers loopback peers only;
 * - anything else (a browser page, the console's `user` field, another local account, a caller off the machine)
 *   cannot speak as `cli:`: the console API only ever yields `console:` identities, and `/api/cli` answers 401.
 *
 * What the secret proves is "this caller can read the data folder's secret as its owner", the same account that
 * could open the embedded database directly and run the command standalone. So the forwarded identity is the one
 * the standalone CLI would have (`STEWARD_USER`, else the OS user name): forwarding grants no identity that
 * running without the server would not. A `cli:` identity is therefore as strong as the OS account behind it;
 * bind it to a person in the policy only where that account is that person's (docs/approvals.md).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { type Router } from 'express';
import { z } from 'zod';
import { MAX_INPUT_LENGTH } from '../../core/args.js';
import type { Dispatcher } from '../../core/dispatch.js';
import { toPlainText } from '../../core/render-text.js';

// The CLI side (cli.ts) holds these without loading express: its fast path stays free of the server's packages.
import { CLI_FORWARD_PATH, CLI_SECRET_HEADER, cliUserName } from './cli.js';
export { CLI_FORWARD_PATH, CLI_SECRET_HEADER, cliUserName };
export const CLI_SECRET_FILE = 'steward.cli-secret';

export function cliSecretPath(dataDir: string): string {
  return join(resolve(dataDir), CLI_SECRET_FILE);
}


export interface CliSecret {
  secret: string;
  path: string;
  /** Removes the file (when the server stops), unless another server has replaced it since. */
  release(): void;
}

/** Writes a new secret for this server: an old file (a crash) is replaced, never reused or widened. */
export function createCliSecret(dataDir: string): CliSecret {
  const path = cliSecretPath(dataDir);
  const secret = randomBytes(32).toString('base64url');
  try {
    unlinkSync(path);
  } catch {
    // none yet
  }
  // 'wx' creates the file anew with mode 0600 (an existing file would keep its own mode and owner).
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, secret);
  } finally {
    closeSync(fd);
  }
  return {
    secret,
    path,
    release() {
      try {
        if (readFileSync(path, 'utf8') === secret) unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}

/** The running server's secret, or why this process cannot read it. */
export function readCliSecret(dataDir: string): { ok: true; secret: string } | { ok: false; reason: string } {
  const path = cliSecretPath(dataDir);
  try {
    return { ok: true, secret: readFileSync(path, 'utf8').trim() };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      reason:
        code === 'EACCES' || code === 'EPERM'
          ? `the running server's CLI secret (${path}) is not readable by this account: run steward as the user who started the server`
          : `the running server has not written its CLI secret (${path}); it may still be starting, or be older than this CLI`,
    };
  }
}

function sameSecret(given: string, secret: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

const forwardBody = z.object({
  argv: z.array(z.string()).superRefine((a, ctx) => {
    const n = a.join(' ').length;
    if (n > MAX_INPUT_LENGTH) ctx.addIssue({ code: 'custom', message: `That command is ${n} characters long; the limit is ${MAX_INPUT_LENGTH}.` });
  }),
  user: z.string().max(256),
});

/** `POST /api/cli`: a forwarded CLI command, run as `cli:<user>` once the secret checks out. */
export function createCliForwardRouter(deps: { dispatcher: Dispatcher; secret: string }): Router {
  const router = express.Router();
  router.post(CLI_FORWARD_PATH, express.json({ limit: '64kb' }), async (req, res) => {
    const given = req.headers[CLI_SECRET_HEADER];
    // The socket's own peer, not X-Forwarded-For: a proxy in front never makes outside traffic a local CLI.
    if (!isLoopback(req.socket.remoteAddress) || typeof given !== 'string' || !sameSecret(given, deps.secret)) {
      res.status(401).json({ error: 'forwarded CLI commands need the running server\'s CLI secret (read from its data folder by the account that started it)' });
      return;
    }
    const body = forwardBody.safeParse(req.body);
    if (!body.success) {
      const message = body.error.issues[0]?.message ?? 'expected { argv, user }';
      res.status(400).json({ error: message, outcome: 'usage', text: message });
      return;
    }
    const name = cliUserName(body.data.user);
    const actor = { id: `cli:${name}`, displayName: name, surface: 'cli' as const };
    const result = await deps.dispatcher.run({ text: body.data.argv.join(' '), argv: body.data.argv, actor, surface: 'cli' });
    res.json({ outcome: result.outcome, text: toPlainText(result.reply), data: result.data ?? null });
  });
  return router;
}
