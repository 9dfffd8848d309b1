/**
 * Digest posts to Slack: the real Web client against msw serving Slack's documented responses. The chart is uploaded
 * (getUploadURLExternal → bytes to the upload URL → completeUploadExternal) and shown inside the one message.
 */
import { readFileSync } from 'node:fs';
import { webApi } from '@slack/bolt';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reply, text, type ImageBlock } from '../../../src/core/reply.js';
import { silentLogger } from '../../../src/lib/logger.js';
import { fromRoot } from '../../../src/lib/paths.js';
import { createSendQueue } from '../../../src/core/delivery.js';
import { slackSendVerdict } from '../../../src/surfaces/slack/delivery.js';
import { createSlackPoster } from '../../../src/surfaces/slack/files.js';

const fixture = (name: string) => JSON.parse(readFileSync(fromRoot(`test/fixtures/slack/${name}`), 'utf8')) as Record<string, unknown>;
const calls: { method: string; body: Record<string, unknown> }[] = [];
const uploads: { url: string; bytes: number }[] = [];
let rateLimitOnce = false;

const server = setupServer(
  http.post('https://slack.com/api/:method', async ({ request, params }) => {
    const method = String(params.method);
    const raw = await request.text();
    const body = (request.headers.get('content-type') ?? '').includes('json') ? (JSON.parse(raw) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(raw));
    for (const k of ['blocks', 'files']) if (typeof body[k] === 'string') body[k] = JSON.parse(body[k] as string);
    calls.push({ method, body });
    if (method === 'files.getUploadURLExternal') return HttpResponse.json(fixture('files.getUploadURLExternal.ok.slack-docs.json'));
    if (method === 'files.completeUploadExternal') return HttpResponse.json(fixture('files.completeUploadExternal.ok.slack-docs.json'));
    if (method === 'chat.postMessage') {
      if (rateLimitOnce) {
        rateLimitOnce = false;
        return HttpResponse.json(fixture('error.ratelimited.http429.python-slack-sdk.json'), { status: 429, headers: { 'retry-after': '1' } });
      }
      return HttpResponse.json({ ...fixture('chat.postMessage.ok.slack-openapi.json'), channel: body.channel });
    }
    return HttpResponse.json({ ok: false, error: 'unknown_method' });
  }),
  http.post('https://files.slack.com/upload/v1/*', async ({ request }) => {
    uploads.push({ url: request.url, bytes: (await request.arrayBuffer()).byteLength });
    return HttpResponse.text('OK - 1234');
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  calls.length = 0;
  uploads.length = 0;
});
afterAll(() => server.close());

const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5c4a4f80000000049454e44ae426082', 'hex');
const chart: ImageBlock = { type: 'image', title: 'Daily cost, last 30 days', alt: 'Daily cost from $500 to $570; anomaly on 11-18', pngBase64: png.toString('base64'), width: 1, height: 1 };
// As the Slack surface builds it: no SDK retries, rate limits handed back to the shared send queue.
const client = () => new webApi.WebClient('xoxb-test', { retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logLevel: webApi.LogLevel.ERROR });
const queueSleeps: number[] = [];
const sends = () => createSendQueue({ classify: slackSendVerdict, sleep: async (ms: number) => { queueSleeps.push(ms); } });

describe('Slack digest posts', () => {
  it('uploads the chart privately and shows it inside the one message as a slack_file image block', async () => {
    const poster = createSlackPoster({ client: client(), log: silentLogger(), send: (ch, call) => sends().send(ch, call) });
    const ref = await poster.post('C0DIGEST', reply({ title: 'Cost digest', blocks: [text('Run-rate $17,429.90'), chart, text('after the chart')], visibility: 'channel' }));
    expect(ref).toEqual({ surface: 'slack', address: { channel: 'C0DIGEST', ts: '1503435956.000247' } });
    expect(calls.map((c) => c.method)).toEqual(['files.getUploadURLExternal', 'files.completeUploadExternal', 'chat.postMessage']);
    expect(calls[0]?.body).toMatchObject({ filename: 'steward-chart-1.png', length: String(png.length) });
    expect(uploads).toEqual([{ url: 'https://files.slack.com/upload/v1/ABC123...', bytes: png.length }]);
    // Private: no channel on completeUploadExternal, so the file is not a message of its own.
    expect(calls[1]?.body.channel_id).toBeUndefined();
    expect(calls[1]?.body.files).toEqual([{ id: 'F123ABC456', title: 'Daily cost, last 30 days' }]);
    const blocks = calls[2]?.body.blocks as { type: string; slack_file?: { id: string }; alt_text?: string }[];
    const image = blocks.find((b) => b.type === 'image');
    expect(image).toMatchObject({ slack_file: { id: 'F123ABC456' }, alt_text: chart.alt });
    expect(blocks.findIndex((b) => b.type === 'image')).toBeLessThan(blocks.findIndex((b) => JSON.stringify(b).includes('after the chart')));
    expect(JSON.stringify(blocks)).not.toContain('STEWARDIMAGE');
  });

  it('posts at most one message per second to a channel, and honours a 429', async () => {
    let clock = 10_000;
    const sleeps: number[] = [];
    const queue = sends();
    queueSleeps.length = 0;
    const poster = createSlackPoster({ client: client(), log: silentLogger(), send: (ch, call) => queue.send(ch, call), now: () => clock, sleep: async (ms) => { sleeps.push(ms); clock += ms; } });
    rateLimitOnce = true;
    await Promise.all([poster.post('C0A', reply({ blocks: [text('one')] })), poster.post('C0A', reply({ blocks: [text('two')] })), poster.post('C0B', reply({ blocks: [text('other channel')] }))]);
    const posts = calls.filter((c) => c.method === 'chat.postMessage');
    // The 429 was retried after its Retry-After (1 s) by the send queue: 3 messages delivered, 4 requests.
    expect(posts).toHaveLength(4);
    expect(queueSleeps).toEqual([1000]);
    expect(posts.filter((c) => c.body.channel === 'C0A').map((c) => JSON.stringify(c.body.blocks)).filter((b) => b.includes('two'))).toHaveLength(1);
    // The second message to C0A waited for the first one's second; C0B did not wait.
    expect(sleeps).toEqual([1000]);
  });

  it('posts the chart’s description instead when the upload fails', async () => {
    server.use(http.post('https://files.slack.com/upload/v1/*', () => new HttpResponse('nope', { status: 500 })));
    const poster = createSlackPoster({ client: client(), log: silentLogger() });
    await poster.post('C0DIGEST', reply({ blocks: [chart] }));
    const blocks = calls.find((c) => c.method === 'chat.postMessage')?.body.blocks as { type: string; elements?: { text: string }[] }[];
    expect(blocks.some((b) => b.type === 'image')).toBe(false);
    expect(JSON.stringify(blocks)).toContain('anomaly on 11-18');
  });
});
