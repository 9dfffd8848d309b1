/**
 * Two replicas on one PostgreSQL (issue 16): two built servers (`node dist/src/main.js`, what the image runs) on a
 * database of their own, created for this run and dropped after. Slack's Web API and response_url are a small
 * HTTP recorder in this process (msw cannot reach into a child process): each replica gets its own SLACK_API_URL
 * prefix (/a/api/, /b/api/), so every call says which replica made it.
 *
 * - a signed Slack command retried to both replicas is answered once; each replica answers its own commands;
 * - an approval clicked on both (two approvers at once) executes once, and its progress updates reach the one
 *   message of the card;
 * - killing the replica that runs a plan mid-execution (held on a row lock, so it is mid-step) lets the other
 *   recover it: it adopts the execution, rolls it back and updates the same message.
 */
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openScratchPostgres, POSTGRES_SKIPPED, TEST_DATABASE_URL } from '../support/db.js';
import { pollUntil } from '../support/poll.js';
import { CHILD_TEST_TIMEOUT_MS, startServerProcess, tempDataDir, type ServerProcess } from '../support/spawn.js';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const POLICY = `
version: 1
defaultRole: viewer
expiry: 1h
roles:
  operator: [slack:U1]
  approver: [slack:U2, slack:U3]
`;

interface ApiCall {
  replica: string;
  method: string;
  body: Record<string, unknown>;
  ts?: string;
}
interface HookCall {
  path: string;
  body: Record<string, unknown>;
}

