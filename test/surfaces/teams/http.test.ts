/**
 * The Teams surface end to end over HTTP: activities posted to /api/messages with Bot Framework tokens validated
 * offline (the OpenID document and a signing key served by msw), the connector API of the service URL stubbed by
 * msw and every outgoing call asserted. Written against HTTP only, so it would pass over a successor SDK.
 */
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineAction, defineCommand, type MessageRef } from '../../../src/core/command.js';
import { ForbiddenError } from '../../../src/core/errors.js';
import { actions, reply, table, text } from '../../../src/core/reply.js';
import { echoCommand } from '../../support/surfaces.js';
import {
  APP_TENANT,
  cardAction,
  cardOf,
  channelMessage,
  createBotFramework,
  fixture,
  groupChatMessage,
  OTHER_TENANT,
  OUTBOUND_TOKEN,
  personalMessage,
  postActivity,
  sleep,
  startTeamsHarness,
  type TeamsHarness,
} from './support.js';

const bf = await createBotFramework();
const runs: { what: string; actor: string }[] = [];

const commands = [
  // For everyone: an answer only the asker may see goes elsewhere in a channel (private-answers.test.ts).
  echoCommand(
    (words, ctx) => runs.push({ what: `echo ${words}`, actor: ctx.actor.id }),
    (words) => `You said **${words}**`,
    'channel',
  ),
  defineCommand({
    name: 'inventory',
    summary: 'List instances',
    usage: 'inventory',
    permission: 'read',
    flags: {},
    async run(ctx) {
      runs.push({ what: 'inventory', actor: ctx.actor.id });
      return { reply: reply({ title: 'Inventory', blocks: [table(['Name', 'Type'], [['web-1', 't3.small']])], visibility: 'channel' }) };
    },
  }),
  defineCommand({
    name: 'slow',
    summary: 'Takes a while',
    usage: 'slow',
    permission: 'read',
    flags: {},
    async run(ctx) {
      runs.push({ what: 'slow', actor: ctx.actor.id });
      await ctx.progress('Reading the estate…');
      await sleep(300);
      return { reply: reply({ blocks: [text('slow done')], visibility: 'channel' }) };
    },
  }),
  defineCommand({
    name: 'propose',
    summary: 'A card with buttons',
    usage: 'propose',
    permission: 'read',
    flags: {},
    async run() {
      runs.push({ what: 'propose', actor: '' });
      return {
        reply: reply({
          title: 'Proposal p-1',
          visibility: 'channel',
          blocks: [text('Stop **vm-1**.'), actions({ actionId: 'proposal.approve', label: 'Approve', value: 'p-1', style: 'primary' }, { actionId: 'proposal.reject', label: 'Reject', value: 'p-1', style: 'danger' })],
        }),
      };
    },
  }),
];

const clicks: { actionId: string; value: string; actor: string; message?: MessageRef }[] = [];
const actionDefs = [
  defineAction({
    id: 'proposal.approve',
    permission: 'read',
    async run(ctx, value) {
      clicks.push({ actionId: 'proposal.approve', value, actor: ctx.actor.id, ...(ctx.message ? { message: ctx.message } : {}) });
      if (value === 'mine') throw new ForbiddenError('you cannot approve your own proposal');
      if (value === 'slow') await sleep(400);
      return { reply: reply({ title: `Proposal ${value}`, visibility: 'channel', blocks: [text(`Approved by ${ctx.actor.displayName}`)] }), replace: true };
    },
  }),
];

let h: TeamsHarness;
beforeAll(async () => {
  bf.listen();
  h = await startTeamsHarness(commands, actionDefs, { workingNoticeMs: 100, invokeDeadlineMs: 150 });
});
afterEach(async () => {
  await h.teams.idle();
  bf.reset();
  runs.length = 0;
  clicks.length = 0;
  h.waits.length = 0;
});
afterAll(async () => {
  await h.close();
  bf.close();
});

const send = async (activity: Record<string, any>, token?: string) => {
  const res = await postActivity(h.url, activity, token ?? (await bf.token({ serviceUrl: activity.serviceUrl })));
  await h.teams.idle();
  return res;
};

