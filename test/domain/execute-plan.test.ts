import { expect, it } from 'vitest';
import { ProviderError } from '../../src/domain/model/errors.js';
import type { PlanStep } from '../../src/domain/model/plan.js';
import { refOf } from '../../src/domain/model/instance.js';
import type { CloudProvider } from '../../src/domain/ports/cloud-provider.port.js';
import { systemClock } from '../../src/domain/ports/clock.port.js';
import { createPlanExecutor, type ExecutionView } from '../../src/domain/plans/execute-plan.js';
import { createProposalStore } from '../../src/persistence/proposal-store.js';
import { describeStores } from '../support/db.js';
import { demoEstate, newProposal, otherType, planOf, resizeStep, step } from '../support/approvals.js';

const bob = { id: 'console:bob', name: 'bob', surface: 'console' as const };
let seq = 0;

describeStores('plan executor on the demo estate', (db) => {
  async function setup(wrap: (p: CloudProvider) => CloudProvider = (p) => p) {
    const estate = await demoEstate(db().db, { seed: 11 + seq, instances: 30 });
    const store = createProposalStore(db().db);
    const provider = wrap(estate.demo);
    let invalidated = 0;
    const executor = createPlanExecutor({
      store,
      providerFor: () => provider,
      invalidate: () => void invalidated++,
      clock: systemClock,
      owner: 'test-owner',
      retry: { attempts: 3, baseMs: 1, maxMs: 2 },
    });
    async function approved(steps: PlanStep[]) {
      const id = `ex${++seq}`;
      await store.create(newProposal(id, { plan: planOf(steps), createdAt: new Date(), expiresAt: new Date(Date.now() + 3600_000) }));
      await store.decide({ proposalId: id, by: bob, role: 'approver', decision: 'approve', now: new Date() });
      return id;
    }
    return { ...estate, store, executor, approved, invalidated: () => invalidated };
  }

  it('runs the steps in order, records each, reports progress and invalidates the inventory', async () => {
    const { running, stopped, store, executor, approved, demo, catalog, invalidated } = await setup();
    const a = running[0]!;
    const b = stopped[0]!;
    const toType = otherType(catalog, a);
    const id = await approved([step('stop', a, 's1'), resizeStep({ ...a, state: 'stopped' }, toType, 's2'), step('start', b, 's3')]);
    const views: ExecutionView[] = [];
    const report = await executor.execute(id, bob, (v) => void views.push(v));
    expect(report).toMatchObject({ status: 'succeeded', summary: 'All 3 steps applied.' });
    expect(await demo.describe(a)).toMatchObject({ state: 'stopped', type: toType });
    expect((await demo.describe(b))?.state).toBe('running');
    const ex = await store.getExecution(id);
    expect(ex?.steps.map((s) => [s.stepId, s.status, s.attempts])).toEqual([['s1', 'succeeded', 1], ['s2', 'succeeded', 1], ['s3', 'succeeded', 1]]);
    expect(ex?.steps[1]?.before).toMatchObject({ type: a.type });
    expect(views.map((v) => v.phase)).toContain('Step 2 of 3: resize ' + a.name + ' to ' + toType + '…');
    expect(views.at(-1)).toMatchObject({ done: true, proposal: { status: 'succeeded' } });
    expect(invalidated()).toBe(3);
    expect(await executor.execute(id, bob)).toBeUndefined();
  });

  it('creates a replacement from the snapshots its snapshot step took in the same execution', async () => {
    const seen: { kind: string; dryRun: boolean; snapshotIds?: string[] }[] = [];
    const { running, executor, approved, demo, store } = await setup((p) => ({
      ...p,
      apply: async (s, o) => {
        seen.push({ kind: s.kind, dryRun: o.dryRun, ...(o.snapshotIds ? { snapshotIds: o.snapshotIds } : {}) });
        return p.apply(s, o);
      },
    }));
    const src = running.find((i) => i.provider === 'gcp')!;
    const create: PlanStep = {
      id: 's2', kind: 'create', target: refOf(src), targetName: src.name, expect: { state: src.state }, reason: 'failover',
      placement: { provider: 'gcp', account: src.account, region: 'europe-west1', zone: 'europe-west1-b', type: 'n2-standard-2' },
      name: `${src.name}-dr`, fromSnapshotStep: 's1', tags: { 'steward:failover-of': src.name },
    };
    const id = await approved([step('snapshot', src, 's1'), create]);
    const report = await executor.execute(id, bob);
    expect(report?.status).toBe('succeeded');
    const taken = (await store.getExecution(id))?.steps[0]?.result?.snapshotIds;
    expect(taken?.length).toBeGreaterThan(0);
    const creates = seen.filter((x) => x.kind === 'create');
    expect(creates.length).toBeGreaterThanOrEqual(1);
    expect(creates.every((x) => JSON.stringify(x.snapshotIds) === JSON.stringify(taken))).toBe(true);
    const created = (await store.getExecution(id))?.steps[1]?.result?.created;
    expect(await demo.describe(created!)).toMatchObject({ name: `${src.name}-dr`, region: 'europe-west1' });
  });

  it('aborts the whole plan before any change when a resource drifted', async () => {
    const { running, stopped, executor, approved, demo } = await setup();
    const a = running[0]!;
    const b = running[1]!;
    const id = await approved([step('stop', a, 's1'), step('stop', { ...b, state: 'stopped' }, 's2')]);
    // b is running but the plan believes it is stopped: drift. (stopped[0] is only here to show it stays untouched.)
    void stopped;
    const report = await executor.execute(id, bob);
    expect(report?.status).toBe('failed');
    expect(report?.summary).toMatch(/Nothing was changed: the estate drifted/);
    expect(report?.summary).toContain(`${b.name}`);
    expect(report?.summary).toMatch(/is running, the plan expected stopped/);
    expect(report?.summary).toMatch(/Re-propose/);
    expect((await demo.describe(a))?.state).toBe('running');
  });

  it('retries transient errors with backoff', async () => {
    let failures = 2;
    const { running, executor, approved, store } = await setup((p) => ({
      ...p,
      apply: async (s, o) => {
        if (!o.dryRun && failures-- > 0) throw new ProviderError('PROVIDER.THROTTLED', 'slow down', { provider: 'aws', operation: s.kind });
        return p.apply(s, o);
      },
    }));
    const id = await approved([step('stop', running[0]!, 's1')]);
    expect((await executor.execute(id, bob))?.status).toBe('succeeded');
    expect((await store.getExecution(id))?.steps[0]?.attempts).toBe(3);
  });

  it('rolls completed steps back in reverse when a step fails, and says what was and was not undone', async () => {
    const { running, stopped, executor, approved, demo, catalog, injectFault, store } = await setup();
    const a = running[0]!;
    const b = running[1]!;
    const c = stopped[0]!;
    const toType = otherType(catalog, b);
    await injectFault(c, 'start');
    const id = await approved([step('stop', a, 's1'), resizeStep(b, toType, 's2'), { ...step('start', a, 's3'), expect: { state: 'stopped' } }, step('start', c, 's4')]);
    const report = await executor.execute(id, bob);
    expect(report?.status).toBe('rolled_back');
    expect(report?.summary).toMatch(/Step s4 \(start .*\) failed after 3 attempts: .*simulated failure/);
    expect(report?.summary).toMatch(/Undone: s3 .*; s2 .*; s1 /);
    expect(await demo.describe(a)).toMatchObject({ state: 'running', type: a.type });
    expect(await demo.describe(b)).toMatchObject({ state: 'running', type: b.type });
    expect((await demo.describe(c))?.state).toBe('stopped');
    const ex = await store.getExecution(id);
    expect(ex?.steps.map((s) => s.status)).toEqual(['undone', 'undone', 'undone', 'failed']);
    expect((await store.get(id))?.status).toBe('rolled_back');
  });

  it('reports steps that cannot be undone and ends as failed', async () => {
    const { running, stopped, executor, approved, demo, injectFault } = await setup();
    const a = running[0]!;
    const c = stopped[0]!;
    await injectFault(c, 'start');
    const snap: PlanStep = { ...step('stop', a, 's1'), kind: 'snapshot' } as PlanStep;
    const id = await approved([snap, step('stop', a, 's2'), step('start', c, 's3')]);
    const report = await executor.execute(id, bob);
    expect(report?.status).toBe('failed');
    expect(report?.summary).toMatch(/Undone: s2 \(stop /);
    expect(report?.summary).toMatch(/NOT undone: s1 \(snapshot .*\): snapshots are kept/);
    expect((await demo.describe(a))?.state).toBe('running');
  });

  it('stops before any change when a dry-run fails', async () => {
    const { stopped, running, executor, approved, demo } = await setup();
    const bogus = { ...resizeStep(running[0]!, 'no-such-type-9x', 's2') };
    const id = await approved([step('start', stopped[0]!, 's1'), bogus]);
    const report = await executor.execute(id, bob);
    expect(report).toMatchObject({ status: 'failed' });
    expect(report?.summary).toMatch(/Nothing was changed: the dry-run of s2/);
    expect((await demo.describe(stopped[0]!))?.state).toBe('stopped');
  });

  it('a crash during rollback: the half-done undo is observed before it is retried, never applied twice', async () => {
    const applied: string[] = [];
    const { running, stopped, store, approved, demo } = await setup();
    const counted: CloudProvider = { ...demo, apply: async (s, o) => (o.dryRun || applied.push(s.id), demo.apply(s, o)) };
    const a = running[0]!;
    const b = stopped[0]!;
    const id = await approved([step('stop', a, 's1'), step('start', b, 's2'), step('stop', running[1]!, 's3')]);
    const p = (await store.get(id))!;
    const sys = { by: { id: 'system:dead', name: 'dead', surface: 'system' as const }, now: new Date() };
    // A process ran s1 and s2, then started rolling back (s2 undone in the cloud, not yet recorded), and died.
    const ex = (await store.claimExecution(id, 'dead', p.plan.steps, sys))!;
    for (const [i, s] of p.plan.steps.slice(0, 2).entries()) {
      await store.stepTransition(ex.id, 'dead', i, ['pending'], 'running', {}, sys);
      await demo.apply(s, { dryRun: false });
      await store.stepTransition(ex.id, 'dead', i, ['running'], 'succeeded', { before: s.expect }, sys);
    }
    await store.stepTransition(ex.id, 'dead', 2, ['pending'], 'skipped', {}, sys);
    await store.stepTransition(ex.id, 'dead', 1, ['succeeded'], 'undoing', {}, sys);
    await demo.apply({ ...p.plan.steps[1]!, id: 's2-undo', kind: 'stop', expect: { state: 'running' } }, { dryRun: false });
    await store.stepTransition(ex.id, 'dead', 0, ['succeeded'], 'undoing', {}, sys);

    const executor = createPlanExecutor({ store, providerFor: () => counted, invalidate: () => undefined, clock: systemClock, owner: 'restarted', retry: { attempts: 2, baseMs: 1, maxMs: 2 } });
    const [report] = await executor.recover(new Date(Date.now() + 1000));
    expect(report?.status).toBe('rolled_back');
    // s2's undo had happened already (observed, not repeated); s1's had not (applied once now).
    expect(applied).toEqual(['s1-undo']);
    expect((await demo.describe(a))?.state).toBe('running');
    expect((await demo.describe(b))?.state).toBe('stopped');
    expect((await store.getExecution(id))?.steps.map((s) => s.status)).toEqual(['undone', 'undone', 'skipped']);
    expect((await store.getExecution(id))?.steps[1]?.undo).toMatch(/found done after restart/);
  });
});

