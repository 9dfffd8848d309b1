/**
 * Runs a plan through the real executor (claimed, dry-run, steps, rollback) against one provider, on an in-memory
 * PGlite store: what an approver's click does, for the provider mutation tests.
 */
import { afterAll, beforeAll } from 'vitest';
import type { PlanStep } from '../../src/domain/model/plan.js';
import type { CloudProvider } from '../../src/domain/ports/cloud-provider.port.js';
import { systemClock } from '../../src/domain/ports/clock.port.js';
import { createPlanExecutor, type ExecutionView } from '../../src/domain/plans/execute-plan.js';
import { openDatabase } from '../../src/persistence/db.js';
import { createProposalStore } from '../../src/persistence/proposal-store.js';
import { newProposal, planOf } from './approvals.js';

const bob = { id: 'console:bob', name: 'bob', surface: 'console' as const };

export async function planRunner(provider: CloudProvider) {
  const db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
  const store = createProposalStore(db.db);
  const executor = createPlanExecutor({ store, providerFor: () => provider, invalidate: () => undefined, clock: systemClock, owner: 'test', retry: { attempts: 2, baseMs: 1, maxMs: 2 } });
  let seq = 0;
  return {
    store,
    async run(steps: PlanStep[]) {
      const id = `p${++seq}`;
      await store.create(newProposal(id, { plan: planOf(steps), createdAt: new Date(), expiresAt: new Date(Date.now() + 3600_000) }));
      await store.decide({ proposalId: id, by: bob, role: 'approver', decision: 'approve', now: new Date() });
      const views: ExecutionView[] = [];
      const report = await executor.execute(id, bob, (v) => void views.push(v));
      const execution = await store.getExecution(id);
      return { report, execution, views, last: views.at(-1) };
    },
    close: () => db.close(),
  };
}

export type PlanRunner = Awaited<ReturnType<typeof planRunner>>;

/** A plan runner on `provider`, started before the file's tests and closed after them. */
export function usePlanRunner(provider: CloudProvider): Pick<PlanRunner, 'run'> {
  let runner: PlanRunner | undefined;
  beforeAll(async () => {
    runner = await planRunner(provider);
  });
  afterAll(async () => {
    await runner?.close();
  });
  return {
    run(steps) {
      if (!runner) throw new Error('the plan runner is not started yet (use it inside a test)');
      return runner.run(steps);
    },
  };
}