describe('authentication', () => {
  it('answers a correctly signed message: 200, the command runs, the reply goes to the connector with our own token', async () => {
    const activity = channelMessage('echo hello');
    const res = await send(activity);
    expect(res.status).toBe(200);
    expect(runs).toEqual([{ what: 'echo hello', actor: 'teams:b15a9416-0ad3-4172-9210-7beb711d3f70' }]);
    const [call] = bf.calls;
    expect(call).toMatchObject({ method: 'POST', kind: 'reply', activityId: activity.id, conversationId: '19:6848757105754c8981c67612732d9aa7@thread.tacv2;messageid=1759881511856', auth: `Bearer ${OUTBOUND_TOKEN}` });
    expect(cardOf(call).text).toContain('You said **hello**');
    // Single-tenant: the bot's token comes from its own tenant.
    expect(bf.tokenRequests).toContain(APP_TENANT);
  });

  it.each([
    ['missing', async () => undefined],
    ['signed by another key (botbuilder alone answers 500)', async () => bf.token({ key: bf.strangerKey })],
    ['expired', async () => bf.token({ issuedAt: Math.floor(Date.now() / 1000) - 7200, expiresIn: Math.floor(Date.now() / 1000) - 3600 })],
    ['for another audience', async () => bf.token({ audience: '11111111-2222-3333-4444-555555555555' })],
    ['from another issuer', async () => bf.token({ issuer: 'https://sts.example.com' })],
    ['for another service URL', async () => bf.token({ serviceUrl: 'https://evil.example.com/' })],
    ['not a JWT', async () => 'not-a-token'],
  ])('refuses a token that is %s with 401, and runs nothing', async (_name, make) => {
    const conversationId = `19:forged-${Math.random().toString(36).slice(2)}@thread.tacv2`;
    const activity = channelMessage('echo forged', { conversation: { id: `${conversationId};messageid=1` } });
    const res = await postActivity(h.url, activity, await make());
    expect(res.status).toBe(401);
    await h.teams.idle();
    expect(runs).toEqual([]);
    expect(bf.calls).toEqual([]);
    expect(await h.conversations.get('teams', conversationId)).toBeUndefined();
  });

  it('refuses a message from a tenant that is not configured, without running it', async () => {
    const res = await send(channelMessage('echo hi', { tenant: OTHER_TENANT }));
    expect(res.status).toBe(200);
    expect(runs).toEqual([]);
    expect(cardOf(bf.calls[0]).text).toContain('serves another Microsoft 365 organisation');
  });
});

describe('messages in every kind of conversation', () => {
  it('strips the bot mention in a channel, replies in the thread and names who asked', async () => {
    await send(channelMessage('inventory'));
    expect(runs.map((r) => r.what)).toEqual(['inventory']);
    const { card } = cardOf(bf.calls[0]);
    expect(card?.version).toBe('1.5');
    expect(card?.body.find((e: { type: string }) => e.type === 'Table')).toBeDefined();
    expect(JSON.stringify(card)).toContain('rido ran inventory');
  });

  it('answers in a personal chat, without a footer', async () => {
    await send(personalMessage('echo one to one'));
    expect(runs).toEqual([{ what: 'echo one to one', actor: 'teams:b15a9416-0ad3-4172-9210-7beb711d3f70' }]);
    expect(bf.calls[0]?.conversationId).toBe('a:1personal-chat-with-rido');
    expect(JSON.stringify(cardOf(bf.calls[0]).card)).not.toContain(' ran ');
  });

  it('answers in a group chat', async () => {
    await send(groupChatMessage('echo group'));
    expect(runs.map((r) => r.what)).toEqual(['echo group']);
    expect(bf.calls[0]?.conversationId).toBe('19:groupchat-3f1c@thread.v2');
  });

  it('answers help and a mistyped command with the closest match', async () => {
    await send(personalMessage('invetnory'));
    expect(cardOf(bf.calls[0]).text).toContain('Did you mean');
    expect(cardOf(bf.calls[0]).text).toContain('inventory');
    bf.reset();
    await send(personalMessage('echo'));
    expect(runs.map((r) => r.what)).toEqual(['echo ']);
  });

  it('shows a working note when a command is slow, then replaces that same message with the answer', async () => {
    await send(personalMessage('slow'));
    expect(bf.calls.map((c) => c.kind)).toEqual(['reply', 'update']);
    const [note, answer] = bf.calls;
    expect(cardOf(note).text).toContain('Working on slow… Reading the estate…');
    expect(answer?.activityId).toBe(note?.responseId);
    expect(cardOf(answer).text).toContain('slow done');
  });

  it('takes a re-delivered activity only once', async () => {
    const activity = personalMessage('echo once');
    await send(activity);
    await send(activity);
    expect(runs.map((r) => r.what)).toEqual(['echo once']);
  });

  it('stores the conversation reference on every message (base channel id, no thread)', async () => {
    await send(channelMessage('echo store me'));
    const stored = await h.conversations.get('teams', '19:6848757105754c8981c67612732d9aa7@thread.tacv2');
    expect(stored).toMatchObject({ tenantId: APP_TENANT, kind: 'channel', pausedReason: undefined });
    expect(stored?.reference).toMatchObject({ serviceUrl: 'https://smba.trafficmanager.net/amer/50612dbb-0237-4969-b378-8d42590f9c00/', conversation: { id: '19:6848757105754c8981c67612732d9aa7@thread.tacv2' } });
  });
});

