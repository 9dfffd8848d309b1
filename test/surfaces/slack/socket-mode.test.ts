/**
 * Socket Mode checks the installation too (issue 9 item 6): with SLACK_TEAM_ID / SLACK_APP_ID set, a slash
 * command, a click or an event from another workspace or another app is acked (so Slack does not redeliver it) and
 * dropped with a log line; one from ours runs. Bolt's real SocketModeReceiver connects to a local WebSocket server
 * (this file's, a few lines of RFC 6455) that the apps.connections.open call, stubbed by msw, points it to.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createDispatcher } from '../../../src/core/dispatch.js';
import { createRegistry } from '../../../src/core/registry.js';
import { reply, text } from '../../../src/core/reply.js';
import type { Services } from '../../../src/core/services.js';
import { createLogger } from '../../../src/lib/logger.js';
import { createSlackSurface, type SlackSurface } from '../../../src/surfaces/slack/index.js';
import { pollUntil } from '../../support/poll.js';
import { BOT_TOKEN, createSlackStub, defineAction, defineCommand } from './support.js';

// ─── A WebSocket server, just enough for Socket Mode: text frames both ways, ping → pong, close ───────────────

interface Link {
  sent: Record<string, unknown>[];
  send(msg: unknown): void;
}

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff]) : Buffer.concat([Buffer.from([0x80 | opcode, 127]), Buffer.alloc(4), Buffer.from([len >>> 24, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff])]);
  return Buffer.concat([head, payload]);
}

function startSocketServer(onLink: (link: Link) => void): Promise<{ server: Server; url: string; sockets: Set<Duplex> }> {
  const sockets = new Set<Duplex>();
  const server = createServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', (req, socket: Duplex) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    const link: Link = { sent: [], send: (msg) => socket.write(frame(0x1, Buffer.from(JSON.stringify(msg)))) };
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (buf.length < 2) return;
        const opcode = (buf[0] as number) & 0x0f;
        let len = (buf[1] as number) & 0x7f;
        let at = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          at = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          at = 10;
        }
        const masked = ((buf[1] as number) & 0x80) !== 0;
        const mask = masked ? buf.subarray(at, at + 4) : undefined;
        if (masked) at += 4;
        if (buf.length < at + len) return;
        const payload = Buffer.from(buf.subarray(at, at + len));
        if (mask) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
        buf = buf.subarray(at + len);
        if (opcode === 0x1) link.sent.push(JSON.parse(payload.toString('utf8')) as Record<string, unknown>);
        else if (opcode === 0x9) socket.write(frame(0xa, payload));
        else if (opcode === 0x8) {
          socket.end(frame(0x8, payload));
          return;
        }
      }
    });
    onLink(link);
    link.send({ type: 'hello', num_connections: 1, debug_info: { host: 'applink-test', build_number: 1, approximate_connection_time: 18060 }, connection_info: { app_id: 'A1' } });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `ws://127.0.0.1:${(server.address() as { port: number }).port}/link/?ticket=t1`, sockets })));
}

// ─── The surface in Socket Mode, over a command and a button that say when they run ───────────────────────────

const stub = createSlackStub();
const ran: string[] = [];
const logLines: Record<string, unknown>[] = [];
let socketServer: Awaited<ReturnType<typeof startSocketServer>>;
let link: Link | undefined;
let slack: SlackSurface;

const ping = defineCommand({ name: 'ping', summary: 'ping', usage: 'ping', permission: 'read', flags: {}, run: async () => (ran.push('ping'), { reply: reply({ blocks: [text('pong')] }) }) });
const press = defineAction({ id: 'test.press', permission: 'read', run: async () => (ran.push('press'), { reply: reply({ blocks: [text('pressed')] }) }) });

beforeAll(async () => {
  stub.listen();
  socketServer = await startSocketServer((l) => (link = l));
  stub.apiResponses['apps.connections.open'] = () => ({ ok: true, url: socketServer.url });
  const log = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    }),
  });
  const dispatcher = createDispatcher({ registry: createRegistry([ping], [press]), services: {} as Services, clock: { now: () => new Date('2025-06-01T12:00:00Z') }, log });
  slack = createSlackSurface({ dispatcher, log, botToken: BOT_TOKEN, appToken: 'xapp-1-A1-test', botId: 'B0BOT', botUserId: 'U0BOT', teamIds: ['T1'], appId: 'A1', clientOptions: { retryConfig: { retries: 0 } } });
  await slack.start();
  await pollUntil('the Socket Mode link', () => link);
});
afterEach(() => {
  ran.length = 0;
  stub.hooks.length = 0;
});
afterAll(async () => {
  await slack?.stop(100);
  for (const s of socketServer?.sockets ?? []) s.destroy();
  await new Promise((r) => socketServer?.server.close(r));
  stub.close();
});

let n = 0;
function slashEnvelope(team: string, app: string) {
  const id = `env-${++n}`;
  return {
    id,
    msg: {
      envelope_id: id,
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: { token: 'legacy', team_id: team, team_domain: 'acme', channel_id: 'C1', channel_name: 'ops', user_id: 'U1', user_name: 'dana', command: '/cloud', text: 'ping', api_app_id: app, response_url: `https://hooks.slack.com/commands/${team}/${n}/x`, trigger_id: `trigger.sock.${n}` },
    },
  };
}
function clickEnvelope(team: string, app: string) {
  const id = `env-${++n}`;
  return {
    id,
    msg: {
      envelope_id: id,
      type: 'interactive',
      accepts_response_payload: false,
      payload: {
        type: 'block_actions',
        team: { id: team, domain: 'acme' },
        user: { id: 'U2', username: 'sam', name: 'sam', team_id: team },
        api_app_id: app,
        token: 'legacy',
        trigger_id: `trigger.sock.${n}`,
        container: { type: 'message', message_ts: '1714.000001', channel_id: 'C1', is_ephemeral: false },
        channel: { id: 'C1', name: 'ops' },
        message: { type: 'message', ts: '1714.000001', text: 'card' },
        response_url: `https://hooks.slack.com/actions/${team}/${n}/x`,
        actions: [{ type: 'button', action_id: 'test.press', block_id: 'b1', value: 'v', text: { type: 'plain_text', text: 'Press' }, action_ts: `1714.${n}` }],
      },
    },
  };
}
const acked = (id: string) => () => link?.sent.find((m) => m.envelope_id === id);
const refusals = () => logLines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('refused a Socket Mode request for another installation'));

it('a slash command from our workspace and app runs', async () => {
  const { id, msg } = slashEnvelope('T1', 'A1');
  link?.send(msg);
  await pollUntil('the ack', acked(id));
  await pollUntil('the answer through response_url', () => stub.hooks.find((h) => h.url.includes('/commands/T1/')));
  expect(ran).toEqual(['ping']);
});

it('a slash command from another workspace, or from another app, is acked and dropped with a log line', async () => {
  const before = refusals().length;
  const other = slashEnvelope('T9', 'A1');
  const otherApp = slashEnvelope('T1', 'A9');
  link?.send(other.msg);
  link?.send(otherApp.msg);
  await pollUntil('the first ack', acked(other.id));
  await pollUntil('the second ack', acked(otherApp.id));
  await pollUntil('two refusals logged', () => (refusals().length - before >= 2 ? true : undefined));
  // A request of ours sent after them is answered, so theirs had every chance to run.
  const ours = slashEnvelope('T1', 'A1');
  link?.send(ours.msg);
  await pollUntil('our answer', () => stub.hooks.find((h) => h.url.includes(`/commands/T1/${n}/`)));
  expect(ran).toEqual(['ping']);
  expect(stub.hooks.filter((h) => h.url.includes('/commands/T9/'))).toEqual([]);
  const lines = refusals().slice(before).map((l) => String(l.msg));
  expect(lines[0]).toContain('team T9, app A1; SLACK_TEAM_ID / SLACK_APP_ID expect T1 / A1');
  expect(lines[1]).toContain('team T1, app A9');
});

it('a click from another workspace is dropped; an event from another app is refused before any listener', async () => {
  const before = refusals().length;
  const click = clickEnvelope('T9', 'A1');
  link?.send(click.msg);
  await pollUntil('the click ack', acked(click.id));
  const eventId = `env-${++n}`;
  link?.send({ envelope_id: eventId, type: 'events_api', retry_attempt: 0, retry_reason: '', accepts_response_payload: false, payload: { type: 'event_callback', team_id: 'T1', api_app_id: 'A9', event_id: 'Ev1', event_time: 1, event: { type: 'app_mention', user: 'U1', text: '<@U0BOT> ping', ts: '1714.1', channel: 'C1', event_ts: '1714.1' } } });
  await pollUntil('the event ack', acked(eventId));
  await pollUntil('two refusals logged', () => (refusals().length - before >= 2 ? true : undefined));
  const ours = clickEnvelope('T1', 'A1');
  link?.send(ours.msg);
  await pollUntil('our click ran', () => (ran.includes('press') ? true : undefined));
  expect(ran).toEqual(['press']);
});
