/**
 * The card-refresh drainer with the real Slack surface's notifier (the Web API recorded by msw), on PGlite and
 * PostgreSQL: two replicas draining at once send one chat.update; a send that fails is tried again with backoff
 * and given up after the last attempt, with a log line and an audit row.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { proposalCard } from '../../commands/proposal-format.js';
import { createDispatcher } from '../../src/core/dispatch.js';
import { createNotifierHub } from '../../src/core/notifier.js';
import { createRegistry } from '../../src/core/registry.js';
import type { Services } from '../../src/core/services.js';
import { createCardRefresher, type CardRefreshSettings } from '../../src/domain/approvals/card-refresh.js';
import { createLogger, silentLogger, type Logger } from '../../src/lib/logger.js';
import { createCardRefreshStore } from '../../src/persistence/card-refresh-store.js';
import { createProposalStore } from '../../src/persistence/proposal-store.js';
import { createSlackSurface } from '../../src/surfaces/slack/index.js';
import { fixedClock, newProposal } from '../support/approvals.js';
import { describeStores } from '../support/db.js';
import { BOT_TOKEN, createSlackStub, SECRET } from '../surfaces/slack/support.js';

const stub = createSlackStub();
beforeAll(() => stub.listen());
afterAll(() => stub.close());
beforeEach(() => stub.reset());

function captureLog(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const dest = new Writable({
    write(chunk, _enc, cb) {
      out.push(String(chunk));
      cb();
    },
  });
  return { log: createLogger({ level: 'info', destination: dest }), lines: () => out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describeStores('proposal cards refreshed by a process that has Slack', (db) => {
  const clock = fixedClock(new Date('2030-01-01T10:00:00Z'));
  let n = 0;
  const fresh = () => `cd${++n}x`;

  /** One replica: its own Slack surface (not started: no auth.test) and drainer over the shared database. */
  function replica(owner: string, opts: { settings?: Partial<CardRefreshSettings>; log?: Logger } = {}) {
    const log = opts.log ?? silentLogger();
    const store = createProposalStore(db().db);
    const dispatcher = createDispatcher({ registry: createRegistry([], []), services: {} as Services, clock, log });
    const slack = createSlackSurface({ dispatcher, log, botToken: BOT_TOKEN, signingSecret: SECRET, botId: 'B0BOT', botUserId: 'U0BOT', clientOptions: { retryConfig: { retries: 0 } } });
    const hub = createNotifierHub([slack.notifier]);
    return createCardRefresher({
      queue: createCardRefreshStore(db().db),
      owner,
      clock,
      load: async (id) => {
        const proposal = await store.get(id);
        const execution = await store.getExecution(id);
        return proposal ? { proposal, ...(execution ? { execution } : {}) } : undefined;
      },
      render: ({ proposal, execution }) => proposalCard(proposal, execution ? { execution } : {}),
      update: (ref, card) => hub.tryUpdate(ref, card),
      surfaces: () => hub.surfaces(),
      ...(opts.settings ? { settings: opts.settings } : {}),
      log,
    });
  }

  /** A proposal rejected elsewhere, whose Slack card was queued because that process had no Slack. */
  async function rejectedElsewhere(ts: string) {
    const store = createProposalStore(db().db);
    const id = fresh();
    await store.create(newProposal(id, { createdAt: clock.now() }));
    await store.addMessage(id, { surface: 'slack', address: { channel: 'C1', ts } });
    const rec = await store.decide({ proposalId: id, by: { id: 'cli:bob', name: 'bob', surface: 'cli' }, role: 'approver', decision: 'reject', reason: 'not now', now: clock.now() });
    expect(rec).toMatchObject({ kind: 'recorded', transitioned: 'rejected' });
    await createCardRefreshStore(db().db).enqueue({ proposalId: id, ref: { surface: 'slack', address: { channel: 'C1', ts } }, now: clock.now() });
    return id;
  }

  it('two replicas draining at once send one chat.update, with the decided card (no buttons)', async () => {
    const id = await rejectedElsewhere('1714.000501');
    const [a, b] = await Promise.all([replica('replica-a').drain(), replica('replica-b').drain()]);
    expect(a.updated + b.updated).toBe(1);
    const updates = stub.calls('chat.update').filter((c) => c.body.ts === '1714.000501');
    expect(updates).toHaveLength(1);
    expect(updates[0]?.body.channel).toBe('C1');
    const blocks = updates[0]?.body.blocks as { type: string }[];
    expect(blocks.some((bl) => bl.type === 'actions')).toBe(false);
    expect(JSON.stringify(blocks)).toContain('rejected');
    expect(JSON.stringify(blocks)).toContain('not now');
    expect(await createCardRefreshStore(db().db).pending(id)).toEqual([]);
    // Nothing left: a later drain sends nothing.
    await replica('replica-a').drain();
    expect(stub.calls('chat.update').filter((c) => c.body.ts === '1714.000501')).toHaveLength(1);
  });

  it('a refused update is tried again with backoff, then given up with a log line and an audit row', async () => {
    const id = await rejectedElsewhere('1714.000502');
    stub.apiResponses['chat.update'] = () => ({ ok: false, error: 'channel_not_found' });
    const { log, lines } = captureLog();
    const r = replica('replica-a', { settings: { maxAttempts: 3, baseDelayMs: 30_000 }, log });
    const tries = () => stub.calls('chat.update').filter((c) => c.body.ts === '1714.000502').length;
    const t0 = clock.now().getTime();
    expect(await r.drain()).toMatchObject({ updated: 0, retried: 1, gaveUp: 0 });
    expect(tries()).toBe(1);
    // Not due before its backoff: 30 s after the first failure, then 60 s after the second.
    clock.set(new Date(t0 + 29_000));
    await r.drain();
    expect(tries()).toBe(1);
    clock.set(new Date(t0 + 30_000));
    expect(await r.drain()).toMatchObject({ retried: 1 });
    expect(tries()).toBe(2);
    clock.set(new Date(t0 + 89_000));
    await r.drain();
    expect(tries()).toBe(2);
    clock.set(new Date(t0 + 90_000));
    expect(await r.drain()).toMatchObject({ retried: 0, gaveUp: 1 });
    expect(tries()).toBe(3);
    expect(await createCardRefreshStore(db().db).pending(id)).toEqual([]);
    const gaveUp = lines().find((l) => l.msg === 'gave up updating a proposal card; it shows an older state');
    expect(gaveUp).toMatchObject({ proposalId: id, surface: 'slack', attempts: 3 });
    const trail = await createProposalStore(db().db).auditTrail(id);
    expect(trail.at(-1)).toMatchObject({ action: 'card.refresh_failed', actor: { id: 'system:card-refresh', surface: 'system' } });
    expect(trail.at(-1)?.detail).toMatch(/after 3 attempts: .*channel_not_found/);
    clock.set(new Date(t0 + 600_000));
    await r.drain();
    expect(tries()).toBe(3);
  });
});