describe('card buttons', () => {
  it('answers Action.Execute within the deadline with the updated card and replaces it for everyone', async () => {
    const res = await send(cardAction({ actionId: 'proposal.approve', value: 'p-1' }, { replyToId: 'card-1' }));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: { type: 'AdaptiveCard', version: '1.5' } });
    expect(JSON.stringify(res.json?.value)).toContain('Approved by Rido');
    expect(clicks).toEqual([{ actionId: 'proposal.approve', value: 'p-1', actor: 'teams:c5e99701-2a32-49c1-a660-4629ceeb8c61', message: { surface: 'teams', address: { conversationId: expect.stringMatching(/^a:17vxw/), activityId: 'card-1' } } }]);
    const [update] = bf.calls;
    expect(update).toMatchObject({ method: 'PUT', kind: 'update', activityId: 'card-1' });
    expect(cardOf(update).text).toContain('Approved by Rido');
  });

  it('answers a refused click to the clicker only, and leaves the card alone', async () => {
    const res = await send(cardAction({ actionId: 'proposal.approve', value: 'mine' }, { replyToId: 'card-2' }));
    expect(res.json).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: expect.stringContaining('you cannot approve your own proposal') });
    expect(bf.calls).toEqual([]);
  });

  it('past the deadline answers "working on it" and updates the card when the action is done', async () => {
    const res = await send(cardAction({ actionId: 'proposal.approve', value: 'slow' }, { replyToId: 'card-3' }));
    expect(res.json).toMatchObject({ type: 'application/vnd.microsoft.activity.message', value: expect.stringContaining('Working on it') });
    expect(bf.calls.map((c) => [c.kind, c.activityId])).toEqual([['update', 'card-3']]);
    expect(cardOf(bf.calls[0]).text).toContain('Approved by Rido');
  });

  it('handles the Action.Submit fallback of old clients like the click', async () => {
    const activity = personalMessage('');
    delete activity.text;
    activity.value = { actionId: 'proposal.approve', value: 'p-9' };
    activity.replyToId = 'card-9';
    await send(activity);
    expect(clicks.map((c) => c.value)).toEqual(['p-9']);
    expect(bf.calls).toMatchObject([{ kind: 'update', activityId: 'card-9' }]);
  });

  it('refuses a click from another tenant', async () => {
    const res = await send(cardAction({ actionId: 'proposal.approve', value: 'p-1' }, { tenant: OTHER_TENANT, replyToId: 'card-4' }));
    expect(res.json).toMatchObject({ type: 'application/vnd.microsoft.activity.message', value: expect.stringContaining('another Microsoft 365 organisation') });
    expect(clicks).toEqual([]);
  });
});

describe('install events', () => {
  it('stores the reference on installationUpdate (add) and conversationUpdate (bot added to a team)', async () => {
    const tenant = 'b28fdbfd-2b78-4f93-b0f8-8881793f0f8f';
    const local = await startTeamsHarness(commands, actionDefs, { allowedTenants: [APP_TENANT, tenant] });
    try {
      const install = fixture<Record<string, any>>('activity.installationUpdate.add.msteams-docs.json');
      const res = await postActivity(local.url, install, await bf.token({ serviceUrl: install.serviceUrl }));
      expect(res.status).toBe(200);
      expect(await local.conversations.get('teams', '19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2')).toMatchObject({ tenantId: tenant, kind: 'channel', name: '2021 Test Channel' });
      const added = fixture<Record<string, any>>('activity.conversationUpdate.bot-added-to-team.msteams-docs.json');
      added.conversation.id = '19:another-channel@thread.tacv2';
      await postActivity(local.url, added, await bf.token({ serviceUrl: added.serviceUrl }));
      expect(await local.conversations.get('teams', '19:another-channel@thread.tacv2')).toMatchObject({ kind: 'channel', tenantId: tenant });
      expect(bf.calls).toEqual([]);
    } finally {
      await local.close();
    }
  });
});

