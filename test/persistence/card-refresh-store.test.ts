import { expect, it } from 'vitest';
import { createCardRefreshStore } from '../../src/persistence/card-refresh-store.js';
import { createProposalStore } from '../../src/persistence/proposal-store.js';
import type { StoredMessageRef } from '../../src/domain/model/proposal.js';
import { newProposal } from '../support/approvals.js';
import { describeStores } from '../support/db.js';

const SYSTEM = { id: 'system:card-refresh', name: 'Steward', surface: 'system' as const };
const slack = (ts: string): StoredMessageRef => ({ surface: 'slack', address: { channel: 'C1', ts } });
const teams = (id: string): StoredMessageRef => ({ surface: 'teams', address: { conversationId: '19:abc@thread.tacv2', activityId: id } });
const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 10, 0, s));

describeStores('card refresh queue (cards a process could not update, drained by one that can)', (db) => {
  let n = 0;
  const fresh = () => `cr${++n}`;

  it('the same card message queued again is one row, due now; another message of it is another row', async () => {
    const q = createCardRefreshStore(db().db);
    const id = fresh();
    await q.enqueue({ proposalId: id, ref: slack('1.1'), now: at(0) });
    // The address fields in another order are the same message.
    await q.enqueue({ proposalId: id, ref: { surface: 'slack', address: { ts: '1.1', channel: 'C1' } }, now: at(1) });
    await q.enqueue({ proposalId: id, ref: slack('1.2'), now: at(2) });
    const rows = await q.pending(id);
    expect(rows.map((r) => [r.ref.address.ts, r.version])).toEqual([
      ['1.1', 2],
      ['1.2', 1],
    ]);
  });

  it('a claim takes only due rows of the surfaces the drainer has, and no other drainer gets them while the lease runs', async () => {
    const q = createCardRefreshStore(db().db);
    const id = fresh();
    await q.enqueue({ proposalId: id, ref: slack('2.1'), now: at(0) });
    await q.enqueue({ proposalId: id, ref: teams('a1'), now: at(0) });
    const a = await q.claim({ owner: 'replica-a', surfaces: ['slack'], now: at(1), leaseMs: 60_000, limit: 50 });
    expect(a.filter((r) => r.proposalId === id).map((r) => r.ref.surface)).toEqual(['slack']);
    expect(a.find((r) => r.proposalId === id)?.attempts).toBe(1);
    const b = await q.claim({ owner: 'replica-b', surfaces: ['slack', 'teams'], now: at(2), leaseMs: 60_000, limit: 50 });
    expect(b.filter((r) => r.proposalId === id).map((r) => r.ref.surface)).toEqual(['teams']);
    // Past the lease (its drainer died mid-send), another drainer takes it over.
    const c = await q.claim({ owner: 'replica-c', surfaces: ['slack'], now: at(62), leaseMs: 60_000, limit: 50 });
    expect(c.filter((r) => r.proposalId === id).map((r) => [r.ref.surface, r.attempts])).toEqual([['slack', 2]]);
    // The first drainer's late completion does not touch the row another has taken over.
    for (const r of a) await q.complete(r, 'replica-a', at(63));
    expect((await q.pending(id)).map((r) => r.ref.surface)).toEqual(['slack', 'teams']);
    for (const r of b) await q.complete(r, 'replica-b', at(63));
    for (const r of c) await q.complete(r, 'replica-c', at(63));
    expect(await q.pending(id)).toEqual([]);
  });

  it('many drainers claiming at once: each row goes to exactly one of them', async () => {
    const q = createCardRefreshStore(db().db);
    const id = fresh();
    for (let i = 0; i < 6; i++) await q.enqueue({ proposalId: id, ref: slack(`3.${i}`), now: at(0) });
    const owners = ['a', 'b', 'c', 'd'];
    const claims = await Promise.all(owners.map((o) => createCardRefreshStore(db().db).claim({ owner: o, surfaces: ['slack'], now: at(1), leaseMs: 60_000, limit: 3 })));
    const mine = claims.flat().filter((r) => r.proposalId === id);
    expect(mine).toHaveLength(6);
    expect(new Set(mine.map((r) => r.id)).size).toBe(6);
  });

  it('a row queued again while it was being sent is not deleted by that send: the newer state goes out next', async () => {
    const q = createCardRefreshStore(db().db);
    const id = fresh();
    await q.enqueue({ proposalId: id, ref: slack('4.1'), now: at(0) });
    const [row] = (await q.claim({ owner: 'a', surfaces: ['slack'], now: at(1), leaseMs: 60_000, limit: 50 })).filter((r) => r.proposalId === id);
    await q.enqueue({ proposalId: id, ref: slack('4.1'), now: at(2) });
    await q.complete(row!, 'a', at(3));
    const again = (await q.claim({ owner: 'b', surfaces: ['slack'], now: at(3), leaseMs: 60_000, limit: 50 })).filter((r) => r.proposalId === id);
    expect(again.map((r) => r.version)).toEqual([2]);
    await q.complete(again[0]!, 'b', at(4));
    expect(await q.pending(id)).toEqual([]);
  });

  it('a retry is due again only at its time; giving up deletes the row with an audit row on the proposal', async () => {
    const q = createCardRefreshStore(db().db);
    const proposals = createProposalStore(db().db);
    const id = fresh();
    await proposals.create(newProposal(id));
    await q.enqueue({ proposalId: id, ref: slack('5.1'), now: at(0) });
    const [row] = (await q.claim({ owner: 'a', surfaces: ['slack'], now: at(1), leaseMs: 60_000, limit: 50 })).filter((r) => r.proposalId === id);
    await q.retry(row!, 'a', { retryAt: at(31), error: 'ratelimited' });
    expect((await q.claim({ owner: 'a', surfaces: ['slack'], now: at(30), leaseMs: 60_000, limit: 50 })).filter((r) => r.proposalId === id)).toEqual([]);
    const [later] = (await q.claim({ owner: 'a', surfaces: ['slack'], now: at(31), leaseMs: 60_000, limit: 50 })).filter((r) => r.proposalId === id);
    expect(later).toMatchObject({ attempts: 2, lastError: 'ratelimited' });
    // Only the claimant may give it up.
    expect(await q.giveUp(later!, 'b', { now: at(32), error: 'ratelimited', by: SYSTEM })).toBe(false);
    expect(await q.giveUp(later!, 'a', { now: at(32), error: 'ratelimited', by: SYSTEM })).toBe(true);
    expect(await q.pending(id)).toEqual([]);
    const trail = await proposals.auditTrail(id);
    expect(trail.at(-1)).toMatchObject({ action: 'card.refresh_failed', actor: { id: 'system:card-refresh' } });
    expect(trail.at(-1)?.detail).toContain('gave up updating the card on slack after 2 attempts: ratelimited');
  });
});
