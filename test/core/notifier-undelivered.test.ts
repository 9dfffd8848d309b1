/**
 * The notifier hub tells who asked (main.ts: the card-refresh queue) when an update did not reach its message: no
 * notifier of that surface here, or its send failed; and the send queue says whether a failure was only for now
 * (throttled until the retries ran out: worth a later try) or a refusal (never retried).
 */
import { expect, it } from 'vitest';
import { createMessageNotifier, createSendQueue, isTransientSendFailure } from '../../src/core/delivery.js';
import type { MessageRef } from '../../src/core/command.js';
import { createNotifierHub } from '../../src/core/notifier.js';
import { reply, text, type Reply } from '../../src/core/reply.js';

const card = reply({ blocks: [text('card')], visibility: 'channel', cardOf: 'k3x9qa' });
const ref: MessageRef = { surface: 'slack', address: { channel: 'C1', ts: '1.1' } };

function slackLike(fail: () => Error, verdict: 'retry' | 'fail') {
  const sends = createSendQueue({ classify: () => ({ kind: verdict }), policy: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1000 }, sleep: async () => undefined });
  let calls = 0;
  const notifier = createMessageNotifier({
    surface: 'slack',
    keyOf: (r) => r.address.ts ?? '',
    apply: () =>
      sends.send('C1', async () => {
        calls++;
        throw fail();
      }),
  });
  return { notifier, calls: () => calls };
}

it('an update for a surface that does not run here is reported undelivered and answers false', async () => {
  const seen: [MessageRef, Reply, unknown][] = [];
  const hub = createNotifierHub([], { onUndelivered: async (r, rep, err) => void seen.push([r, rep, err]) });
  expect(await hub.update(ref, card)).toBe(false);
  expect(seen).toEqual([[ref, card, undefined]]);
  // The drainer's own sends are not reported again.
  expect(await hub.tryUpdate(ref, card)).toBe(false);
  expect(seen).toHaveLength(1);
});

it('a send throttled until the retries ran out is reported as passing; a refused one is not', async () => {
  const seen: unknown[] = [];
  const throttled = slackLike(() => Object.assign(new Error('ratelimited'), { code: 'ratelimited' }), 'retry');
  const hub = createNotifierHub([throttled.notifier], { onUndelivered: async (_r, _rep, err) => void seen.push(err) });
  await expect(hub.update(ref, card)).rejects.toThrow('ratelimited');
  expect(throttled.calls()).toBe(3);
  expect(seen).toHaveLength(1);
  expect(isTransientSendFailure(seen[0])).toBe(true);

  const refused = slackLike(() => new Error('channel_not_found'), 'fail');
  const hub2 = createNotifierHub([refused.notifier], { onUndelivered: async (_r, _rep, err) => void seen.push(err) });
  await expect(hub2.update(ref, card)).rejects.toThrow('channel_not_found');
  expect(refused.calls()).toBe(1);
  expect(isTransientSendFailure(seen[1])).toBe(false);
});

it('a failure to record an undelivered update does not become the caller\'s failure', async () => {
  const hub = createNotifierHub([], { onUndelivered: async () => Promise.reject(new Error('database down')) });
  expect(await hub.update(ref, card)).toBe(false);
});
