/**
 * The console has no login: without STEWARD_CONSOLE_TOKEN it answers loopback clients only, whatever HOST is; with
 * a token every console request must carry it. Only the console's paths are guarded. Over real HTTP.
 */
import { Writable } from 'node:stream';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger, silentLogger } from '../../src/lib/logger.js';
import { startServer } from '../../src/main.js';
import { CONSOLE_COOKIE, createConsoleGuard, describeConsoleAccess, isLoopbackAddress } from '../../src/server/console-guard.js';
import { createHttpServer, type HttpServer } from '../../src/server/http.js';
import { forwardToServer } from '../../src/surfaces/cli/cli.js';
import { tempDataDir } from '../support/spawn.js';

const TOKEN = 'a-console-token-0123456789';

async function serve(token: string | undefined): Promise<{ http: HttpServer; base: string }> {
  const http = createHttpServer({ log: silentLogger(), ready: async () => undefined });
  http.app.use(createConsoleGuard({ token }).router);
  const consoleLike = express.Router();
  consoleLike.get('/', (_req, res) => {
    res.send('<title>Steward console</title>');
  });
  consoleLike.post('/api/command', express.json(), (_req, res) => {
    res.json({ outcome: 'ok', text: 'ran', data: null });
  });
  http.app.use(consoleLike);
  const { url } = await http.listen(0, '127.0.0.1');
  return { http, base: url };
}

describe('console without a token: loopback clients only', () => {
  let s: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    s = await serve(undefined);
  });
  afterAll(async () => {
    await s.http.close();
  });

  it('answers a loopback client', async () => {
    const res = await fetch(`${s.base}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Steward console');
  });

  it('refuses a client forwarded by a local proxy from another address, on every console path', async () => {
    const page = await fetch(`${s.base}/`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(page.status).toBe(403);
    const cmd = await fetch(`${s.base}/api/command`, { method: 'POST', headers: { 'x-forwarded-for': '203.0.113.9', 'content-type': 'application/json' }, body: '{"text":"inventory"}' });
    expect(cmd.status).toBe(403);
    expect(((await cmd.json()) as { error: string }).error).toMatch(/loopback clients only/);
  });

  it('leaves the probes alone', async () => {
    const res = await fetch(`${s.base}/healthz`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(res.status).toBe(200);
  });

  it('knows loopback addresses from others', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '203.0.113.9', '::', '0.0.0.0', '1270.0.0.1', undefined]) expect(isLoopbackAddress(a)).toBe(false);
  });
});

describe('console with STEWARD_CONSOLE_TOKEN: the token is required', () => {
  let s: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    s = await serve(TOKEN);
  });
  afterAll(async () => {
    await s.http.close();
  });

  it('refuses a request without the token, even from loopback', async () => {
    const res = await fetch(`${s.base}/`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const cmd = await fetch(`${s.base}/api/command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"inventory"}' });
    expect(cmd.status).toBe(401);
  });

  it('refuses a wrong token in the header, the cookie or the address', async () => {
    expect((await fetch(`${s.base}/`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    expect((await fetch(`${s.base}/`, { headers: { cookie: `${CONSOLE_COOKIE}=wrong-token` } })).status).toBe(401);
    expect((await fetch(`${s.base}/?token=wrong-token`, { redirect: 'manual' })).status).toBe(401);
  });

  it('accepts the bearer token (the CLI) from any address', async () => {
    const res = await fetch(`${s.base}/api/command`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.9', 'content-type': 'application/json' }, body: '{"text":"x"}' });
    expect(res.status).toBe(200);
  });

  it('opening /?token= sets an HttpOnly SameSite=Strict cookie and redirects the token out of the address bar', async () => {
    const res = await fetch(`${s.base}/?token=${TOKEN}`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const jar = cookie.split(';')[0] as string;
    const page = await fetch(`${s.base}/`, { headers: { cookie: jar } });
    expect(page.status).toBe(200);
  });

  it('the CLI forwarding to a running server sends the token', async () => {
    let out = '';
    const io = { stdout: (t: string) => void (out += t), stderr: () => undefined };
    expect(await forwardToServer(s.base, ['help'], io, TOKEN)).toBe(0);
    expect(out).toContain('ran');
    // Without it the server refuses: the forwarder answers "not allowed" (exit 3) with the server's message, never 0.
    let err = '';
    const bare = { stdout: () => undefined, stderr: (t: string) => void (err += t) };
    expect(await forwardToServer(s.base, ['help'], bare)).toBe(3);
    expect(err).not.toBe('');
  });
});

describe('the start says in one log line who may reach the console', () => {
  it('names each case', () => {
    expect(describeConsoleAccess({ enabled: false, token: undefined, host: '0.0.0.0', embedded: false })).toMatch(/^console: off \(the default with DATABASE_URL/);
    expect(describeConsoleAccess({ enabled: true, token: undefined, host: '127.0.0.1', embedded: true })).toMatch(/^console: on for loopback clients only \(HOST=127\.0\.0\.1\)/);
    expect(describeConsoleAccess({ enabled: true, token: undefined, host: '0.0.0.0', embedded: true })).toMatch(/^console: on for loopback clients only although HOST=0\.0\.0\.0/);
    expect(describeConsoleAccess({ enabled: true, token: TOKEN, host: '0.0.0.0', embedded: false })).toMatch(/^console: on, every request must carry STEWARD_CONSOLE_TOKEN/);
    expect(describeConsoleAccess({ enabled: true, token: TOKEN, host: '0.0.0.0', embedded: false })).not.toContain(TOKEN);
  });

  it('a server on HOST=0.0.0.0 logs it once and refuses the console to a forwarded outside client', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        cb();
      },
    });
    const config = loadConfig({ STEWARD_DATA_DIR: tempDataDir('steward-console-guard-'), HOST: '0.0.0.0', PORT: '0', STEWARD_DEMO_INSTANCES: '10', STEWARD_SCHEDULER: 'false' });
    const server = await startServer(config, { log: createLogger({ level: 'info', destination: sink }) });
    try {
      const msgs = lines.map((l) => (JSON.parse(l) as { msg: string }).msg).filter((m) => m.startsWith('console:'));
      expect(msgs).toEqual([expect.stringMatching(/^console: on for loopback clients only although HOST=0\.0\.0\.0/)]);
      const base = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${base}/`)).status).toBe(200);
      expect((await fetch(`${base}/`, { headers: { 'x-forwarded-for': '198.51.100.7' } })).status).toBe(403);
    } finally {
      await server.stop();
    }
  }, 120_000);
});

describe('config', () => {
  it('refuses a short STEWARD_CONSOLE_TOKEN without echoing it', () => {
    expect(() => loadConfig({ STEWARD_CONSOLE_TOKEN: 'short-secret' })).toThrow(/STEWARD_CONSOLE_TOKEN: expected a random token of at least 16 characters/);
    expect(() => loadConfig({ STEWARD_CONSOLE_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
    expect(loadConfig({ STEWARD_CONSOLE_TOKEN: TOKEN }).consoleToken).toBe(TOKEN);
  });

  it('keeps the console off with DATABASE_URL unless asked', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).console).toBe(false);
    expect(loadConfig({}).console).toBe(true);
  });
});
