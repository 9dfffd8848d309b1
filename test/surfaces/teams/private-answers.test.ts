/**
 * Teams has no ephemeral messages in a channel or a group chat: an answer only the asker may see (a proposal they
 * may not act on, a refusal, an error) typed there goes to the asker's personal chat with the bot when its
 * reference is stored (a proactive message), and the conversation gets one short line holding none of it; without a
 * stored personal chat, that line tells them to message the bot directly. In a personal chat it is answered as usual.
 * Activities go over HTTP with Bot Framework tokens validated offline; the connector is msw (support.ts).
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { defineCommand } from '../../../src/core/command.js';
import { ForbiddenError } from '../../../src/core/errors.js';
import { reply, text } from '../../../src/core/reply.js';
import { cardOf, channelMessage, createBotFramework, groupChatMessage, personalMessage, postActivity, startTeamsHarness, type TeamsHarness } from './support.js';

const bf = await createBotFramework();
const SECRET_TEXT = 'Only for the asker: proposal k3x9qa needs an approver';
const CHANNEL = '19:6848757105754c8981c67612732d9aa7@thread.tacv2';
const PERSONAL = 'a:1personal-chat-with-rido';

const commands = [
  defineCommand({ name: 'whisper', summary: 'An answer for the asker only', usage: 'whisper', permission: 'read', flags: {}, run: async () => ({ reply: reply({ blocks: [text(SECRET_TEXT)], visibility: 'ephemeral' }) }) }),
  defineCommand({ name: 'shout', summary: 'An answer for everyone', usage: 'shout', permission: 'read', flags: {}, run: async () => ({ reply: reply({ blocks: [text('For everyone here')], visibility: 'channel' }) }) }),
  defineCommand({
    name: 'forbidden',
    summary: 'A refusal',
    usage: 'forbidden',
    permission: 'read',
    flags: {},
    run: async () => {
      throw new ForbiddenError('proposal k3x9qa needs an approver; you are a viewer');
    },
  }),
];

let h: TeamsHarness;
beforeAll(async () => {
  bf.listen();
  h = await startTeamsHarness(commands, []);
});
afterEach(async () => {
  await h.teams.idle();
  bf.reset();
});
afterAll(async () => {
  await h.close();
  bf.close();
});

const send = async (activity: Record<string, any>) => {
  const res = await postActivity(h.url, activity, await bf.token({ serviceUrl: activity.serviceUrl }));
  expect(res.status).toBe(200);
  await h.teams.idle();
};
const everything = () => bf.calls.map((c) => cardOf(c).text).join('\n');

it('without a stored personal chat, the channel gets a short line telling the asker to message the bot, and none of the answer', async () => {
  await send(channelMessage('whisper'));
  expect(bf.calls).toHaveLength(1);
  const [call] = bf.calls;
  expect(call).toMatchObject({ kind: 'reply', conversationId: expect.stringContaining(CHANNEL) });
  expect(cardOf(call).text).toContain('Message me directly (open a chat with Steward, and ask whisper there)');
  expect(everything()).not.toContain(SECRET_TEXT);
});

it('in a personal chat an answer for the asker is answered there as usual', async () => {
  await send(personalMessage('whisper'));
  expect(bf.calls).toHaveLength(1);
  expect(bf.calls[0]?.conversationId).toBe(PERSONAL);
  expect(cardOf(bf.calls[0]).text).toContain(SECRET_TEXT);
});

it('with the personal chat stored, the answer goes there and the channel only hears that it was sent privately', async () => {
  await send(channelMessage('whisper'));
  const privately = bf.calls.filter((c) => c.conversationId === PERSONAL);
  expect(privately).toHaveLength(1);
  expect(privately[0]).toMatchObject({ kind: 'send', method: 'POST' });
  expect(cardOf(privately[0]).text).toContain(SECRET_TEXT);
  const inChannel = bf.calls.filter((c) => c.conversationId.startsWith(CHANNEL));
  expect(inChannel).toHaveLength(1);
  expect(cardOf(inChannel[0]).text).toContain('I sent you the details in a private chat.');
  expect(cardOf(inChannel[0]).text).not.toContain(SECRET_TEXT);
});

it('a refusal in a group chat goes to the asker privately too', async () => {
  await send(groupChatMessage('forbidden'));
  const privately = bf.calls.filter((c) => c.conversationId === PERSONAL);
  expect(cardOf(privately[0]).text).toContain('you are a viewer');
  const inGroup = bf.calls.filter((c) => c.conversationId === '19:groupchat-3f1c@thread.v2');
  expect(inGroup).toHaveLength(1);
  expect(cardOf(inGroup[0]).text).toContain('I sent you the details in a private chat.');
  expect(cardOf(inGroup[0]).text).not.toContain('viewer');
});

it("someone else in the channel never gets the first user's private chat", async () => {
  await send(channelMessage('whisper', { from: { id: '29:someone-else', name: 'Sam', aadObjectId: 'c5e99701-2a32-49c1-a660-4629ceeb8c61' } }));
  expect(bf.calls.filter((c) => c.conversationId === PERSONAL)).toEqual([]);
  expect(bf.calls).toHaveLength(1);
  expect(cardOf(bf.calls[0]).text).toContain('Message me directly');
  expect(everything()).not.toContain(SECRET_TEXT);
});

it('an answer for everyone is still posted in the channel', async () => {
  await send(channelMessage('shout'));
  expect(bf.calls).toHaveLength(1);
  expect(bf.calls[0]?.conversationId).toContain(CHANNEL);
  expect(cardOf(bf.calls[0]).text).toContain('For everyone here');
});

it('when the private send fails, the channel is told to message the bot, still without the answer', async () => {
  bf.overrides.push((call) => (call.conversationId === PERSONAL ? new Response(JSON.stringify({ error: { code: 'ConversationNotFound', message: 'gone' } }), { status: 404, headers: { 'content-type': 'application/json' } }) : undefined));
  await send(channelMessage('whisper'));
  // It was tried in the personal chat (the only place it may go), refused there.
  expect(bf.calls.filter((c) => c.conversationId === PERSONAL)).toHaveLength(1);
  const inChannel = bf.calls.filter((c) => c.conversationId.startsWith(CHANNEL));
  expect(inChannel).toHaveLength(1);
  expect(cardOf(inChannel[0]).text).toContain('Message me directly');
  expect(cardOf(inChannel[0]).text).not.toContain(SECRET_TEXT);
});
