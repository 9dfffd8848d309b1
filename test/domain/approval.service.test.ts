/** Decision rules and housekeeping of the approval service, on the real store and the demo estate. */
import { expect, it } from 'vitest';
import { createApprovalService } from '../../src/domain/approvals/approval.service.js';
import { parsePolicy } from '../../src/domain/approvals/policy.js';
import { createPlanExecutor } from '../../src/domain/plans/execute-plan.js';
import { createProposalStore } from '../../src/persistence/proposal-store.js';
import { describeStores } from '../support/db.js';
import { actor, demoEstate, fixedClock, planOf, step } from '../support/approvals.js';

const policy = parsePolicy(
  { version: 1, defaultRole: 'viewer', expiry: '30m', roles: { operator: ['console:alice', 'console:erin'], approver: ['console:bob', 'console:carol'], admin: ['console:root'] } },
  'test policy',
);

describeStores('approval service', (db) => {
  async function setup() {
    const estate = await demoEstate(db().db, { seed: 21, instances: 40 });
    const clock = fixedClock(new Date());
    const store = createProposalStore(db().db);
    const executor = createPlanExecutor({ store, providerFor: () => estate.demo, invalidate: () => undefined, clock, owner: 'me', retry: { attempts: 2, baseMs: 1, maxMs: 2 } });
    const service = createApprovalService({ store, policy, clock, executor, permissionsFor: (s) => estate.demo.permissionsFor(s) });
    return { ...estate, clock, store, executor, service };
  }

  it('an operator may approve a low-risk proposal but not a medium one', async () => {
    const { service, stopped, running } = await setup();
    const low = await service.propose({ plan: planOf([step('start', stopped[0]!)]), requester: actor('console:alice') });
    expect(low).toMatchObject({ risk: 'low', required: { count: 1, role: 'operator' }, permissions: [expect.any(String)] });
    const ok = await service.decide({ proposalId: low.id, actor: actor('console:erin'), decision: 'approve' });
    expect(ok.kind).toBe('approved');
    if (ok.kind === 'approved') expect((await ok.execution)?.status).toBe('succeeded');

    const medium = await service.propose({ plan: planOf([step('stop', running[0]!)]), requester: actor('console:alice') });
    const no = await service.decide({ proposalId: medium.id, actor: actor('console:erin'), decision: 'approve' });
    expect(no).toMatchObject({ kind: 'refused', code: 'PROPOSAL.ROLE' });
    expect(no.kind === 'refused' && no.message).toMatch(/console:erin is an operator\. Could approve instead: console:bob, console:carol, console:root/);
  });

  it('viewers may not propose; the requester may reject (withdraw) their own', async () => {
    const { service, running } = await setup();
    await expect(service.propose({ plan: planOf([step('stop', running[1]!)]), requester: actor('console:dave') })).rejects.toThrow(/may not propose/);
    const p = await service.propose({ plan: planOf([step('stop', running[1]!)]), requester: actor('console:alice') });
    const r = await service.decide({ proposalId: p.id, actor: actor('console:alice'), decision: 'reject', reason: 'changed my mind' });
    expect(r).toMatchObject({ kind: 'rejected', proposal: { status: 'rejected' } });
  });

  it('the sweep expires overdue proposals, starts approved ones nobody started, and rolls back abandoned executions', async () => {
    const { service, store, running, clock, demo } = await setup();
    const overdue = await service.propose({ plan: planOf([step('stop', running[2]!)]), requester: actor('console:alice') });
    // Approved by a process that died before starting it: recorded straight in the store, no execution.
    const orphan = await service.propose({ plan: planOf([step('stop', running[3]!)]), requester: actor('console:alice') });
    await store.decide({ proposalId: orphan.id, by: { id: 'console:bob', name: 'bob', surface: 'console' }, role: 'approver', decision: 'approve', now: clock.now() });
    // An execution whose owner went silent after its first step.
    const abandoned = await service.propose({ plan: planOf([step('stop', running[4]!, 's1'), step('stop', running[5]!, 's2')]), requester: actor('console:alice') });
    await store.decide({ proposalId: abandoned.id, by: { id: 'console:bob', name: 'bob', surface: 'console' }, role: 'approver', decision: 'approve', now: clock.now() });
    const ex = await store.claimExecution(abandoned.id, 'dead-process', abandoned.plan.steps, { by: { id: 'x:y', name: 'y', surface: 'system' }, now: clock.now() });
    await store.stepTransition(ex!.id, 'dead-process', 0, ['pending'], 'running', {}, { by: { id: 'x:y', name: 'y', surface: 'system' }, now: clock.now() });
    await demo.apply(abandoned.plan.steps[0]!, { dryRun: false });
    await store.stepTransition(ex!.id, 'dead-process', 0, ['running'], 'succeeded', { before: { state: 'running' } }, { by: { id: 'x:y', name: 'y', surface: 'system' }, now: clock.now() });

    clock.advance(5 * 60_000);
    const r = await service.sweep({ staleBefore: new Date(clock.now().getTime() - 60_000) });
    await service.idle();
    expect(r.started).toBe(1);
    expect(r.recovered.map((x) => [x.proposalId, x.status])).toEqual([[abandoned.id, 'rolled_back']]);
    expect((await store.get(orphan.id))?.status).toBe('succeeded');
    expect((await demo.describe(running[4]!))?.state).toBe('running');
    expect((await store.get(overdue.id))?.status).toBe('proposed');

    clock.advance(30 * 60_000);
    const later = await service.sweep({ staleBefore: clock.now() });
    expect(later.expired).toBeGreaterThanOrEqual(1);
    expect((await store.get(overdue.id))?.status).toBe('expired');
  });
});
