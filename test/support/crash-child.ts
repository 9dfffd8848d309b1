/**
 * Run by test/domain/crash-recovery.test.ts as a separate process: executes one approved proposal against the
 * database at DATABASE_URL and stops dead at a chosen point, where the parent SIGKILLs it.
 *
 *   node --import tsx test/support/crash-child.ts <proposal-id> <point> <log-file>
 *   point: before-apply:N | applied:N | recorded:N   (N = 1-based step number)
 *
 * Every real (not dry-run) apply is appended to <log-file> synchronously, so the record survives the kill.
 */
import { appendFileSync } from 'node:fs';
import { createPlanExecutor } from '../../src/domain/plans/execute-plan.js';
import type { CloudProvider } from '../../src/domain/ports/cloud-provider.port.js';
import { systemClock } from '../../src/domain/ports/clock.port.js';
import { openDatabase } from '../../src/persistence/db.js';
import { createEstateStore } from '../../src/persistence/estate-store.js';
import { createProposalStore } from '../../src/persistence/proposal-store.js';
import { loadPriceCatalog } from '../../src/pricing/catalog.js';
import { createDemoProvider } from '../../src/providers/demo/index.js';

const [proposalId, point, logFile] = process.argv.slice(2) as [string, string, string];
const [kind, n] = point.split(':') as ['before-apply' | 'applied' | 'recorded', string];
const crashIndex = Number(n) - 1;

function stopHere(): Promise<never> {
  process.stdout.write('CRASH-POINT\n');
  return new Promise<never>(() => undefined);
}

const database = await openDatabase({ kind: 'postgres', url: process.env.DATABASE_URL as string, poolSize: 2 }, { migrate: false });
const demo = createDemoProvider({ store: createEstateStore(database.db), catalog: loadPriceCatalog(), seed: 1, instances: 1 });
const store = createProposalStore(database.db);
const proposal = await store.get(proposalId);
const indexOf = (stepId: string) => proposal?.plan.steps.findIndex((s) => s.id === stepId) ?? -1;

const provider: CloudProvider = {
  ...demo,
  async apply(step, opts) {
    if (opts.dryRun) return demo.apply(step, opts);
    if (kind === 'before-apply' && indexOf(step.id) === crashIndex) return stopHere();
    appendFileSync(logFile, `apply ${step.id}\n`);
    const result = await demo.apply(step, opts);
    if (kind === 'applied' && indexOf(step.id) === crashIndex) return stopHere();
    return result;
  },
};

const executor = createPlanExecutor({
  store: {
    ...store,
    async stepTransition(executionId, owner, index, from, to, patch, note) {
      const ok = await store.stepTransition(executionId, owner, index, from, to, patch, note);
      if (ok && kind === 'recorded' && to === 'succeeded' && index === crashIndex) await stopHere();
      return ok;
    },
  },
  providerFor: () => provider,
  invalidate: () => undefined,
  clock: systemClock,
  owner: `crash-child:${process.pid}`,
});

const report = await executor.execute(proposalId, { id: 'console:bob', name: 'bob', surface: 'console' });
process.stdout.write(`FINISHED ${report?.status ?? 'not-claimed'}\n`);
await database.close();
