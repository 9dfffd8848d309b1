/**
 * Exactly-once under load: 500 concurrent Approve clicks, split over two independent connection pools (two
 * "replicas", each with its own store, executor and provider), end in exactly one execution that applies its step
 * exactly once. On PGlite (one connection) the same test runs against one instance.
 */
import { count, eq, and } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalService, type DecisionOutcome } from '../../src/domain/approvals/approval.service.js';
import { parsePolicy } from '../../src/domain/approvals/policy.js';
import type { PlanStep } from '../../src/domain/model/plan.js';
import type { CloudProvider } from '../../src/domain/ports/cloud-provider.port.js';
import { systemClock } from '../../src/domain/ports/clock.port.js';
import { createPlanExecutor } from '../../src/domain/plans/execute-plan.js';
import { openDatabase, type Database } from '../../src/persistence/db.js';
import { createProposalStore } from '../../src/persistence/proposal-store.js';
import { approvals, auditLog, executions } from '../../src/persistence/schema.js';
import { actor, demoEstate, planOf, step } from '../support/approvals.js';
import { openScratchPostgres, POSTGRES_SKIPPED, TEST_DATABASE_URL } from '../support/db.js';

const APPROVERS = 50;
const CLICKS = 500;
const policy = parsePolicy(
  { version: 1, defaultRole: 'viewer', roles: { operator: ['console:alice'], approver: Array.from({ length: APPROVERS }, (_, i) => `console:u${i}`) } },
  'test policy',
);


async function build(database: Database, name: string, applied: string[], provider: CloudProvider) {
  const counted: CloudProvider = {
    ...provider,
    apply: async (s, o) => {
      if (!o.dryRun) applied.push(`${name}:${s.id}`);
      return provider.apply(s, o);
    },
  };
  const store = createProposalStore(database.db);
  const executor = createPlanExecutor({ store, providerFor: () => counted, invalidate: () => undefined, clock: systemClock, owner: name, retry: { attempts: 2, baseMs: 1, maxMs: 2 } });
  return createApprovalService({ store, policy, clock: systemClock, executor, permissionsFor: () => [] });
}

type Setup = { stores: ReturnType<typeof createProposalStore>[]; services: Awaited<ReturnType<typeof build>>[]; db: Database; applied: string[]; steps: (n: number) => Promise<PlanStep[]>; close(): Promise<void> };

async function storm(s: Setup, critical: boolean) {
  const steps = await s.steps(critical ? 2 : 1);
  const plan = planOf(critical ? [{ ...steps[0]!, kind: 'delete', expect: { state: 'running' } } as PlanStep] : [steps[0]!]);
  const proposal = await s.services[0]!.propose({ plan, requester: actor('console:alice') });
  expect(proposal.risk).toBe(critical ? 'critical' : 'medium');
  const clicks = Array.from({ length: CLICKS }, (_, i) => s.services[i % s.services.length]!.decide({ proposalId: proposal.id, actor: actor(`console:u${(i * 7) % APPROVERS}`), decision: 'approve' }));
  const outcomes: DecisionOutcome[] = await Promise.all(clicks);
  const reports = await Promise.all(outcomes.flatMap((o) => (o.kind === 'approved' ? [o.execution] : [])));
  await Promise.all(s.services.map((x) => x.idle()));
  return { proposal, outcomes, reports };
}

async function countRows(db: Database, proposalId: string) {
  const [ex] = await db.db.select({ n: count() }).from(executions).where(eq(executions.proposalId, proposalId));
  const [ap] = await db.db.select({ n: count() }).from(approvals).where(eq(approvals.proposalId, proposalId));
  const [claims] = await db.db
    .select({ n: count() })
    .from(auditLog)
    .where(and(eq(auditLog.proposalId, proposalId), eq(auditLog.toStatus, 'executing')));
  return { executions: ex?.n, approvals: ap?.n, claims: claims?.n };
}

