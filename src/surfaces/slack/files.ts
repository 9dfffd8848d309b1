/**
 * Posting to a channel with server-rendered images: each ImageBlock is uploaded with files.getUploadURLExternal →
 * POST to the upload URL → files.completeUploadExternal (private, no channel: the file is not shared as a message
 * of its own), then shown inside the one digest message as an image block with `slack_file: { id }`.
 * At most one message per second per channel (Slack's posting limit); every call goes through the surface's shared
 * send queue (core/delivery.ts), which retries 429s after their Retry-After.
 */
import type { webApi } from '@slack/bolt';
import type { MessageRef } from '../../core/command.js';
import type { ImageBlock, Reply } from '../../core/reply.js';
import type { Logger } from '../../lib/logger.js';
import { slackRef } from './notifier.js';
import { renderBlockKit } from './render.js';

export interface SlackPosterOptions {
  client: webApi.WebClient;
  log: Logger;
  /** Minimum gap between two messages to one channel. */
  minIntervalMs?: number;
  /** Tests inject a fake clock; production waits for real. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** How the PNG reaches the upload URL (tests: the same fetch msw intercepts). */
  fetch?: typeof fetch;
  /** The surface's send queue (retry policy, Retry-After); default: call once. */
  send?: <T>(channel: string, call: () => Promise<T>) => Promise<T>;
}

export interface SlackPoster {
  post(channel: string, reply: Reply): Promise<MessageRef>;
  /** Uploads one PNG privately and returns its file id. */
  upload(image: ImageBlock, filename: string): Promise<string>;
}

const TOKEN = (n: number) => `STEWARDIMAGE${n}X9Q`;

export function createSlackPoster(opts: SlackPosterOptions): SlackPoster {
  const minInterval = opts.minIntervalMs ?? 1000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const doFetch = opts.fetch ?? fetch;
  const via = opts.send ?? (<T,>(_channel: string, call: () => Promise<T>) => call());
  /** Per channel: the tail of its queue and when its last message went out. */
  const lanes = new Map<string, { tail: Promise<unknown>; lastAt: number }>();

  async function upload(image: ImageBlock, filename: string, channel = ''): Promise<string> {
    const bytes = Buffer.from(image.pngBase64, 'base64');
    const got = await via(channel, () => opts.client.files.getUploadURLExternal({ filename, length: bytes.length, alt_text: image.alt.slice(0, 1000) }));
    if (!got.upload_url || !got.file_id) throw new Error('files.getUploadURLExternal returned no upload URL');
    const res = await doFetch(got.upload_url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    if (!res.ok) throw new Error(`uploading the chart failed with HTTP ${res.status}`);
    const fileId = got.file_id;
    await via(channel, () => opts.client.files.completeUploadExternal({ files: [{ id: fileId, title: image.title.slice(0, 250) }] }));
    return fileId;
  }

  async function send(channel: string, reply: Reply): Promise<MessageRef> {
    const images: { image: ImageBlock; fileId?: string }[] = [];
    // Each image becomes a marker the renderer passes through as text; the marker's block is then swapped for the image.
    const marked: Reply = {
      ...reply,
      blocks: reply.blocks.map((b) => {
        if (b.type !== 'image') return b;
        images.push({ image: b });
        return { type: 'context' as const, text: TOKEN(images.length - 1) };
      }),
    };
    for (const [n, entry] of images.entries()) {
      try {
        entry.fileId = await upload(entry.image, `steward-chart-${n + 1}.png`, channel);
      } catch (err) {
        opts.log.warn({ err: { message: (err as Error).message } }, 'chart upload failed; posting its description instead');
      }
    }
    const msg = renderBlockKit(marked);
    const blocks = (msg.blocks as unknown as Record<string, unknown>[]).map((b) => {
      const found = images.findIndex((_, n) => JSON.stringify(b).includes(TOKEN(n)));
      if (found < 0) return b;
      const { image, fileId } = images[found] as { image: ImageBlock; fileId?: string };
      if (!fileId) return { type: 'context', elements: [{ type: 'mrkdwn', text: `📈 ${image.alt}`.slice(0, 3000) }] };
      return { type: 'image', slack_file: { id: fileId }, alt_text: image.alt.slice(0, 2000), title: { type: 'plain_text', text: image.title.slice(0, 2000) } };
    });
    const text = images.reduce((t, _, n) => t.replaceAll(TOKEN(n), images[n]?.image.alt ?? ''), msg.text);
    const res = await via(channel, () => opts.client.chat.postMessage({ channel, text, blocks: blocks as never, unfurl_links: false, unfurl_media: false }));
    return slackRef({ channel: res.channel ?? channel, ts: res.ts });
  }

  return {
    upload: (image, filename) => upload(image, filename),
    post(channel, reply) {
      const lane = lanes.get(channel) ?? { tail: Promise.resolve(), lastAt: -Infinity };
      const next = lane.tail.catch(() => undefined).then(async () => {
        const wait = lane.lastAt + minInterval - now();
        if (wait > 0) await sleep(wait);
        try {
          return await send(channel, reply);
        } finally {
          lane.lastAt = now();
        }
      });
      lane.tail = next;
      lanes.set(channel, lane);
      return next;
    },
  };
}