describe('proactive posts and updates', () => {
  const channel = '19:6848757105754c8981c67612732d9aa7@thread.tacv2';

  it('posts to a stored channel as a new thread and updates it in place', async () => {
    await send(channelMessage('echo hi'));
    bf.reset();
    const ref = await h.notifiers.post({ surface: 'teams', address: { conversationId: channel } }, reply({ title: 'Weekly digest', blocks: [text('all good')] }));
    expect(ref).toEqual({ surface: 'teams', address: { conversationId: channel, activityId: expect.stringMatching(/^act-/) } });
    expect(bf.calls[0]).toMatchObject({ kind: 'send', conversationId: channel });
    await h.notifiers.update(ref as MessageRef, reply({ blocks: [text('updated')] }));
    expect(bf.calls[1]).toMatchObject({ kind: 'update', conversationId: channel, activityId: ref?.address.activityId });
    expect(cardOf(bf.calls[1]).text).toContain('updated');
  });

  it('waits out a 429 with Retry-After, then posts once', async () => {
    await send(channelMessage('echo hi'));
    bf.reset();
    bf.overrides.push(() => HttpResponse.json({ error: { code: 'TooManyRequests', message: 'throttled' } }, { status: 429, headers: { 'retry-after': '2' } }));
    const ref = await h.notifiers.post({ surface: 'teams', address: { conversationId: channel } }, reply({ blocks: [text('digest')] }));
    expect(bf.calls.map((c) => c.kind)).toEqual(['send', 'send']);
    expect(h.waits).toContain(2000);
    expect(ref?.address.activityId).toMatch(/^act-/);
  });

  it('backs off on 412, 502 and 504 too', async () => {
    await send(channelMessage('echo hi'));
    bf.reset();
    for (const status of [412, 502, 504]) bf.overrides.push(() => HttpResponse.json({ error: { code: 'Transient', message: String(status) } }, { status }));
    await h.notifiers.post({ surface: 'teams', address: { conversationId: channel } }, reply({ blocks: [text('digest')] }));
    expect(bf.calls).toHaveLength(4);
    expect(h.waits).toHaveLength(3);
  });

  it('pauses a conversation the bot was removed from (403 BotNotInConversationRoster): no retries, none until someone writes again', async () => {
    await send(channelMessage('echo hi'));
    bf.reset();
    bf.overrides.push(() => HttpResponse.json(fixture('error.BotNotInConversationRoster.ours.json'), { status: 403 }));
    const target = { surface: 'teams' as const, address: { conversationId: channel } };
    await expect(h.notifiers.post(target, reply({ blocks: [text('digest')] }))).rejects.toThrow(/BotNotInConversationRoster/);
    expect(bf.calls).toHaveLength(1);
    expect(h.waits).toEqual([]);
    expect((await h.conversations.get('teams', channel))?.pausedReason).toBe('BotNotInConversationRoster');
    // Paused: refused without a call.
    await expect(h.notifiers.post(target, reply({ blocks: [text('digest')] }))).rejects.toThrow(/cannot post/);
    expect(bf.calls).toHaveLength(1);
    // Someone writes again: resumed.
    await send(channelMessage('echo back'));
    expect((await h.conversations.get('teams', channel))?.pausedReason).toBeUndefined();
    bf.reset();
    await h.notifiers.post(target, reply({ blocks: [text('digest')] }));
    expect(bf.calls).toHaveLength(1);
  });

  it('pauses on 403 BotDisabledByAdmin as well', async () => {
    await send(channelMessage('echo hi'));
    bf.reset();
    bf.overrides.push(() => HttpResponse.json(fixture('error.BotDisabledByAdmin.ours.json'), { status: 403 }));
    await expect(h.notifiers.post({ surface: 'teams', address: { conversationId: channel } }, reply({ blocks: [text('x')] }))).rejects.toThrow(/BotDisabledByAdmin/);
    expect((await h.conversations.get('teams', channel))?.pausedReason).toBe('BotDisabledByAdmin');
  });

  it('refuses a post to a conversation it never saw, naming why', async () => {
    await expect(h.notifiers.post({ surface: 'teams', address: { conversationId: '19:never@thread.tacv2' } }, reply({ blocks: [text('x')] }))).rejects.toThrow(/no conversation reference/);
    expect(bf.calls).toEqual([]);
  });
});