function tally(outcomes: DecisionOutcome[]) {
  const t: Record<string, number> = {};
  for (const o of outcomes) {
    const k = o.kind === 'refused' ? o.code : o.kind;
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
}

function suite(name: string, open: () => Promise<Setup>, skipped?: string) {
  describe.skipIf(skipped !== undefined)(`${CLICKS} concurrent approve clicks [${name}]${skipped ? ` ${skipped}` : ''}`, () => {
    let s: Setup;
    beforeAll(async () => {
      s = await open();
    }, 120_000);
    afterAll(async () => {
      await s?.close();
    });

    it('a medium proposal (1 approval): exactly one decision lands, exactly one execution, the step applied once', async () => {
      const before = s.applied.length;
      const { proposal, outcomes, reports } = await storm(s, false);
      const t = tally(outcomes);
      expect(t.approved).toBe(1);
      expect((t['PROPOSAL.ALREADY_DECIDED'] ?? 0) + (t['PROPOSAL.DUPLICATE'] ?? 0)).toBe(CLICKS - 1);
      expect(reports.map((r) => r?.status)).toEqual(['succeeded']);
      expect(await countRows(s.db, proposal.id)).toEqual({ executions: 1, approvals: 1, claims: 1 });
      expect(s.applied.slice(before)).toHaveLength(1);
    });

    it('the database alone is the gate: 500 concurrent store.decide calls (no app pre-check) record exactly one approval', async () => {
      const steps = await s.steps(1);
      const p = await s.services[0]!.propose({ plan: planOf(steps), requester: actor('console:alice') });
      const now = new Date();
      const recs = await Promise.all(
        Array.from({ length: CLICKS }, (_, i) =>
          s.stores[i % s.stores.length]!.decide({ proposalId: p.id, by: { id: `console:u${i % APPROVERS}`, name: 'u', surface: 'console' }, role: 'approver', decision: 'approve', now }),
        ),
      );
      const moved = recs.filter((r) => r.kind === 'recorded');
      expect(moved).toHaveLength(1);
      expect(moved[0]).toMatchObject({ transitioned: 'approved' });
      expect(recs.filter((r) => r.kind === 'not-pending' || r.kind === 'duplicate')).toHaveLength(CLICKS - 1);
      expect(await countRows(s.db, p.id)).toEqual({ executions: 0, approvals: 1, claims: 0 });
      expect((await s.stores[0]!.get(p.id))?.approvals).toBe(1);
    });

    it('a critical proposal (2 distinct approvers): exactly two approvals recorded, exactly one execution', async () => {
      const before = s.applied.length;
      const { proposal, outcomes, reports } = await storm(s, true);
      const t = tally(outcomes);
      expect(t.approved).toBe(1);
      expect(t.recorded).toBe(1);
      expect(reports.map((r) => r?.status)).toEqual(['succeeded']);
      expect(await countRows(s.db, proposal.id)).toEqual({ executions: 1, approvals: 2, claims: 1 });
      expect(s.applied.slice(before)).toHaveLength(1);
    });
  });
}

suite('pglite, one instance', async () => {
  const db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
  const estate = await demoEstate(db.db, { seed: 5, instances: 30 });
  const applied: string[] = [];
  let next = 0;
  return {
    db,
    applied,
    services: [await build(db, 'A', applied, estate.demo)],
    stores: [createProposalStore(db.db)],
    steps: async () => [step('stop', estate.running[next++]!)],
    close: () => db.close(),
  };
});

const url = TEST_DATABASE_URL;
suite(
  'postgres, two pools',
  async () => {
    const a = await openScratchPostgres(url as string, 10);
    const b = await openDatabase({ kind: 'postgres', url: a.url, poolSize: 10 }, { migrate: false });
    const estate = await demoEstate(a.db, { seed: 5, instances: 30 });
    // Each replica has its own provider instance on its own pool, like two processes.
    const { createDemoProvider } = await import('../../src/providers/demo/index.js');
    const { createEstateStore } = await import('../../src/persistence/estate-store.js');
    const demoB = createDemoProvider({ store: createEstateStore(b.db), catalog: estate.catalog, seed: 5, instances: 30 });
    const applied: string[] = [];
    let next = 0;
    return {
      db: a,
      applied,
      services: [await build(a, 'A', applied, estate.demo), await build(b, 'B', applied, demoB)],
      stores: [createProposalStore(a.db), createProposalStore(b.db)],
      steps: async () => [step('stop', estate.running[next++]!)],
      close: async () => {
        await b.close();
        await a.dispose();
      },
    };
  },
  url ? undefined : POSTGRES_SKIPPED,
);
