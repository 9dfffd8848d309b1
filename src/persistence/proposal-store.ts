import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, lt, lte, notExists, sql } from 'drizzle-orm';
import type { Surface } from '../domain/model/actor.js';
import { readGapsSummary, type Plan, type Risk, type StepKind } from '../domain/model/plan.js';
import type {
  ActorStamp,
  AuditEntry,
  Decision,
  Execution,
  ExecutionStatus,
  ExecutionStepRecord,
  Proposal,
  ProposalStatus,
  Role,
  StepStatus,
  StoredMessageRef,
} from '../domain/model/proposal.js';
import type { AuditNote, DecisionRecord, ProposalStore } from '../domain/ports/proposal-store.port.js';
import type { Db } from './db.js';
import { approvals, auditLog, executions, executionSteps, proposals } from './schema.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Writer = Db | Tx;

/** Thrown inside a transaction to roll it back and leave with a value. */
class Rollback<T> {
  constructor(readonly value: T) {}
}

async function inTx<T>(db: Db, body: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(body);
  } catch (err) {
    if (err instanceof Rollback) return err.value as T;
    throw err;
  }
}

interface AuditRow {
  by: ActorStamp;
  now: Date;
  action: string;
  proposalId?: string;
  executionId?: string;
  stepId?: string;
  from?: string;
  to?: string;
  before?: unknown;
  after?: unknown;
  detail?: string | undefined;
}

async function audit(w: Writer, a: AuditRow): Promise<void> {
  await w.insert(auditLog).values({
    at: a.now,
    actorId: a.by.id,
    actorName: a.by.name,
    surface: a.by.surface,
    action: a.action,
    proposalId: a.proposalId ?? null,
    executionId: a.executionId ?? null,
    stepId: a.stepId ?? null,
    fromStatus: a.from ?? null,
    toStatus: a.to ?? null,
    before: a.before ?? null,
    after: a.after ?? null,
    detail: a.detail ?? null,
  });
}

type ProposalRow = typeof proposals.$inferSelect;
type ApprovalRow = typeof approvals.$inferSelect;
type ExecutionRow = typeof executions.$inferSelect;
type StepRow = typeof executionSteps.$inferSelect;

function toProposal(r: ProposalRow, decisions: ApprovalRow[]): Proposal {
  return {
    id: r.id,
    status: r.status as ProposalStatus,
    plan: r.plan as Plan,
    risk: r.risk as Risk,
    required: { count: r.requiredCount, role: r.requiredRole as Role },
    requester: { id: r.requesterId, name: r.requesterName, surface: r.requesterSurface as Surface },
    permissions: r.permissions as string[],
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    ...(r.decidedAt ? { decidedAt: r.decidedAt } : {}),
    ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
    approvals: r.approvalsCount,
    decisions: decisions.map(
      (d): Decision => ({
        by: { id: d.approverId, name: d.approverName, surface: d.surface as Surface },
        decision: d.decision as Decision['decision'],
        role: d.role as Role,
        ...(d.reason ? { reason: d.reason } : {}),
        at: d.decidedAt,
      }),
    ),
    messages: messagesOf(r.messageRef),
    ...(r.outcome ? { outcome: r.outcome } : {}),
  };
}

/** Most messages one card is remembered on; an older one beyond that is no longer updated. */
export const MAX_CARD_MESSAGES = 20;

const sameRef = (a: StoredMessageRef, b: StoredMessageRef) => a.surface === b.surface && JSON.stringify(Object.entries(a.address).sort()) === JSON.stringify(Object.entries(b.address).sort());

/** message_ref holds a list of refs (one object before several cards were remembered). */
function messagesOf(v: unknown): StoredMessageRef[] {
  if (!v) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.filter((r): r is StoredMessageRef => !!r && typeof r === 'object' && typeof (r as StoredMessageRef).surface === 'string' && typeof (r as StoredMessageRef).address === 'object');
}

function withMessage(current: unknown, ref: StoredMessageRef): StoredMessageRef[] {
  const list = messagesOf(current).filter((r) => !sameRef(r, ref));
  return [...list, ref].slice(-MAX_CARD_MESSAGES);
}

