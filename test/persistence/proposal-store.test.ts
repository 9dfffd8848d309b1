import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { createProposalStore } from '../../src/persistence/proposal-store.js';
import { describeStores } from '../support/db.js';
import { newProposal, planOf, fakeStep } from '../support/approvals.js';

const bob = { id: 'console:bob', name: 'bob', surface: 'console' as const };
const carol = { id: 'console:carol', name: 'carol', surface: 'console' as const };
const T0 = new Date('2030-01-01T10:00:00Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);

describeStores('proposal store', (db, backend) => {
  it('creates a proposal with an audit row in the same transaction', async () => {
    const store = createProposalStore(db().db);
    const p = await store.create(newProposal('create1'));
    expect(p).toMatchObject({ id: 'create1', status: 'proposed', approvals: 0, decisions: [], risk: 'medium' });
    const trail = await store.auditTrail('create1');
    expect(trail.map((a) => [a.action, a.to, a.actor.id])).toEqual([['proposal.created', 'proposed', 'console:alice']]);
  });

  it('approves once the quorum is reached, and never twice by the same person', async () => {
    const store = createProposalStore(db().db);
    await store.create(newProposal('crit1', { risk: 'critical', required: { count: 2, role: 'approver' }, plan: planOf([fakeStep('s1', 'delete')]) }));
    const first = await store.decide({ proposalId: 'crit1', by: bob, role: 'approver', decision: 'approve', now: at(1) });
    expect(first).toMatchObject({ kind: 'recorded', transitioned: null, proposal: { status: 'proposed', approvals: 1 } });
    const again = await store.decide({ proposalId: 'crit1', by: bob, role: 'approver', decision: 'approve', now: at(2) });
    expect(again).toMatchObject({ kind: 'duplicate', proposal: { approvals: 1 } });
    const second = await store.decide({ proposalId: 'crit1', by: carol, role: 'approver', decision: 'approve', now: at(3) });
    expect(second).toMatchObject({ kind: 'recorded', transitioned: 'approved', proposal: { status: 'approved', approvals: 2 } });
    const late = await store.decide({ proposalId: 'crit1', by: { ...bob, id: 'console:dave', name: 'dave' }, role: 'approver', decision: 'reject', now: at(4) });
    expect(late).toMatchObject({ kind: 'not-pending', proposal: { status: 'approved' } });
    const trail = await store.auditTrail('crit1');
    expect(trail.map((a) => a.action)).toEqual(['proposal.created', 'proposal.approve', 'proposal.approve', 'proposal.status']);
  });

  it('refuses decisions after the expiry and marks the proposal expired', async () => {
    const store = createProposalStore(db().db);
    await store.create(newProposal('exp1'));
    const r = await store.decide({ proposalId: 'exp1', by: bob, role: 'approver', decision: 'approve', now: at(61) });
    expect(r).toMatchObject({ kind: 'expired', proposal: { status: 'expired', approvals: 0 } });
    expect((await store.auditTrail('exp1')).at(-1)).toMatchObject({ action: 'proposal.status', to: 'expired' });
  });

  it('expires overdue proposals in a sweep, once', async () => {
    const store = createProposalStore(db().db);
    await store.create(newProposal('exp2', { createdAt: at(100), expiresAt: at(110) }));
    const sys = { id: 'system:expiry', name: 'Steward', surface: 'system' as const };
    expect((await store.expireDue(at(111), sys)).map((p) => p.id)).toContain('exp2');
    expect((await store.expireDue(at(112), sys)).map((p) => p.id)).not.toContain('exp2');
  });

  it('a rejection ends the proposal', async () => {
    const store = createProposalStore(db().db);
    await store.create(newProposal('rej1'));
    const r = await store.decide({ proposalId: 'rej1', by: bob, role: 'approver', decision: 'reject', reason: 'not now', now: at(1) });
    expect(r).toMatchObject({ kind: 'recorded', transitioned: 'rejected', proposal: { status: 'rejected', outcome: 'rejected by bob' } });
  });

  it('claims an execution exactly once and fences steps to its owner', async () => {
    const store = createProposalStore(db().db);
    const p = newProposal('claim1', { plan: planOf([fakeStep('s1'), fakeStep('s2')]) });
    await store.create(p);
    await store.decide({ proposalId: 'claim1', by: bob, role: 'approver', decision: 'approve', now: at(1) });
    const note = { by: bob, now: at(2) };
    const [a, b] = await Promise.all([store.claimExecution('claim1', 'A', p.plan.steps, note), store.claimExecution('claim1', 'B', p.plan.steps, note)]);
    const winner = a ?? b;
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(winner?.steps.map((s) => s.status)).toEqual(['pending', 'pending']);
    const loser = winner?.owner === 'A' ? 'B' : 'A';
    expect(await store.stepTransition(winner!.id, loser, 0, ['pending'], 'running', {}, note)).toBe(false);
    expect(await store.stepTransition(winner!.id, winner!.owner, 0, ['pending'], 'running', {}, note)).toBe(true);
    expect(await store.stepTransition(winner!.id, winner!.owner, 0, ['pending'], 'running', {}, note)).toBe(false);
    // Stale: another process adopts it; the old owner is fenced out from then on.
    expect(await store.staleExecutions(at(1))).toHaveLength(0);
    expect((await store.staleExecutions(at(3))).map((e) => e.id)).toEqual([winner!.id]);
    const adopted = await store.adoptExecution(winner!.id, 'C', at(3), { by: bob, now: at(4) });
    expect(adopted?.owner).toBe('C');
    expect(await store.stepTransition(winner!.id, winner!.owner, 0, ['running'], 'succeeded', {}, note)).toBe(false);
    expect(await store.finishExecution(winner!.id, 'C', 'rolled_back', 'test', { by: bob, now: at(5) })).toBe(true);
    expect((await store.get('claim1'))?.status).toBe('rolled_back');
  });

  it(`audit rows cannot be altered or removed (${backend})`, async () => {
    const d = db().db;
    const store = createProposalStore(d);
    await store.create(newProposal('aud1'));
    await expect(d.execute(sql`update audit_log set actor_id = 'console:mallory' where proposal_id = 'aud1'`)).rejects.toThrow();
    await expect(d.execute(sql`delete from audit_log where proposal_id = 'aud1'`)).rejects.toThrow();
    await expect(d.execute(sql`truncate audit_log`)).rejects.toThrow();
    const err = await d.execute(sql`delete from audit_log`).catch((e: unknown) => e as Error & { cause?: { message?: string } });
    expect(String((err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message)).toMatch(/append-only/);
    expect((await store.auditTrail('aud1')).map((a) => a.actor.id)).toEqual(['console:alice']);
  });
});
