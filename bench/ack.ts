/**
 * Ack latency of the Slack surface under a burst: 200 concurrent signed `/cloud work` commands whose command takes
 * 2 s to answer, against a bare Bolt app (default HTTPReceiver, no-op `await ack()`) measured in the same run.
 *
 * Ours is the production path: the shared HTTP server (/slack/events mounted ahead of express), the ack-first
 * receiver, Bolt, dedupe, user groups, the dispatcher, a "working…" note at 1 s and the answer through
 * response_url at 2 s (both to a local stub standing in for hooks.slack.com and slack.com/api). Rounds alternate
 * between the two apps; ours waits for all its answers before the next round, so each round measures acks only,
 * and `all_answered` checks that every command really ran and answered.
 *
 *   npx tsx bench/ack.ts            (npm run bench:ack)
 *   BENCH_ROUNDS=20 BENCH_CONCURRENCY=200 npx tsx bench/ack.ts
 *
 * The last stdout line is one JSON object: p50_ms, p99_ms (ours), bare_p99_ms and ratio = p99_ms / bare_p99_ms.
 *
 * Busy rounds (BENCH_BUSY_ROUNDS, default 3; issue 12): the same burst while a real 10,000-instance optimize runs.
 * Ours plans in the planning worker pool (src/workers), as `optimize` does in production; the bare Bolt app runs
 * the same planReallocation on its main thread. busy_p99_ms, busy_bare_p99_ms, busy_ratio = ours / bare.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { App, LogLevel } from '@slack/bolt';
import { defineCommand } from '../src/core/command.js';
import { createDispatcher } from '../src/core/dispatch.js';
import { createNotifierHub } from '../src/core/notifier.js';
import { createRegistry } from '../src/core/registry.js';
import { reply, text } from '../src/core/reply.js';
import type { Services } from '../src/core/services.js';
import { silentLogger } from '../src/lib/logger.js';
import { createHttpServer } from '../src/server/http.js';
import { createSlackSurface } from '../src/surfaces/slack/index.js';
import { planReallocation } from '../src/domain/optimizer/optimize.js';
import { createPlanningPool } from '../src/workers/planning-pool.js';
import { optimizeJobFor } from '../test/support/estate-input.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const BUSY_ROUNDS = Number(process.env.BENCH_BUSY_ROUNDS ?? 3);
const BUSY_INSTANCES = Number(process.env.BENCH_BUSY_INSTANCES ?? 10_000);
const COMMAND_MS = 2000;
const SECRET = 'bench-signing-secret-0123456789abcdef';

/** Stands in for slack.com/api and hooks.slack.com: counts what arrives, answers ok. */
async function startStub() {
  let answers = 0;
  let notes = 0;
  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (req.url?.startsWith('/hooks/')) {
        if (body.includes('Working on')) notes++;
        else if (body.includes('work done')) answers++;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, usergroups: [], ts: '1.0', channel: 'C1' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, counts: () => ({ answers, notes }), close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function startOurs(stubUrl: string) {
  const log = silentLogger();
  const work = defineCommand({
    name: 'work',
    summary: 'takes two seconds',
    usage: 'work',
    permission: 'read',
    flags: {},
    async run(ctx) {
      await ctx.progress('Crunching…');
      await new Promise((r) => setTimeout(r, COMMAND_MS));
      return { reply: reply({ blocks: [text('work done')] }) };
    },
  });
  const notifiers = createNotifierHub();
  const dispatcher = createDispatcher({ registry: createRegistry([work], []), services: {} as Services, clock: { now: () => new Date() }, log, notifiers });
  const slack = createSlackSurface({
    dispatcher,
    log,
    botToken: 'xoxb-bench',
    signingSecret: SECRET,
    botId: 'B1',
    botUserId: 'U0BOT',
    userGroups: true,
    clientOptions: { slackApiUrl: `${stubUrl}/api/`, retryConfig: { retries: 0 } },
    allowResponseUrl: (u) => u.startsWith(`${stubUrl}/hooks/`),
  });
  notifiers.register(slack.notifier);
  const server = createHttpServer({ log, ready: async () => undefined });
  if (slack.http) server.mountRaw(slack.http.path, slack.http.listener);
  await slack.start();
  const { port } = await server.listen(0, '127.0.0.1');
  return { port, idle: () => slack.idle(), close: async () => (await slack.stop(0), await server.close(0)) };
}

async function startBare() {
  const app = new App({ signingSecret: SECRET, token: 'xoxb-bench', botId: 'B1', botUserId: 'U0BOT', logLevel: LogLevel.ERROR });
  app.command('/cloud', async ({ ack }) => {
    await ack();
  });
  const server = (await app.start(0)) as http.Server;
  // Its sockets idle through one of our rounds (2 s of answers); Node's default 5 s keep-alive could close one
  // just as the client reuses it.
  server.keepAliveTimeout = 60_000;
  return { port: (server.address() as AddressInfo).port, close: () => app.stop() };
}

/**
 * The load generator runs in a worker thread: Slack is a remote client, so signing requests and reading responses
 * must not steal the server's event loop (it would count the client's CPU as ack latency).
 */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { createHmac } = require('node:crypto');
const { secret, concurrency } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency + 10 });
let seq = 0;
function prepare(n, stubUrl) {
  const ts = Math.floor(Date.now() / 1000);
  return Array.from({ length: n }, () => {
    const i = ++seq;
    const body = new URLSearchParams({
      token: 'x', team_id: 'T1', team_domain: 'acme', channel_id: 'C1', channel_name: 'ops', user_id: 'U' + (i % 50),
      user_name: 'bench', command: '/cloud', text: 'work', api_app_id: 'A1',
      response_url: stubUrl + '/hooks/commands/T1/' + i + '/x', trigger_id: 'bench.' + i,
    }).toString();
    const sig = 'v0=' + createHmac('sha256', secret).update('v0:' + ts + ':' + body).digest('hex');
    return { body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)),
      'x-slack-signature': sig, 'x-slack-request-timestamp': String(ts) } };
  });
}
function send(port, r) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request({ host: '127.0.0.1', port, path: '/slack/events', method: 'POST', headers: r.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error('HTTP ' + res.statusCode))));
    });
    req.on('error', reject);
    req.end(r.body);
  });
}
parentPort.on('message', async ({ port, stubUrl }) => {
  try {
    const reqs = prepare(concurrency, stubUrl);
    parentPort.postMessage({ ms: await Promise.all(reqs.map((r) => send(port, r))) });
  } catch (err) {
    parentPort.postMessage({ error: String(err) });
  }
});
`;

function startClient() {
  const worker = new Worker(CLIENT, { eval: true, workerData: { secret: SECRET, concurrency: CONCURRENCY } });
  return {
    burst(port: number, stubUrl: string): Promise<number[]> {
      return new Promise((resolve, reject) => {
        worker.once('message', (m: { ms?: number[]; error?: string }) => (m.ms ? resolve(m.ms) : reject(new Error(m.error))));
        worker.postMessage({ port, stubUrl });
      });
    },
    close: () => worker.terminate(),
  };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}
const r2 = (x: number) => Math.round(x * 100) / 100;

async function main() {
  const stub = await startStub();
  const ours = await startOurs(stub.url);
  const bare = await startBare();
  const client = startClient();
  const burst = (port: number) => client.burst(port, stub.url);
  const oursMs: number[] = [];
  const bareMs: number[] = [];
  const oursRounds: number[] = [];
  const bareRounds: number[] = [];
  const busyOurs: number[] = [];
  const busyBare: number[] = [];
  try {
    // Warm-up: connections, JIT, the user-group cache.
    await burst(bare.port);
    await burst(ours.port);
    await ours.idle();
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so drift on a shared machine hits both alike.
      const order = round % 2 === 0 ? (['bare', 'ours'] as const) : (['ours', 'bare'] as const);
      for (const which of order) {
        if (which === 'bare') bareMs.push(...(await burst(bare.port)));
        else {
          oursMs.push(...(await burst(ours.port)));
          await ours.idle();
        }
      }
      oursRounds.push(pct(oursMs.slice(-CONCURRENCY), 99));
      bareRounds.push(pct(bareMs.slice(-CONCURRENCY), 99));
      process.stdout.write(`round ${round + 1}/${ROUNDS}: ours p99 ${r2(oursRounds.at(-1) ?? NaN)} ms, bare p99 ${r2(bareRounds.at(-1) ?? NaN)} ms\n`);
    }
    // Busy rounds: a real optimize of BUSY_INSTANCES instances runs while the burst arrives.
    const job = optimizeJobFor(BUSY_INSTANCES);
    const { useHighs: _h, ...inline } = job;
    let fireStarted: () => void = () => undefined;
    const pool = createPlanningPool({ size: 1, onStarted: () => fireStarted() });
    try {
      await pool.optimize(optimizeJobFor(40, 5)); // the worker is up and warm, like a server's after its first plan
      for (let round = 0; round < BUSY_ROUNDS; round++) {
        // Ours: the plan runs in the planning worker; the burst starts once the worker has begun.
        const started = new Promise<void>((r) => (fireStarted = r));
        const planned = pool.optimize(job);
        // Awaited below; if the burst fails first, the pool's close must not turn this into an unhandled rejection
        // that hides the burst's error.
        planned.catch(() => undefined);
        await started;
        busyOurs.push(...(await burst(ours.port)));
        await planned;
        await ours.idle();
        // Bare: the same plan on the app's main thread, started as the burst is sent.
        const acks = burst(bare.port);
        const plannedBare = planReallocation(inline);
        busyBare.push(...(await acks));
        await plannedBare;
        process.stdout.write(`busy round ${round + 1}/${BUSY_ROUNDS}: ours p99 ${r2(pct(busyOurs.slice(-CONCURRENCY), 99))} ms, bare p99 ${r2(pct(busyBare.slice(-CONCURRENCY), 99))} ms\n`);
      }
    } finally {
      await pool.close();
    }
  } finally {
    await ours.close();
    await bare.close();
    await client.close();
    await stub.close();
  }
  const counts = stub.counts();
  const expected = CONCURRENCY * (ROUNDS + 1 + BUSY_ROUNDS);
  const result = {
    p50_ms: r2(pct(oursMs, 50)),
    p99_ms: r2(pct(oursMs, 99)),
    max_ms: r2(Math.max(...oursMs)),
    bare_p50_ms: r2(pct(bareMs, 50)),
    bare_p99_ms: r2(pct(bareMs, 99)),
    ratio: r2(pct(oursMs, 99) / pct(bareMs, 99)),
    // Less sensitive to a neighbour stealing the CPU for one round: the median of each round's p99.
    round_p99_median_ms: r2(pct(oursRounds, 50)),
    bare_round_p99_median_ms: r2(pct(bareRounds, 50)),
    busy_p99_ms: r2(pct(busyOurs, 99)),
    busy_bare_p99_ms: r2(pct(busyBare, 99)),
    busy_ratio: r2(pct(busyOurs, 99) / pct(busyBare, 99)),
    busy_rounds: BUSY_ROUNDS,
    busy_instances: BUSY_INSTANCES,
    load: loadavg().map((l) => r2(l)),
    concurrency: CONCURRENCY,
    rounds: ROUNDS,
    samples: oursMs.length,
    command_ms: COMMAND_MS,
    answered: counts.answers,
    working_notes: counts.notes,
    all_answered: counts.answers === expected,
  };
  process.stdout.write(`ours: p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms · bare bolt: p50 ${result.bare_p50_ms} ms, p99 ${result.bare_p99_ms} ms · answered ${counts.answers}/${expected}\n`);
  process.stdout.write(JSON.stringify(result) + '\n');
  if (!result.all_answered) process.exitCode = 1;
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