function toStep(r: StepRow): ExecutionStepRecord {
  return {
    index: r.idx,
    stepId: r.stepId,
    kind: r.kind as StepKind,
    status: r.status as StepStatus,
    attempts: r.attempts,
    ...(r.before ? { before: r.before as ExecutionStepRecord['before'] } : {}),
    ...(r.result ? { result: r.result as ExecutionStepRecord['result'] } : {}),
    ...(r.error ? { error: r.error } : {}),
    ...(r.undo ? { undo: r.undo } : {}),
    ...(r.startedAt ? { startedAt: r.startedAt } : {}),
    ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
  };
}

function toExecution(r: ExecutionRow, steps: StepRow[]): Execution {
  return {
    id: r.id,
    proposalId: r.proposalId,
    status: r.status as ExecutionStatus,
    owner: r.owner,
    heartbeatAt: r.heartbeatAt,
    startedAt: r.startedAt,
    ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
    ...(r.summary ? { summary: r.summary } : {}),
    steps: steps.map(toStep),
  };
}

const SYSTEM_EXPIRY: ActorStamp = { id: 'system:expiry', name: 'Steward', surface: 'system' };

export function createProposalStore(db: Db): ProposalStore {
  async function load(w: Writer, id: string): Promise<Proposal | undefined> {
    const [row] = await w.select().from(proposals).where(eq(proposals.id, id));
    if (!row) return undefined;
    const ds = await w.select().from(approvals).where(eq(approvals.proposalId, id)).orderBy(asc(approvals.id));
    return toProposal(row, ds);
  }

  async function loadExecution(w: Writer, where: ReturnType<typeof eq>): Promise<Execution | undefined> {
    const [row] = await w.select().from(executions).where(where);
    if (!row) return undefined;
    const steps = await w.select().from(executionSteps).where(eq(executionSteps.executionId, row.id)).orderBy(asc(executionSteps.idx));
    return toExecution(row, steps);
  }

  /** Marks one proposal expired if (and only if) it is still open and past its expiry. */
  async function expireOne(w: Writer, id: string, now: Date, by: ActorStamp): Promise<ProposalRow | undefined> {
    const [row] = await w
      .update(proposals)
      .set({ status: 'expired', finishedAt: now, outcome: 'expired before it was carried out' })
      .where(and(eq(proposals.id, id), inArray(proposals.status, ['proposed', 'approved']), lte(proposals.expiresAt, now)))
      .returning();
    if (row) await audit(w, { by, now, action: 'proposal.status', proposalId: id, from: 'open', to: 'expired', detail: `expiry was ${row.expiresAt.toISOString()}` });
    return row;
  }

  const store: ProposalStore = {
    async create(p) {
      return inTx(db, async (tx) => {
        await tx.insert(proposals).values({
          id: p.id,
          status: 'proposed',
          title: p.plan.title,
          planKind: p.plan.kind,
          plan: p.plan,
          risk: p.risk,
          requiredCount: p.required.count,
          requiredRole: p.required.role,
          requesterId: p.requester.id,
          requesterName: p.requester.name,
          requesterSurface: p.requester.surface,
          permissions: p.permissions,
          createdAt: p.createdAt,
          expiresAt: p.expiresAt,
        });
        await audit(tx, {
          by: p.requester,
          now: p.createdAt,
          action: 'proposal.created',
          proposalId: p.id,
          to: 'proposed',
          after: {
            title: p.plan.title,
            steps: p.plan.steps.length,
            risk: p.risk,
            required: p.required,
            expiresAt: p.expiresAt.toISOString(),
            ...(p.plan.readGaps?.length ? { partial: true, readGaps: p.plan.readGaps } : {}),
          },
          // A plan built on a partial read says so in its audit trail, in words.
          detail: p.plan.readGaps?.length ? `built on a partial read; not seen: ${readGapsSummary(p.plan.readGaps)}` : undefined,
        });
        const created = await load(tx, p.id);
        if (!created) throw new Error(`proposal ${p.id} vanished inside its own transaction`);
        return created;
      });
    },

    get: (id) => load(db, id),

    async list({ statuses, limit = 50 }) {
      const rows = await db
        .select()
        .from(proposals)
        .where(statuses?.length ? inArray(proposals.status, statuses) : undefined)
        .orderBy(desc(proposals.createdAt), desc(proposals.id))
        .limit(limit);
      if (rows.length === 0) return [];
      const ds = await db.select().from(approvals).where(inArray(approvals.proposalId, rows.map((r) => r.id))).orderBy(asc(approvals.id));
      return rows.map((r) => toProposal(r, ds.filter((d) => d.proposalId === r.id)));
    },

    async auditTrail(proposalId) {
      const rows = await db.select().from(auditLog).where(eq(auditLog.proposalId, proposalId)).orderBy(asc(auditLog.id));
      return rows.map(
        (r): AuditEntry => ({
          id: r.id,
          at: r.at,
          actor: { id: r.actorId, name: r.actorName, surface: r.surface as Surface },
          action: r.action,
          ...(r.proposalId ? { proposalId: r.proposalId } : {}),
          ...(r.executionId ? { executionId: r.executionId } : {}),
          ...(r.stepId ? { stepId: r.stepId } : {}),
          ...(r.fromStatus ? { from: r.fromStatus } : {}),
          ...(r.toStatus ? { to: r.toStatus } : {}),
          ...(r.before !== null ? { before: r.before } : {}),
          ...(r.after !== null ? { after: r.after } : {}),
          ...(r.detail ? { detail: r.detail } : {}),
        }),
      );
    },

    async decide(input) {
      const { proposalId: id, by, now } = input;
      const outcome = await inTx<DecisionRecord | 'classify'>(db, async (tx) => {
        // The conditional update is the gate: it row-locks the proposal, so concurrent deciders queue here and
        // each one re-checks `status = 'proposed'` against the committed row once the one before it is done.
        const [locked] = await tx
          .update(proposals)
          .set({
            approvalsCount: input.decision === 'approve' ? sql`${proposals.approvalsCount} + 1` : proposals.approvalsCount,
          })
          .where(and(eq(proposals.id, id), eq(proposals.status, 'proposed'), gte(proposals.expiresAt, now)))
          .returning();
        if (!locked) throw new Rollback<'classify'>('classify');
        // The same person through another of their identities: read under the row lock taken above, so a
        // concurrent decision by that person has committed (and is seen) or waits behind this one.
        if (input.samePerson) {
          const prior = await tx.select({ approverId: approvals.approverId }).from(approvals).where(eq(approvals.proposalId, id));
          if (prior.some((r) => r.approverId !== by.id && input.samePerson?.(r.approverId))) throw new Rollback<'classify'>('classify');
        }
        // Same identity twice: the unique (proposal, approver) key decides, and the counter above is rolled back.
        const inserted = await tx
          .insert(approvals)
          .values({
            proposalId: id,
            approverId: by.id,
            approverName: by.name,
            surface: by.surface,
            decision: input.decision,
            role: input.role,
            reason: input.reason ?? null,
            decidedAt: now,
          })
          .onConflictDoNothing()
          .returning({ id: approvals.id });
        if (inserted.length === 0) throw new Rollback<'classify'>('classify');
        await audit(tx, {
          by,
          now,
          action: `proposal.${input.decision}`,
          proposalId: id,
          detail: `${input.decision === 'approve' ? 'approved' : 'rejected'} as ${input.role}${input.person ? ` by person ${input.person} (${by.id})` : ''}${input.reason ? `: ${input.reason}` : ''}`,
          after: { approvals: locked.approvalsCount, required: locked.requiredCount },
        });
        let transitioned: 'approved' | 'rejected' | null = null;
        if (input.decision === 'reject' || locked.approvalsCount >= locked.requiredCount) {
          const to = input.decision === 'reject' ? 'rejected' : 'approved';
          const [moved] = await tx
            .update(proposals)
            .set({ status: to, decidedAt: now, ...(to === 'rejected' ? { finishedAt: now, outcome: `rejected by ${by.name}` } : {}) })
            .where(and(eq(proposals.id, id), eq(proposals.status, 'proposed')))
            .returning({ id: proposals.id });
          if (moved) {
            transitioned = to;
            await audit(tx, { by, now, action: 'proposal.status', proposalId: id, from: 'proposed', to });
          }
        }
        // The clicked card joins the cards this proposal updates (the row is locked by the update above).
        if (input.messageRef) await tx.update(proposals).set({ messageRef: withMessage(locked.messageRef, input.messageRef) }).where(eq(proposals.id, id));
        const proposal = await load(tx, id);
        if (!proposal) throw new Error(`proposal ${id} vanished inside its own transaction`);
        return { kind: 'recorded', proposal, transitioned };
      });
      if (outcome !== 'classify') return outcome;
      // Nothing was written: say why, from the row as it is now.
      const current = await load(db, id);
      if (!current) return { kind: 'missing' };
      if (current.decisions.some((d) => d.by.id === by.id || input.samePerson?.(d.by.id))) return { kind: 'duplicate', proposal: current };
      if (current.status === 'proposed' && current.expiresAt.getTime() < now.getTime()) {
        await inTx(db, (tx) => expireOne(tx, id, now, SYSTEM_EXPIRY));
        return { kind: 'expired', proposal: (await load(db, id)) ?? current };
      }
      if (current.status === 'expired') return { kind: 'expired', proposal: current };
      return { kind: 'not-pending', proposal: current };
    },

    async addMessage(id, ref) {
      return inTx(db, async (tx) => {
        // Row-locked read-modify-write: two cards posted at once both stay remembered.
        const [row] = await tx.select({ messageRef: proposals.messageRef }).from(proposals).where(eq(proposals.id, id)).for('update');
        if (!row) return undefined;
        await tx.update(proposals).set({ messageRef: withMessage(row.messageRef, ref) }).where(eq(proposals.id, id));
        return load(tx, id);
      });
    },

    async transition(id, from, to, note) {
      return inTx(db, async (tx) => {
        const final = ['rejected', 'expired', 'cancelled', 'succeeded', 'failed', 'rolled_back'].includes(to);
        const [row] = await tx
          .update(proposals)
          .set({ status: to, ...(final ? { finishedAt: note.now } : {}), ...(note.outcome ? { outcome: note.outcome } : {}) })
          .where(and(eq(proposals.id, id), inArray(proposals.status, from)))
          .returning();
        if (!row) return undefined;
        await audit(tx, { by: note.by, now: note.now, action: 'proposal.status', proposalId: id, from: from.join('|'), to, detail: note.detail, before: note.before, after: note.after });
        return load(tx, id);
      });
    },

    async expireDue(now, by) {
      const due = await db
        .select({ id: proposals.id })
        .from(proposals)
        .where(and(inArray(proposals.status, ['proposed', 'approved']), lte(proposals.expiresAt, now)));
      const expired: Proposal[] = [];
      for (const { id } of due) {
        const row = await inTx(db, (tx) => expireOne(tx, id, now, by));
        if (row) {
          const p = await load(db, id);
          if (p) expired.push(p);
        }
      }
      return expired;
    },

    async approvedUnclaimed(decidedBefore) {
      const rows = await db
        .select()
        .from(proposals)
        .where(and(eq(proposals.status, 'approved'), lt(proposals.decidedAt, decidedBefore), notExists(db.select({ one: sql`1` }).from(executions).where(eq(executions.proposalId, proposals.id)))));
      return Promise.all(rows.map(async (r) => (await load(db, r.id)) ?? toProposal(r, [])));
    },

    async claimExecution(proposalId, owner, steps, note) {
      return inTx(db, async (tx) => {
        const [moved] = await tx
          .update(proposals)
          .set({ status: 'executing' })
          .where(and(eq(proposals.id, proposalId), eq(proposals.status, 'approved'), gte(proposals.expiresAt, note.now)))
          .returning({ id: proposals.id });
        if (!moved) return undefined;
        const executionId = randomUUID();
        await tx.insert(executions).values({ id: executionId, proposalId, status: 'running', owner, heartbeatAt: note.now, startedAt: note.now });
        if (steps.length) {
          await tx.insert(executionSteps).values(steps.map((s, idx) => ({ executionId, idx, stepId: s.id, kind: s.kind, status: 'pending' })));
        }
        await audit(tx, { by: note.by, now: note.now, action: 'proposal.status', proposalId, executionId, from: 'approved', to: 'executing', detail: note.detail ?? `claimed by ${owner}` });
        return loadExecution(tx, eq(executions.id, executionId));
      });
    },

    getExecution: (proposalId) => loadExecution(db, eq(executions.proposalId, proposalId)),

    async stepTransition(executionId, owner, index, from, to, patch, note) {
      return inTx(db, async (tx) => {
        const owned = tx
          .select({ one: sql`1` })
          .from(executions)
          .where(and(eq(executions.id, executionId), eq(executions.owner, owner), eq(executions.status, 'running')));
        const starting = to === 'running' || to === 'undoing';
        const [row] = await tx
          .update(executionSteps)
          .set({
            status: to,
            ...(patch.before !== undefined ? { before: patch.before } : {}),
            ...(patch.result !== undefined ? { result: patch.result } : {}),
            ...(patch.error !== undefined ? { error: patch.error } : {}),
            ...(patch.undo !== undefined ? { undo: patch.undo } : {}),
            ...(patch.attempts ? { attempts: sql`${executionSteps.attempts} + ${patch.attempts}` } : {}),
            ...(to === 'running' ? { startedAt: note.now } : starting ? {} : { finishedAt: note.now }),
          })
          .where(
            and(
              eq(executionSteps.executionId, executionId),
              eq(executionSteps.idx, index),
              inArray(executionSteps.status, from),
              sql`exists (${owned})`,
            ),
          )
          .returning();
        if (!row) return false;
        await tx.update(executions).set({ heartbeatAt: note.now }).where(eq(executions.id, executionId));
        const [ex] = await tx.select({ proposalId: executions.proposalId }).from(executions).where(eq(executions.id, executionId));
        await audit(tx, {
          by: note.by,
          now: note.now,
          action: 'step.status',
          ...(ex ? { proposalId: ex.proposalId } : {}),
          executionId,
          stepId: row.stepId,
          from: from.join('|'),
          to,
          before: note.before,
          after: note.after,
          detail: note.detail,
        });
        return true;
      });
    },

    async heartbeat(executionId, owner, now) {
      const rows = await db
        .update(executions)
        .set({ heartbeatAt: now })
        .where(and(eq(executions.id, executionId), eq(executions.owner, owner), eq(executions.status, 'running')))
        .returning({ id: executions.id });
      return rows.length > 0;
    },

    async finishExecution(executionId, owner, status, summary, note) {
      return inTx(db, async (tx) => {
        const [row] = await tx
          .update(executions)
          .set({ status, summary, finishedAt: note.now, heartbeatAt: note.now })
          .where(and(eq(executions.id, executionId), eq(executions.owner, owner), eq(executions.status, 'running')))
          .returning();
        if (!row) return false;
        const [moved] = await tx
          .update(proposals)
          .set({ status, finishedAt: note.now, outcome: summary })
          .where(and(eq(proposals.id, row.proposalId), eq(proposals.status, 'executing')))
          .returning({ id: proposals.id });
        if (!moved) throw new Error(`proposal ${row.proposalId} was not executing while its execution finished`);
        await audit(tx, {
          by: note.by,
          now: note.now,
          action: 'proposal.status',
          proposalId: row.proposalId,
          executionId,
          from: 'executing',
          to: status,
          detail: summary,
          after: note.after,
        });
        return true;
      });
    },

    async staleExecutions(staleBefore) {
      const rows = await db
        .select({ id: executions.id })
        .from(executions)
        .where(and(eq(executions.status, 'running'), lt(executions.heartbeatAt, staleBefore)));
      const out: Execution[] = [];
      for (const r of rows) {
        const e = await loadExecution(db, eq(executions.id, r.id));
        if (e) out.push(e);
      }
      return out;
    },

    async adoptExecution(executionId, owner, staleBefore, note: AuditNote) {
      return inTx(db, async (tx) => {
        const [row] = await tx
          .update(executions)
          .set({ owner, heartbeatAt: note.now })
          .where(and(eq(executions.id, executionId), eq(executions.status, 'running'), lt(executions.heartbeatAt, staleBefore)))
          .returning();
        if (!row) return undefined;
        await audit(tx, { by: note.by, now: note.now, action: 'execution.adopted', proposalId: row.proposalId, executionId, detail: note.detail ?? `taken over by ${owner}` });
        return loadExecution(tx, eq(executions.id, executionId));
      });
    },
  };
  return store;
}
