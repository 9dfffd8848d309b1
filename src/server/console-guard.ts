/**
 * The web console has no login of its own. This guard decides who may reach it:
 *
 * - without STEWARD_CONSOLE_TOKEN: loopback clients only (127.0.0.0/8, ::1), whatever interface the server listens
 *   on, so a server started with HOST=0.0.0.0 (a container) does not hand the console to the network;
 * - with a token: every console request must carry it, as `Authorization: Bearer <token>` (the CLI) or as the
 *   cookie set by opening `/?token=<token>` once in a browser (HttpOnly, SameSite=Strict, then redirected to `/`
 *   so the token leaves the address bar and the history).
 *
 * Only the console's own paths are guarded; probes, /metrics and the chat webhooks have their own rules.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Request, type RequestHandler, type Router } from 'express';

/** The console's routes (src/surfaces/console/router.ts). */
export const CONSOLE_PATHS = ['/', '/api/command', '/api/action', '/api/updates'];
export const CONSOLE_COOKIE = 'steward_console';

export type ConsoleAccess = { mode: 'token' } | { mode: 'loopback' };

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** Whether HOST only accepts loopback connections. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}

function sameSecret(given: string, token: string): boolean {
  // Hash both sides so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The one line the server logs at start about the console. */
export function describeConsoleAccess(opts: { enabled: boolean; token: string | undefined; host: string; embedded: boolean }): string {
  if (!opts.enabled) return opts.embedded ? 'console: off (STEWARD_CONSOLE=off)' : 'console: off (the default with DATABASE_URL; it has no login: STEWARD_CONSOLE=on with STEWARD_CONSOLE_TOKEN to enable it)';
  if (opts.token) return 'console: on, every request must carry STEWARD_CONSOLE_TOKEN (Authorization: Bearer, or open /?token=… once)';
  return isLoopbackHost(opts.host)
    ? `console: on for loopback clients only (HOST=${opts.host}); set STEWARD_CONSOLE_TOKEN to require a token instead`
    : `console: on for loopback clients only although HOST=${opts.host} listens wider; set STEWARD_CONSOLE_TOKEN to open it to the network with a token`;
}

/** A router to mount before the console's: refuses what the access rule does not allow on the console's paths. */
export function createConsoleGuard(opts: { token: string | undefined }): { access: ConsoleAccess; router: Router } {
  const router = express.Router();
  const token = opts.token;
  const guard: RequestHandler = (req, res, next) => {
    if (!token) {
      // req.ip honours X-Forwarded-For only from a loopback proxy ('trust proxy' in src/server/http.ts), so a
      // local reverse proxy forwarding outside traffic does not make that traffic look local.
      if (isLoopbackAddress(req.ip) && isLoopbackAddress(req.socket.remoteAddress)) return next();
      res.status(403).json({ error: 'the console answers loopback clients only (set STEWARD_CONSOLE_TOKEN to allow others with a token)' });
      return;
    }
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    if (bearer !== undefined ? sameSecret(bearer, token) : sameSecret(cookieValue(req, CONSOLE_COOKIE) ?? '', token)) return next();
    const query = typeof req.query.token === 'string' ? req.query.token : undefined;
    if (req.method === 'GET' && req.path === '/' && query !== undefined && sameSecret(query, token)) {
      const secure = req.secure ? '; Secure' : '';
      res.setHeader('set-cookie', `${CONSOLE_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/${secure}`);
      res.redirect(303, '/');
      return;
    }
    res.setHeader('www-authenticate', 'Bearer realm="steward console"');
    res.status(401).json({ error: 'the console needs its token: open /?token=<STEWARD_CONSOLE_TOKEN> or send Authorization: Bearer <token>' });
  };
  for (const p of CONSOLE_PATHS) router.all(p, guard);
  return { access: token ? { mode: 'token' } : { mode: 'loopback' }, router };
}