/** Slack's Web API and response_url as a recorder: `/<replica>/api/<method>` and `/hooks/…`. */
async function startSlackRecorder() {
  const api: ApiCall[] = [];
  const hooks: HookCall[] = [];
  let ts = 1000;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString();
      const url = req.url ?? '';
      const type = req.headers['content-type'] ?? '';
      const body: Record<string, unknown> = type.includes('json') ? (JSON.parse(raw || '{}') as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(raw));
      if (typeof body.blocks === 'string') body.blocks = JSON.parse(body.blocks);
      const m = /^\/(\w+)\/api\/([\w.]+)/.exec(url);
      if (m) {
        const [, replica = '', method = ''] = m;
        const call: ApiCall = { replica, method, body };
        let answer: Record<string, unknown> = { ok: true };
        if (method === 'auth.test') answer = { ok: true, user_id: 'U0BOT', bot_id: 'B0BOT', team: 'Acme', user: 'steward' };
        else if (method === 'usergroups.list') answer = { ok: true, usergroups: [] };
        else if (method === 'chat.postMessage') answer = { ok: true, channel: body.channel, ts: (call.ts = `1714.${String(++ts).padStart(6, '0')}`) };
        else if (method === 'chat.update') answer = { ok: true, channel: body.channel, ts: body.ts };
        api.push(call);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
        return;
      }
      if (url.startsWith('/hooks/')) {
        hooks.push({ path: url, body });
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { api, hooks, origin, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function sign(rawBody: string): Record<string, string> {
  const ts = Math.floor(Date.now() / 1000);
  const sig = 'v0=' + createHmac('sha256', SECRET).update(`v0:${ts}:${rawBody}`).digest('hex');
  return { 'x-slack-signature': sig, 'x-slack-request-timestamp': String(ts), 'content-type': 'application/x-www-form-urlencoded' };
}

let n = 0;
function slashBody(origin: string, text: string, user = 'U1'): { body: string; responsePath: string } {
  const i = ++n;
  const responsePath = `/hooks/commands/T1/${i}/cmd${i}`;
  const body = new URLSearchParams({
    token: 'legacy', team_id: 'T1', team_domain: 'acme', channel_id: 'C1', channel_name: 'ops', user_id: user, user_name: user.toLowerCase(),
    command: '/cloud', text, api_app_id: 'A1', response_url: `${origin}${responsePath}`, trigger_id: `trigger.${i}.${Date.now()}`,
  }).toString();
  return { body, responsePath };
}

function clickBody(origin: string, a: { actionId: string; value: string; user: string; ts: string }): string {
  const i = ++n;
  const payload = {
    type: 'block_actions', team: { id: 'T1', domain: 'acme' }, user: { id: a.user, username: a.user.toLowerCase(), name: a.user.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1', token: 'legacy', trigger_id: `trigger.${i}.${Date.now()}`,
    container: { type: 'message', message_ts: a.ts, channel_id: 'C1', is_ephemeral: false },
    channel: { id: 'C1', name: 'ops' }, message: { type: 'message', ts: a.ts, text: 'card' },
    response_url: `${origin}/hooks/actions/T1/${i}/act${i}`,
    actions: [{ type: 'button', action_id: a.actionId, block_id: 'b1', value: a.value, text: { type: 'plain_text', text: 'Approve' }, action_ts: `1714.${i}` }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

async function postSlack(server: ServerProcess, body: string, extra: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${server.url}/slack/events`, { method: 'POST', headers: { ...sign(body), ...extra }, body });
  await res.text();
  return res.status;
}

/** The value of the first button whose action id starts with proposal.approve, anywhere in the blocks. */
function approveValue(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const x of node) {
      const v = approveValue(x);
      if (v) return v;
    }
    return undefined;
  }
  if (!node || typeof node !== 'object') return undefined;
  const o = node as Record<string, unknown>;
  if (typeof o.action_id === 'string' && o.action_id.startsWith('proposal.approve') && typeof o.value === 'string') return o.value;
  for (const v of Object.values(o)) {
    const found = approveValue(v);
    if (found) return found;
  }
  return undefined;
}

const textOf = (c: { body: Record<string, unknown> }) => `${String(c.body.text ?? '')} ${JSON.stringify(c.body.blocks ?? '')}`;

describe.skipIf(!TEST_DATABASE_URL)(`two replicas on one PostgreSQL [postgres, child processes]${TEST_DATABASE_URL ? '' : ` ${POSTGRES_SKIPPED}`}`, { timeout: CHILD_TEST_TIMEOUT_MS * 2 }, () => {
  let scratch: Awaited<ReturnType<typeof openScratchPostgres>>;
  let recorder: Awaited<ReturnType<typeof startSlackRecorder>>;
  let a: ServerProcess;
  let b: ServerProcess;
  let sql: pg.Client;

  beforeAll(async () => {
    scratch = await openScratchPostgres(TEST_DATABASE_URL as string, 2);
    recorder = await startSlackRecorder();
    const dir = tempDataDir('steward-replicas-');
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    const env = (replica: string) => ({
      DATABASE_URL: scratch.url,
      SLACK_BOT_TOKEN: 'xoxb-replica-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `${recorder.origin}/${replica}/api/`,
      SLACK_USER_GROUPS: 'false',
      STEWARD_POLICY_FILE: join(dir, 'policy.yaml'),
      STEWARD_DEMO_INSTANCES: '20',
      STEWARD_SCHEDULER: 'false',
      STEWARD_WATCH: 'false',
      STEWARD_PLANNING_WORKERS: '0',
      STEWARD_EXECUTION_STALE_SECONDS: '15',
    });
    // One after the other: the first migrates and creates the demo estate, the second finds both done.
    a = await startServerProcess(env('a'));
    b = await startServerProcess(env('b'));
    sql = new pg.Client({ connectionString: scratch.url });
    await sql.connect();
  }, CHILD_TEST_TIMEOUT_MS * 2);

  afterAll(async () => {
    a?.kill();
    b?.kill();
    await sql?.end().catch(() => undefined);
    await recorder?.close();
    await scratch?.dispose();
  });

  /** A running demo instance whose name is unique (so `stop <name>` is unambiguous). */
  async function runningInstance(exclude: string[] = []): Promise<{ key: string; name: string }> {
    const { rows } = await sql.query<{ key: string; name: string }>(
      `select key, data->>'name' as name from demo_resources where data->>'state' = 'running' and data->>'name' in (select data->>'name' from demo_resources group by 1 having count(*) = 1) order by key`,
    );
    const r = rows.find((x) => !exclude.includes(x.name));
    if (!r) throw new Error('no running demo instance left');
    return r;
  }

  /** Proposes `stop <name>` through replica `via`; resolves with the proposal id and the card's ts. */
  async function propose(via: ServerProcess, name: string): Promise<{ id: string; ts: string; replica: string }> {
    const { body } = slashBody(recorder.origin, `stop ${name}`);
    expect(await postSlack(via, body)).toBe(200);
    return pollUntil('the proposal card', () => {
      const card = recorder.api.find((c) => c.method === 'chat.postMessage' && c.ts && JSON.stringify(c.body.blocks ?? '').includes('proposal.approve') && textOf(c).includes(name));
      const value = card ? approveValue(card.body.blocks) : undefined;
      return card && value ? { id: value, ts: card.ts as string, replica: card.replica } : undefined;
    });
  }

  it('a signed command retried to both replicas is answered once, and each replica answers its own', async () => {
    const { body, responsePath } = slashBody(recorder.origin, 'help');
    const [first, retry] = await Promise.all([postSlack(a, body), postSlack(b, body, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' })]);
    expect([first, retry]).toEqual([200, 200]);
    const again = await postSlack(a, body, { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' });
    expect(again).toBe(200);
    const answered = await pollUntil('the answer', () => (recorder.hooks.some((h) => h.path === responsePath) ? true : undefined));
    expect(answered).toBe(true);
    // Time for a second answer to show up if a replica ran the retry: both have gone idle on everything else.
    const one = slashBody(recorder.origin, 'help');
    const two = slashBody(recorder.origin, 'help');
    expect(await postSlack(a, one.body)).toBe(200);
    expect(await postSlack(b, two.body)).toBe(200);
    await pollUntil('both replicas to answer their own commands', () => (recorder.hooks.some((h) => h.path === one.responsePath) && recorder.hooks.some((h) => h.path === two.responsePath) ? true : undefined));
    expect(recorder.hooks.filter((h) => h.path === responsePath)).toHaveLength(1);
    const { rows } = await sql.query<{ n: string }>(`select count(*) as n from delivery_claims where surface = 'slack'`);
    expect(Number(rows[0]?.n)).toBeGreaterThanOrEqual(3);
  });

  it('an approval clicked on both replicas executes once, and its progress reaches the one message', async () => {
    const target = await runningInstance();
    const card = await propose(a, target.name);
    const [onA, onB] = await Promise.all([
      postSlack(a, clickBody(recorder.origin, { actionId: 'proposal.approve', value: card.id, user: 'U2', ts: card.ts })),
      postSlack(b, clickBody(recorder.origin, { actionId: 'proposal.approve', value: card.id, user: 'U3', ts: card.ts })),
    ]);
    expect([onA, onB]).toEqual([200, 200]);
    const status = await pollUntil('the execution to finish', async () => {
      const { rows } = await sql.query<{ status: string }>(`select status from proposals where id = $1`, [card.id]);
      const s = rows[0]?.status;
      return s && !['proposed', 'approved', 'executing'].includes(s) ? s : undefined;
    });
    expect(status).toBe('succeeded');
    const { rows: execs } = await sql.query(`select id from executions where proposal_id = $1`, [card.id]);
    expect(execs).toHaveLength(1);
    const { rows: decisions } = await sql.query<{ approver_id: string }>(`select approver_id from approvals where proposal_id = $1`, [card.id]);
    expect(decisions).toHaveLength(1);
    const { rows: applied } = await sql.query(`select 1 from audit_log where proposal_id = $1 and action like 'step.%' and to_status = 'succeeded'`, [card.id]);
    expect(applied).toHaveLength(1);
    // Every update of the card went to its one message (channel C1, the card's ts), and the last says done.
    const updates = await pollUntil('the final card', () => {
      const u = recorder.api.filter((c) => c.method === 'chat.update' && c.body.ts === card.ts);
      return u.length && /applied|done|succeeded/i.test(textOf(u.at(-1) as ApiCall)) ? u : undefined;
    });
    for (const u of updates) expect(u.body.channel).toBe('C1');
    const { rows: st } = await sql.query<{ state: string }>(`select data->>'state' as state from demo_resources where key = $1`, [target.key]);
    expect(st[0]?.state).toBe('stopped');
    // The click that lost was told so (to its clicker only), not run a second time.
    await pollUntil('the refusal of the second click', () => (recorder.hooks.some((h) => textOf(h).includes(`Proposal ${card.id} is already approved`)) ? true : undefined));
  });

  it('killing the replica that runs a plan mid-execution lets the other recover it, on the same message', async () => {
    const target = await runningInstance();
    const card = await propose(a, target.name);
    // Hold the instance's row: replica A's apply blocks on it, mid-step, with its execution row 'running'.
    const holder = new pg.Client({ connectionString: scratch.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from demo_resources where key = $1 for update', [target.key]);
      expect(await postSlack(a, clickBody(recorder.origin, { actionId: 'proposal.approve', value: card.id, user: 'U2', ts: card.ts }))).toBe(200);
      const ownerA = await pollUntil('replica A to be mid-step', async () => {
        const { rows } = await sql.query<{ owner: string; status: string }>(
          `select e.owner, s.status from executions e join execution_steps s on s.execution_id = e.id where e.proposal_id = $1 and s.status = 'running'`,
          [card.id],
        );
        const { rows: waiting } = await sql.query(`select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
        return rows[0] && waiting.length ? rows[0].owner : undefined;
      });
      expect(ownerA).toContain(`:${a.child.pid}:`);
      a.kill();
      // Its blocked query dies with it (PostgreSQL would otherwise run it once the lock goes).
      await sql.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
    } finally {
      await holder.query('rollback').catch(() => undefined);
      await holder.end();
    }
    // The generous default limit (150 s): the stale threshold (15 s) and B's sweep come first, on a busy machine.
    const final = await pollUntil('replica B to recover the execution', async () => {
      const { rows } = await sql.query<{ owner: string; status: string }>(`select owner, status from executions where proposal_id = $1`, [card.id]);
      return rows[0] && rows[0].status !== 'running' ? rows[0] : undefined;
    });
    expect(final.owner).toContain(`:${b.child.pid}:`);
    expect(['rolled_back', 'failed']).toContain(final.status);
    const { rows: p } = await sql.query<{ status: string }>(`select status from proposals where id = $1`, [card.id]);
    expect(['rolled_back', 'failed']).toContain(p[0]?.status);
    // B updated the card A had been updating: same channel and ts, through B's own client.
    const fromB = await pollUntil('replica B to update the card', () => {
      const u = recorder.api.filter((c) => c.replica === 'b' && c.method === 'chat.update' && c.body.ts === card.ts);
      return u.length ? u : undefined;
    });
    expect(fromB.every((u) => u.body.channel === 'C1')).toBe(true);
    const { rows: audit } = await sql.query<{ action: string; detail: string }>(`select action, detail from audit_log where proposal_id = $1 order by id`, [card.id]);
    expect(audit.some((r) => /taken over by/.test(r.detail ?? ''))).toBe(true);
  });
});
