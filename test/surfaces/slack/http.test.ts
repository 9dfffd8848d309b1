/**
 * The Slack surface end to end: real signed HTTP requests into the Bolt receiver mounted on the shared server,
 * the Slack Web API and response_url stubbed with msw, and their payloads asserted.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ActionInvocation } from '../../../src/core/dispatch.js';
import { ForbiddenError } from '../../../src/core/errors.js';
import { actions, reply, text, type Reply } from '../../../src/core/reply.js';
import type { MessageRef } from '../../../src/core/command.js';
import { echoCommand } from '../../support/surfaces.js';
import { actionBody, createSlackStub, defineAction, defineCommand, sign, sleep, slashBody, startHarness, type Harness } from './support.js';

const stub = createSlackStub();
const runs: string[] = [];
const clicks: { actionId: string; value: string; actorId: string; groups?: string[]; message?: MessageRef }[] = [];

const card = (id: string): Reply =>
  reply({
    title: `Proposal ${id}`,
    visibility: 'channel',
    blocks: [
      text('Stop **vm-1** to save $12.00/month.'),
      actions(
        { actionId: 'proposal.approve', label: 'Approve', value: id, style: 'primary', confirm: { title: 'Approve?', text: 'This stops vm-1.', confirm: 'Approve', deny: 'Cancel' } },
        { actionId: 'proposal.reject', label: 'Reject', value: id, style: 'danger' },
      ),
      actions({ actionId: 'proposal.approve', label: 'Approve all', value: `${id}-all` }),
    ],
  });

const commands = [
  echoCommand(
    (words) => runs.push(`echo ${words}`),
    (words) => `You said **${words}**`,
  ),
  defineCommand({
    name: 'slow',
    summary: 'slow',
    usage: 'slow',
    permission: 'read',
    flags: {},
    async run(ctx) {
      runs.push('slow');
      await ctx.progress('Reading the estate…');
      await sleep(250);
      return { reply: reply({ blocks: [text('slow done')] }) };
    },
  }),
  defineCommand({
    name: 'propose',
    summary: 'propose',
    usage: 'propose',
    permission: 'read',
    flags: {},
    async run() {
      runs.push('propose');
      return { reply: card('p-1') };
    },
  }),
  defineCommand({
    name: 'slow-propose',
    summary: 'slow propose',
    usage: 'slow-propose',
    permission: 'read',
    flags: {},
    async run() {
      runs.push('slow-propose');
      await sleep(200);
      return { reply: card('p-5') };
    },
  }),
  defineCommand({
    name: 'secret',
    summary: 'secret',
    usage: 'secret',
    permission: 'read',
    flags: {},
    async run() {
      throw new ForbiddenError('only admins may see this');
    },
  }),
];

const record = (inv: { actor: { id: string; groups?: string[] }; message?: MessageRef }, actionId: string, value: string) =>
  clicks.push({ actionId, value, actorId: inv.actor.id, ...(inv.actor.groups ? { groups: inv.actor.groups } : {}), ...(inv.message ? { message: inv.message } : {}) });

const actionDefs = [
  defineAction({
    id: 'proposal.approve',
    permission: 'approve',
    async run(ctx, value) {
      record(ctx as unknown as ActionInvocation, 'proposal.approve', value);
      return { reply: reply({ title: `Proposal ${value}`, visibility: 'channel', blocks: [text(`Approved by ${ctx.actor.displayName}`)] }), replace: true };
    },
  }),
  defineAction({
    id: 'proposal.reject',
    permission: 'approve',
    async run(ctx, value) {
      record(ctx as unknown as ActionInvocation, 'proposal.reject', value);
      return { reply: reply({ blocks: [text(`Noted: you rejected ${value}.`)] }) };
    },
  }),
];

let h: Harness;

beforeAll(async () => {
  stub.listen();
  h = await startHarness(commands, actionDefs, { workingNoticeMs: 60, userGroups: true });
});
afterEach(() => {
  stub.reset();
  runs.length = 0;
  clicks.length = 0;
});
afterAll(async () => {
  await h.close();
  stub.close();
});

describe('slash command', () => {
  it('acks at once with an empty 200 and answers through response_url, ephemeral', async () => {
    const body = slashBody('echo hello <!channel>');
    const res = await h.post(body, sign(body));
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    await h.slack.idle();
    expect(runs).toEqual(['echo hello <!channel>']);
    expect(stub.hooks).toHaveLength(1);
    const [hook] = stub.hooks;
    expect(hook?.url).toMatch(/^https:\/\/hooks\.slack\.com\/commands\/T1\//);
    expect(hook?.body).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
      // The plain-text fallback is always there; the user's text cannot become a channel-wide mention.
      text: 'You said hello &lt;!channel&gt;',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'You said *hello &lt;!channel&gt;*' } }],
    });
  });

  it('shows an ephemeral "working…" note when the command takes time, then replaces it with the answer', async () => {
    const body = slashBody('slow');
    const res = await h.post(body, sign(body));
    expect(res.status).toBe(200);
    await h.slack.idle();
    expect(stub.hooks.map((x) => x.body.text)).toEqual([expect.stringContaining('Working on `/cloud slow`… Reading the estate…'), 'slow done']);
    expect(stub.hooks[0]?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(stub.hooks[1]?.body).toMatchObject({ response_type: 'ephemeral', replace_original: true });
    expect(new Set(stub.hooks.map((x) => x.url)).size).toBe(1);
  });

  it('posts channel-visible replies with chat.postMessage (so they can be updated) and unique action ids', async () => {
    const body = slashBody('propose');
    await h.post(body, sign(body));
    await h.slack.idle();
    const [post] = stub.calls('chat.postMessage');
    expect(post?.auth).toBe('Bearer xoxb-test-token');
    expect(post?.body.channel).toBe('C1');
    expect(post?.body.text).toContain('Proposal p-1');
    const blocks = post?.body.blocks as { type: string; elements?: { action_id: string; value: string; confirm?: unknown; style?: string }[] }[];
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Proposal p-1', emoji: true } });
    const buttons = blocks.flatMap((b) => b.elements ?? []).filter((e) => 'action_id' in e);
    expect(buttons.map((b) => [b.action_id, b.value])).toEqual([
      ['proposal.approve', 'p-1'],
      ['proposal.reject', 'p-1'],
      ['proposal.approve#2', 'p-1-all'],
    ]);
    expect(buttons[0]?.confirm).toMatchObject({ title: { text: 'Approve?' }, confirm: { text: 'Approve' }, deny: { text: 'Cancel' } });
    // Who asked, for everyone in the channel.
    expect(JSON.stringify(blocks.at(-1))).toContain('<@U1> ran `/cloud propose`');
    expect(stub.hooks).toHaveLength(0);
  });

  it('falls back to response_url in_channel where the bot cannot post', async () => {
    stub.apiResponses['chat.postMessage'] = () => ({ ok: false, error: 'channel_not_found' });
    const body = slashBody('propose', { channel_id: 'D9' });
    await h.post(body, sign(body));
    await h.slack.idle();
    expect(stub.calls('chat.postMessage')).toHaveLength(1);
    expect(stub.hooks).toHaveLength(1);
    expect(stub.hooks[0]?.body).toMatchObject({ response_type: 'in_channel', replace_original: false });
  });

  it('removes the working note once a slow channel answer is posted', async () => {
    const body = slashBody('slow-propose');
    await h.post(body, sign(body));
    await h.slack.idle();
    expect(stub.calls('chat.postMessage')).toHaveLength(1);
    expect(stub.hooks.map((x) => x.body)).toEqual([
      expect.objectContaining({ response_type: 'ephemeral', text: expect.stringContaining('Working on `/cloud slow-propose`') }),
      { delete_original: true },
    ]);
  });

  it('deletes the working note before answering in_channel through the same response_url', async () => {
    stub.apiResponses['chat.postMessage'] = () => ({ ok: false, error: 'not_in_channel' });
    const body = slashBody('slow-propose', { channel_id: 'G5' });
    await h.post(body, sign(body));
    await h.slack.idle();
    expect(stub.hooks.map((x) => x.body.delete_original ?? x.body.response_type)).toEqual(['ephemeral', true, 'in_channel']);
  });

  it('answers errors to the requester only', async () => {
    const body = slashBody('secret');
    await h.post(body, sign(body));
    await h.slack.idle();
    expect(stub.calls('chat.postMessage')).toHaveLength(0);
    expect(stub.hooks[0]?.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Not allowed: only admins may see this') });
  });

  it('never runs a command twice when Slack retries the same delivery', async () => {
    const body = slashBody('echo once');
    const first = await h.post(body, sign(body));
    const retry = await h.post(body, { ...sign(body), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect([first.status, retry.status]).toEqual([200, 200]);
    await h.slack.idle();
    expect(runs).toEqual(['echo once']);
    expect(stub.hooks).toHaveLength(1);
  });
});

describe('request verification', () => {
  it('rejects a forged signature with 401 and runs nothing', async () => {
    const body = slashBody('echo forged');
    const res = await h.post(body, sign(body, { secret: 'not-the-signing-secret-at-all' }));
    expect(res.status).toBe(401);
    await h.slack.idle();
    expect(runs).toEqual([]);
  });

  it('rejects a body changed after signing with 401', async () => {
    const body = slashBody('echo hi');
    const res = await h.post(body.replace('echo+hi', 'echo+bye'), sign(body));
    expect(res.status).toBe(401);
  });

  it('rejects a stale timestamp (6 minutes old, correctly signed) with 401', async () => {
    const body = slashBody('echo stale');
    const res = await h.post(body, sign(body, { ts: Math.floor(Date.now() / 1000) - 6 * 60 }));
    expect(res.status).toBe(401);
    await h.slack.idle();
    expect(runs).toEqual([]);
  });

  it('rejects a request without signature headers with 401', async () => {
    const body = slashBody('echo bare');
    const res = await h.post(body, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(401);
  });

  it('answers Slack\'s ssl_check and url_verification, refuses GET and a malformed signed body', async () => {
    const ssl = 'ssl_check=1&token=x';
    expect((await h.post(ssl, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(200);
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 'x' });
    const res = await h.post(challenge, { ...sign(challenge), 'content-type': 'application/json' });
    expect(res).toMatchObject({ status: 200, text: JSON.stringify({ challenge: 'c-123' }) });
    expect((await fetch(`${h.url}/slack/events`)).status).toBe(405);
    const bad = 'payload=%7Bnot-json';
    expect((await h.post(bad, sign(bad))).status).toBe(400);
  });

  it('shares the server: probes still answer next to /slack/events', async () => {
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe('block_actions', () => {
  it('routes a click to the action (suffix stripped) with actor, groups and message ref, and updates the card in place', async () => {
    const body = actionBody({ actionId: 'proposal.approve#2', value: 'p-1-all', ts: '1714.000777' });
    const res = await h.post(body, sign(body));
    expect(res.status).toBe(200);
    await h.slack.idle();
    expect(clicks).toHaveLength(1);
    const click = clicks[0];
    expect(click).toMatchObject({ actionId: 'proposal.approve', value: 'p-1-all', actorId: 'slack:T1:U2' });
    expect(click?.message).toEqual({ surface: 'slack', address: { channel: 'C1', ts: '1714.000777', responseUrl: expect.stringMatching(/^https:\/\/hooks\.slack\.com\/actions\//) } });
    const [update] = stub.calls('chat.update');
    expect(update?.body).toMatchObject({ channel: 'C1', ts: '1714.000777', text: expect.stringContaining('Approved by sam') });
    expect(stub.hooks).toHaveLength(0);
  });

  it('answers a non-replacing action to the clicker only, without touching the card', async () => {
    const body = actionBody({ actionId: 'proposal.reject', value: 'p-9', user: 'U3' });
    await h.post(body, sign(body));
    await h.slack.idle();
    expect(clicks[0]).toMatchObject({ actionId: 'proposal.reject', actorId: 'slack:T1:U3' });
    expect(stub.calls('chat.update')).toHaveLength(0);
    expect(stub.hooks[0]?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false, text: 'Noted: you rejected p-9.' });
  });

  it('replaces an ephemeral card through its response_url (chat.update cannot)', async () => {
    const body = actionBody({ actionId: 'proposal.approve', value: 'p-2', ephemeral: true });
    await h.post(body, sign(body));
    await h.slack.idle();
    expect(stub.calls('chat.update')).toHaveLength(0);
    expect(stub.hooks).toHaveLength(1);
    expect(stub.hooks[0]?.body).toMatchObject({ replace_original: true, text: expect.stringContaining('Approved by sam') });
  });

  it('answers a click on an unknown button with a note to the clicker', async () => {
    const body = actionBody({ actionId: 'gone.away', value: 'x' });
    await h.post(body, sign(body));
    await h.slack.idle();
    expect(clicks).toHaveLength(0);
    expect(stub.hooks[0]?.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('no longer supported') });
  });

  it('ignores a re-delivered click', async () => {
    const body = actionBody({ actionId: 'proposal.reject', value: 'p-3' });
    await h.post(body, sign(body));
    await h.post(body, { ...sign(body), 'x-slack-retry-num': '1' });
    await h.slack.idle();
    expect(clicks).toHaveLength(1);
  });
});

describe('identity', () => {
  it('gives the actor its team-qualified id and user groups as slack:<team>:<id> and slack:<team>:@<handle>, looked up once and cached', async () => {
    stub.apiResponses['usergroups.list'] = () => ({
      ok: true,
      usergroups: [
        { id: 'S1', handle: 'sre', users: ['U2', 'U3'] },
        { id: 'S2', handle: 'finance', users: ['U1'] },
      ],
    });
    // A fresh surface, so no group list is cached yet.
    const fresh = await startHarness(commands, actionDefs, { userGroups: true });
    try {
      for (const user of ['U3', 'U4']) {
        const body = actionBody({ actionId: 'proposal.reject', value: 'p-9', user });
        await fresh.post(body, sign(body));
        await fresh.slack.idle();
      }
      expect(clicks.map((c) => [c.actorId, c.groups])).toEqual([
        ['slack:T1:U3', ['slack:T1:S1', 'slack:T1:@sre']],
        // In no group: an empty list (memberships known), which a refusal tells from "could not check".
        ['slack:T1:U4', []],
      ]);
      expect(stub.calls('usergroups.list')).toHaveLength(1);
      expect(stub.calls('usergroups.list')[0]?.body).toMatchObject({ include_users: true });
    } finally {
      await fresh.close();
    }
  });

  it('runs without groups when Slack refuses the lookup (free plan, missing scope)', async () => {
    stub.apiResponses['usergroups.list'] = () => ({ ok: false, error: 'missing_scope' });
    const fresh = await startHarness(commands, actionDefs, { userGroups: true });
    try {
      const body = actionBody({ actionId: 'proposal.reject', value: 'p-9', user: 'U3' });
      await fresh.post(body, sign(body));
      await fresh.slack.idle();
      expect(clicks[0]).toMatchObject({ actorId: 'slack:T1:U3' });
      expect(clicks[0]?.groups).toBeUndefined();
    } finally {
      await fresh.close();
    }
  });
});

describe('notifier', () => {
  it('replaces a posted message in place with chat.update, in order', async () => {
    const ref: MessageRef = { surface: 'slack', address: { channel: 'C7', ts: '1714.000123' } };
    const step = (n: number) => reply({ blocks: [text(`step ${n}`)] });
    await Promise.all([h.notifiers.update(ref, step(1)), h.notifiers.update(ref, step(2)), h.notifiers.update(ref, step(3))]);
    expect(stub.calls('chat.update').map((c) => [c.body.channel, c.body.ts, c.body.text])).toEqual([
      ['C7', '1714.000123', 'step 1'],
      ['C7', '1714.000123', 'step 2'],
      ['C7', '1714.000123', 'step 3'],
    ]);
  });

  it('posts to a channel and returns a ref that later updates replace', async () => {
    const ref = await h.slack.post('C8', reply({ title: 'Weekly digest', blocks: [text('all good')] }));
    expect(ref).toEqual({ surface: 'slack', address: { channel: 'C8', ts: expect.any(String) } });
    await h.notifiers.update(ref, reply({ blocks: [text('updated')] }));
    expect(stub.calls('chat.update')[0]?.body).toMatchObject({ channel: 'C8', ts: ref.address.ts });
  });
});
