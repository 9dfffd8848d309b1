/**
 * The shared delivery of every chat surface, against a recording sender: when the working note appears, how
 * progress replaces it, what replaces the clicked card, the plain-text fallback, updates to one message in order,
 * and the one retry policy (Retry-After honoured, backoff, no retry of what cannot succeed, pause).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MessageRef } from '../../src/core/command.js';
import {
  ConversationPausedError,
  createDelivery,
  createMessageNotifier,
  createSendQueue,
  retryAfterMs,
  type AnswerHow,
  type AnswerSender,
  type SendVerdict,
  type WorkingNote,
} from '../../src/core/delivery.js';
import type { DispatchResult } from '../../src/core/dispatch.js';
import { reply, text, type Reply } from '../../src/core/reply.js';
import { silentLogger } from '../../src/lib/logger.js';

type Event = { kind: 'note'; note: WorkingNote; onScreen: boolean } | { kind: 'answer'; text: string; how: AnswerHow } | { kind: 'replace'; text: string };

function recordingSender(opts: { noteReplaceable?: boolean; refuseRich?: boolean; replaceFails?: boolean; clickable?: boolean } = {}) {
  const events: Event[] = [];
  const firstText = (r: Reply) => (r.blocks[0]?.type === 'text' ? r.blocks[0].text : '');
  const sender: AnswerSender = {
    noteReplaceable: opts.noteReplaceable ?? true,
    async showNote(note, onScreen) {
      events.push({ kind: 'note', note: { ...note }, onScreen });
      return true;
    },
    async answer(r, how) {
      if (opts.refuseRich && !how.plain) throw new Error('invalid_blocks');
      events.push({ kind: 'answer', text: firstText(r), how });
      return { surface: 'console', address: { messageId: 'm1' } };
    },
    ...(opts.clickable
      ? {
          replaceClicked: async (r: Reply) => {
            if (opts.replaceFails) throw new Error('message_not_found');
            events.push({ kind: 'replace', text: firstText(r) });
          },
        }
      : {}),
  };
  return { sender, events };
}

const ok = (t: string, over: Partial<DispatchResult> = {}): DispatchResult => ({ outcome: 'ok', reply: reply({ blocks: [text(t)], visibility: 'channel' }), json: false, correlationId: 'c1', ...over });

describe('the working note and the answer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers a quick command without any note', async () => {
    const { sender, events } = recordingSender();
    const delivery = createDelivery({ log: silentLogger(), workingNoticeMs: 1000 });
    const ref = await delivery.respond(sender, 'inventory', async () => ok('42 instances'));
    expect(events).toEqual([{ kind: 'answer', text: '42 instances', how: { ephemeral: false, replaceNote: false, plain: false } }]);
    expect(ref).toEqual({ surface: 'console', address: { messageId: 'm1' } });
  });

  it('shows the note with the latest progress once the command is slow, and the answer replaces it', async () => {
    const { sender, events } = recordingSender();
    const delivery = createDelivery({ log: silentLogger(), workingNoticeMs: 1000, progressIntervalMs: 2000 });
    let finish!: () => void;
    const done = delivery.respond(sender, 'optimize', async (progress) => {
      await progress('Reading 3 providers…');
      await new Promise<void>((r) => (finish = r));
      return ok('plan ready');
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(events).toEqual([{ kind: 'note', note: { what: 'optimize', status: 'Reading 3 providers…' }, onScreen: false }]);
    finish();
    await done;
    expect(events.at(-1)).toEqual({ kind: 'answer', text: 'plan ready', how: { ephemeral: false, replaceNote: true, plain: false } });
  });

  it('replaces the note with progress after the interval', async () => {
    const { sender, events } = recordingSender();
    const delivery = createDelivery({ log: silentLogger(), workingNoticeMs: 100, progressIntervalMs: 2000 });
    let step!: (t: string) => Promise<void>;
    let finish!: () => void;
    const done = delivery.respond(sender, 'failover eu-west-1', async (progress) => {
      step = progress;
      await new Promise<void>((r) => (finish = r));
      return ok('proposed');
    });
    await vi.advanceTimersByTimeAsync(100);
    // Sooner than the interval: held back.
    await step('step 1');
    await vi.advanceTimersByTimeAsync(2000);
    await step('step 2');
    await vi.advanceTimersByTimeAsync(0);
    finish();
    await done;
    expect(events.map((e) => (e.kind === 'note' ? `${e.note.status}|${e.onScreen}` : e.kind))).toEqual(['|false', 'step 2|true', 'answer']);
  });

  it('tells onAnswered where a channel answer went, and never about one it could not place', async () => {
    const seen: { text: string; ref: MessageRef }[] = [];
    const delivery = createDelivery({ log: silentLogger(), onAnswered: (r, ref) => void seen.push({ text: r.reply.blocks[0]?.type === 'text' ? r.reply.blocks[0].text : '', ref }) });
    const { sender } = recordingSender();
    await delivery.respond(sender, 'propose', async () => ok('card'));
    expect(seen).toEqual([{ text: 'card', ref: { surface: 'console', address: { messageId: 'm1' } } }]);
    const nowhere: AnswerSender = { ...sender, answer: async () => undefined };
    await delivery.respond(nowhere, 'propose', async () => ok('lost'));
    expect(seen).toHaveLength(1);
  });

  it('sends errors to the requester only, and falls back to plain text when the rich answer is refused', async () => {
    const { sender, events } = recordingSender({ refuseRich: true });
    const delivery = createDelivery({ log: silentLogger() });
    await delivery.respond(sender, 'secret', async () => ok('Not allowed', { outcome: 'forbidden' }));
    expect(events).toEqual([{ kind: 'answer', text: 'Not allowed', how: { ephemeral: true, replaceNote: false, plain: true } }]);
  });

  it('replaces the clicked card when the action says so, and tells the clicker when the card is gone', async () => {
    const a = recordingSender({ clickable: true, noteReplaceable: false });
    const delivery = createDelivery({ log: silentLogger() });
    await delivery.respond(a.sender, undefined, async () => ok('Approved by sam', { replace: true }));
    expect(a.events).toEqual([{ kind: 'replace', text: 'Approved by sam' }]);
    const b = recordingSender({ clickable: true, noteReplaceable: false, replaceFails: true });
    await delivery.respond(b.sender, undefined, async () => ok('Approved by sam', { replace: true }));
    expect(b.events).toEqual([{ kind: 'answer', text: 'Approved by sam', how: { ephemeral: true, replaceNote: false, plain: false } }]);
  });

  it('never replaces a note that must not be replaced (a click), so the answer does not claim it', async () => {
    const { sender, events } = recordingSender({ noteReplaceable: false });
    const delivery = createDelivery({ log: silentLogger(), workingNoticeMs: 10 });
    const done = delivery.respond(sender, undefined, async () => {
      await new Promise((r) => setTimeout(r, 50));
      return ok('done');
    });
    await vi.advanceTimersByTimeAsync(60);
    await done;
    expect(events).toEqual([
      { kind: 'note', note: { what: undefined, status: '' }, onScreen: false },
      { kind: 'answer', text: 'done', how: { ephemeral: false, replaceNote: false, plain: false } },
    ]);
  });
});

describe('updates to one message', () => {
  it('are applied in order, one at a time, and each settles with its own send', async () => {
    const applied: string[] = [];
    let inFlight = 0;
    const notifier = createMessageNotifier({
      surface: 'teams',
      keyOf: (ref) => ref.address.activityId ?? '',
      apply: async (_ref, r) => {
        inFlight++;
        expect(inFlight).toBe(1);
        await new Promise((res) => setTimeout(res, 5));
        const t = r.blocks[0]?.type === 'text' ? r.blocks[0].text : '';
        if (t === 'boom') {
          inFlight--;
          throw new Error('refused');
        }
        applied.push(t);
        inFlight--;
      },
    });
    const ref: MessageRef = { surface: 'teams', address: { conversationId: 'c', activityId: 'a1' } };
    const r = (t: string) => reply({ blocks: [text(t)] });
    const results = await Promise.allSettled([notifier.update(ref, r('step 1')), notifier.update(ref, r('boom')), notifier.update(ref, r('done'))]);
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(applied).toEqual(['step 1', 'done']);
    await notifier.idle();
  });
});

describe('the retry policy', () => {
  const throttled = Object.assign(new Error('429'), { verdict: { kind: 'retry', afterMs: 3000 } as SendVerdict });
  const passing = Object.assign(new Error('502'), { verdict: { kind: 'retry' } as SendVerdict });
  const gone = Object.assign(new Error('403 BotNotInConversationRoster'), { verdict: { kind: 'pause', reason: 'BotNotInConversationRoster' } as SendVerdict });
  const bad = Object.assign(new Error('400'), { verdict: { kind: 'fail' } as SendVerdict });
  const classify = (err: unknown) => (err as { verdict: SendVerdict }).verdict;

  it('waits what Retry-After says, then succeeds', async () => {
    const waits: number[] = [];
    const q = createSendQueue({ classify, sleep: async (ms) => void waits.push(ms) });
    let calls = 0;
    const out = await q.send('conv', async () => {
      if (++calls === 1) throw throttled;
      return 'sent';
    });
    expect(out).toBe('sent');
    expect(calls).toBe(2);
    expect(waits).toEqual([3000]);
  });

  it('backs off exponentially without Retry-After and gives up after the last attempt', async () => {
    const waits: number[] = [];
    const q = createSendQueue({ classify, sleep: async (ms) => void waits.push(ms), random: () => 1, policy: { attempts: 4, baseDelayMs: 100, maxDelayMs: 300, maxRetryAfterMs: 10_000 } });
    let calls = 0;
    await expect(
      q.send('conv', async () => {
        calls++;
        throw passing;
      }),
    ).rejects.toBe(passing);
    expect(calls).toBe(4);
    expect(waits).toEqual([100, 200, 300]);
  });

  it('does not retry a request that cannot succeed', async () => {
    const q = createSendQueue({ classify, sleep: async () => undefined });
    let calls = 0;
    await expect(
      q.send('conv', async () => {
        calls++;
        throw bad;
      }),
    ).rejects.toBe(bad);
    expect(calls).toBe(1);
  });

  it('pauses a conversation the bot was removed from: no retry, the pause is reported once', async () => {
    const paused: string[] = [];
    const q = createSendQueue({ classify, sleep: async () => undefined, onPause: (c, reason) => void paused.push(`${c}:${reason}`) });
    let calls = 0;
    const err = await q
      .send('19:abc@thread.tacv2', async () => {
        calls++;
        throw gone;
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConversationPausedError);
    expect(calls).toBe(1);
    expect(paused).toEqual(['19:abc@thread.tacv2:BotNotInConversationRoster']);
  });

  it('refuses to wait a Retry-After longer than the policy allows', async () => {
    const q = createSendQueue({ classify: () => ({ kind: 'retry', afterMs: 3_600_000 }), sleep: async () => undefined });
    await expect(q.send('c', async () => Promise.reject(new Error('429')))).rejects.toThrow('429');
  });

  it('keeps to the per-conversation rate: the 8th send within a second waits', async () => {
    let clock = 0;
    const waits: number[] = [];
    const q = createSendQueue({
      classify,
      perConversation: [{ limit: 7, intervalMs: 1000 }],
      rateClock: {
        now: () => clock,
        sleep: async (ms) => {
          waits.push(ms);
          clock += ms;
        },
      },
    });
    for (let i = 0; i < 8; i++) await q.send('conv', async () => i);
    await q.send('other', async () => 'no wait');
    expect(waits).toEqual([1000]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', () => Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(5000);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
