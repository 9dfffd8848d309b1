import { sql } from 'drizzle-orm';
import { bigserial, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique } from 'drizzle-orm/pg-core';

/** The demo estate's generator identity: one row. */
export const demoEstate = pgTable('demo_estate', {
  id: integer('id').primaryKey().default(1),
  fingerprint: text('fingerprint').notNull(),
  source: text('source').notNull(),
  seed: integer('seed'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
});

/** One simulated resource (instance or snapshot) per row; `version` makes updates conditional. */
export const demoResources = pgTable('demo_resources', {
  key: text('key').primaryKey(),
  data: jsonb('data').notNull(),
  version: integer('version').notNull().default(1),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().default(sql`now()`),
});

// ─── Approvals and execution (docs/approvals.md) ────────────────────────────────────────────────────────────

const PROPOSAL_STATUS_SQL = sql.raw(
  "'proposed','approved','rejected','expired','cancelled','executing','succeeded','failed','rolled_back'",
);
const STEP_STATUS_SQL = sql.raw("'pending','running','succeeded','failed','skipped','undoing','undone','undo_failed','not_undoable'");

/** One row per proposal; `status` moves only through conditional updates. */
export const proposals = pgTable(
  'proposals',
  {
    id: text('id').primaryKey(),
    status: text('status').notNull(),
    title: text('title').notNull(),
    planKind: text('plan_kind').notNull(),
    plan: jsonb('plan').notNull(),
    risk: text('risk').notNull(),
    requiredCount: integer('required_count').notNull(),
    requiredRole: text('required_role').notNull(),
    approvalsCount: integer('approvals_count').notNull().default(0),
    requesterId: text('requester_id').notNull(),
    requesterName: text('requester_name').notNull(),
    requesterSurface: text('requester_surface').notNull(),
    permissions: jsonb('permissions').notNull().default(sql`'[]'::jsonb`),
    messageRef: jsonb('message_ref'),
    outcome: text('outcome'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    check('proposals_status_check', sql`${t.status} in (${PROPOSAL_STATUS_SQL})`),
    check('proposals_risk_check', sql`${t.risk} in ('low','medium','critical')`),
    index('proposals_status_idx').on(t.status, t.expiresAt),
  ],
);

/** One row per decision; the unique key makes "the same person twice" impossible, whatever the app does. */
export const approvals = pgTable(
  'approvals',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    proposalId: text('proposal_id')
      .notNull()
      .references(() => proposals.id),
    approverId: text('approver_id').notNull(),
    approverName: text('approver_name').notNull(),
    surface: text('surface').notNull(),
    decision: text('decision').notNull(),
    role: text('role').notNull(),
    reason: text('reason'),
    decidedAt: timestamp('decided_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    unique('approvals_proposal_approver_uq').on(t.proposalId, t.approverId),
    check('approvals_decision_check', sql`${t.decision} in ('approve','reject')`),
  ],
);

/** At most one execution per proposal (unique), owned by one process at a time (`owner`, `heartbeat_at`). */
export const executions = pgTable(
  'executions',
  {
    id: text('id').primaryKey(),
    proposalId: text('proposal_id')
      .notNull()
      .references(() => proposals.id),
    status: text('status').notNull(),
    owner: text('owner').notNull(),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    summary: text('summary'),
  },
  (t) => [
    unique('executions_proposal_uq').on(t.proposalId),
    check('executions_status_check', sql`${t.status} in ('running','succeeded','failed','rolled_back')`),
  ],
);

/** Durable per-step progress: what a restarted process reads to never apply a completed step again. */
export const executionSteps = pgTable(
  'execution_steps',
  {
    executionId: text('execution_id')
      .notNull()
      .references(() => executions.id),
    idx: integer('idx').notNull(),
    stepId: text('step_id').notNull(),
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    before: jsonb('before'),
    result: jsonb('result'),
    error: text('error'),
    undo: text('undo'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.executionId, t.idx] }),
    check('execution_steps_status_check', sql`${t.status} in (${STEP_STATUS_SQL})`),
  ],
);

/**
 * Append-only: a trigger (migration 0002_audit_append_only) rejects UPDATE, DELETE and TRUNCATE.
 * No foreign keys, so nothing can ever require an audit row to change.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    actorId: text('actor_id').notNull(),
    actorName: text('actor_name').notNull(),
    surface: text('surface').notNull(),
    action: text('action').notNull(),
    proposalId: text('proposal_id'),
    executionId: text('execution_id'),
    stepId: text('step_id'),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    before: jsonb('before'),
    after: jsonb('after'),
    detail: text('detail'),
  },
  (t) => [index('audit_log_proposal_idx').on(t.proposalId, t.id)],
);

// ─── Chat conversations (Teams proactive messaging; the teams surface) ─────────────────────────────────────

/**
 * One row per conversation a chat surface may post into unprompted: the surface's reference (service URL, bot,
 * conversation), saved on install and on every message; `paused_reason` set while the bot may not post there.
 */
export const conversationRefs = pgTable(
  'conversation_refs',
  {
    surface: text('surface').notNull(),
    conversationId: text('conversation_id').notNull(),
    tenantId: text('tenant_id'),
    kind: text('kind').notNull(),
    name: text('name'),
    reference: jsonb('reference').notNull(),
    pausedReason: text('paused_reason'),
    pausedAt: timestamp('paused_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.surface, t.conversationId] })],
);
