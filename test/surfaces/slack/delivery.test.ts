/**
 * Slack as a thin sender over the shared delivery: a throttled chat.postMessage (HTTP 429 + Retry-After) is retried
 * by the shared policy, not by the SDK, and the answer arrives once; a channel that refuses posts is not retried.
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { reply, text } from '../../../src/core/reply.js';
import { defineCommand, sign, slashBody, startHarness, type Harness } from './support.js';

const posts: { channel: string; text: string }[] = [];
const hooks: Record<string, unknown>[] = [];
let throttleNext = 0;
let refuse = false;
const server = setupServer(
  http.post('https://slack.com/api/chat.postMessage', async ({ request }) => {
    const body = Object.fromEntries(new URLSearchParams(await request.text()));
    posts.push({ channel: String(body.channel), text: String(body.text) });
    if (throttleNext > 0) {
      throttleNext--;
      return HttpResponse.json({ ok: false, error: 'ratelimited' }, { status: 429, headers: { 'retry-after': '0' } });
    }
    if (refuse) return HttpResponse.json({ ok: false, error: 'not_in_channel' });
    return HttpResponse.json({ ok: true, channel: body.channel, ts: '1714.000001' });
  }),
  http.post('https://hooks.slack.com/*', async ({ request }) => {
    hooks.push((await request.json()) as Record<string, unknown>);
    return HttpResponse.text('ok');
  }),
);

const shout = defineCommand({
  name: 'shout',
  summary: 'shout',
  usage: 'shout',
  permission: 'read',
  flags: {},
  run: async () => ({ reply: reply({ blocks: [text('HELLO CHANNEL')], visibility: 'channel' }) }),
});

let h: Harness;
beforeAll(async () => {
  server.listen({ onUnhandledRequest: (req, print) => (new URL(req.url).hostname === '127.0.0.1' ? undefined : print.error()) });
  h = await startHarness([shout], []);
});
afterEach(() => {
  posts.length = 0;
  hooks.length = 0;
  throttleNext = 0;
  refuse = false;
});
afterAll(async () => {
  await h.close();
  server.close();
});

it('retries a throttled chat.postMessage after Retry-After and posts the answer once', async () => {
  throttleNext = 1;
  const body = slashBody('shout');
  expect((await h.post(body, sign(body))).status).toBe(200);
  await h.slack.idle();
  expect(posts).toHaveLength(2);
  expect(posts.every((p) => p.channel === 'C1' && p.text.includes('HELLO CHANNEL'))).toBe(true);
  // Posted: nothing went through response_url.
  expect(hooks).toEqual([]);
});

it('does not retry a channel that refuses the bot; the answer goes through response_url', async () => {
  refuse = true;
  const body = slashBody('shout');
  await h.post(body, sign(body));
  await h.slack.idle();
  expect(posts).toHaveLength(1);
  expect(hooks).toEqual([expect.objectContaining({ response_type: 'in_channel', text: expect.stringContaining('HELLO CHANNEL') })]);
});
