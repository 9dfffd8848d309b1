import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uniqueIndex } from 'drizzle-orm/pg-core';
import { currentCorrelationId } from '../lib/correlation.js';

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
    /**
     * The invocation that caused the change (the "ref …" in its reply, the correlationId in its log lines): taken
     * from the async context at insert time, so every store's audit rows carry it without passing it along.
     */
    correlationId: text('correlation_id').$defaultFn(() => currentCorrelationId() ?? sql`null`),
  },
  (t) => [index('audit_log_proposal_idx').on(t.proposalId, t.id), index('audit_log_correlation_idx').on(t.correlationId)],
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

/**
 * Chat deliveries already taken (issue 16): a Slack command or click, a Teams activity, by its delivery key
 * (hashed). The primary key makes the first replica's insert the only one that succeeds, so a retry that a load
 * balancer sends to another replica is not run twice. A claim past `expires_at` may be taken again; old rows are
 * deleted as new ones come in.
 */
export const deliveryClaims = pgTable(
  'delivery_claims',
  {
    key: text('key').primaryKey(),
    surface: text('surface').notNull(),
    owner: text('owner').notNull(),
    claimedAt: timestamp('claimed_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('delivery_claims_expiry_idx').on(t.expiresAt)],
);

// ─── Digests, security mutes, cost history and scheduled-run claims (docs/digests.md) ─────────────────────

/** Security check mutes: a check silenced for a resource or a tag until `expires_at`, with a reason (audited). */
export const securityMutes = pgTable(
  'security_mutes',
  {
    id: text('id').primaryKey(),
    checkId: text('check_id').notNull(),
    targetKind: text('target_kind').notNull(),
    targetKey: text('target_key'),
    targetValue: text('target_value').notNull(),
    reason: text('reason').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [check('security_mutes_target_check', sql`${t.targetKind} in ('resource','tag')`), index('security_mutes_expiry_idx').on(t.expiresAt)],
);

/** One digest subscription per row: which digest, when (in the subscription's time zone), and where it goes. */
export const digestSubscriptions = pgTable(
  'digest_subscriptions',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    cadence: text('cadence').notNull(),
    weekday: integer('weekday'),
    time: text('time').notNull(),
    timezone: text('timezone').notNull(),
    surface: text('surface').notNull(),
    target: jsonb('target').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    removedAt: timestamp('removed_at', { withTimezone: true }),
  },
  (t) => [check('digest_subscriptions_kind_check', sql`${t.kind} in ('cost','security')`), check('digest_subscriptions_cadence_check', sql`${t.cadence} in ('daily','weekly')`)],
);

/**
 * The claim that makes a scheduled job run once per period across replicas: a unique (job, period) row, inserted
 * before the work. A claim whose lease ran out while still `claimed` (its process died) may be taken over.
 */
export const scheduledRuns = pgTable(
  'scheduled_runs',
  {
    job: text('job').notNull(),
    period: text('period').notNull(),
    status: text('status').notNull(),
    owner: text('owner').notNull(),
    scheduledFor: timestamp('scheduled_for', { withTimezone: true }).notNull(),
    claimedAt: timestamp('claimed_at', { withTimezone: true }).notNull(),
    leaseUntil: timestamp('lease_until', { withTimezone: true }).notNull(),
    late: integer('late').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    error: text('error'),
    result: jsonb('result'),
  },
  (t) => [
    primaryKey({ columns: [t.job, t.period] }),
    check('scheduled_runs_status_check', sql`${t.status} in ('claimed','done','failed')`),
    index('scheduled_runs_job_idx').on(t.job, t.scheduledFor),
  ],
);

/** Daily cost history: the run-rate (sum of hourly prices of billing instances) per provider, region, account and team. */
export const costSnapshots = pgTable(
  'cost_snapshots',
  {
    day: text('day').notNull(),
    provider: text('provider').notNull(),
    region: text('region').notNull(),
    account: text('account').notNull(),
    team: text('team').notNull(),
    hourlyMicros: bigint('hourly_micros', { mode: 'number' }).notNull(),
    instances: integer('instances').notNull(),
    source: text('source').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.provider, t.region, t.account, t.team] })],
);

// ─── Health watch (issue 15, docs/health.md) ───────────────────────────────────────────────────────────────

/** One row per provider health event id (AWS event ARN, Azure tracking id, GCP event name, demo outage, status check). */
export const healthEvents = pgTable(
  'health_events',
  {
    key: text('key').primaryKey(),
    source: text('source').notNull(),
    cloud: text('cloud').notNull(),
    region: text('region').notNull(),
    scope: text('scope').notNull(),
    kind: text('kind').notNull(),
    service: text('service').notNull(),
    state: text('state').notNull(),
    severity: text('severity').notNull(),
    started: text('started').notNull(),
    updated: text('updated').notNull(),
    ended: text('ended'),
    affected: jsonb('affected').notNull().default(sql`'[]'::jsonb`),
    summary: text('summary').notNull(),
    firstSeen: timestamp('first_seen', { withTimezone: true }).notNull(),
    lastSeen: timestamp('last_seen', { withTimezone: true }).notNull(),
    stateSince: timestamp('state_since', { withTimezone: true }).notNull(),
  },
  (t) => [
    check('health_events_state_check', sql`${t.state} in ('open','upcoming','closed')`),
    check('health_events_scope_check', sql`${t.scope} in ('instance','region','account')`),
    index('health_events_state_idx').on(t.state, t.cloud, t.region),
  ],
);

/** Every change of a health event (state, severity, affected count, summary): its history. */
export const healthEventHistory = pgTable(
  'health_event_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    key: text('key').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    state: text('state').notNull(),
    severity: text('severity').notNull(),
    affected: integer('affected').notNull(),
    summary: text('summary').notNull(),
  },
  (t) => [index('health_event_history_key_idx').on(t.key, t.id)],
);

/**
 * Incidents the watch acts on. At most one open incident per key (a partial unique index): two replicas that see the
 * same outage open it once, and only the one whose insert won proposes.
 */
export const healthIncidents = pgTable(
  'health_incidents',
  {
    id: text('id').primaryKey(),
    key: text('key').notNull(),
    kind: text('kind').notNull(),
    cloud: text('cloud').notNull(),
    region: text('region').notNull(),
    instance: jsonb('instance'),
    state: text('state').notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    evidence: jsonb('evidence').notNull(),
    proposalId: text('proposal_id'),
    failbackProposalId: text('failback_proposal_id'),
  },
  (t) => [
    check('health_incidents_state_check', sql`${t.state} in ('open','closed')`),
    check('health_incidents_kind_check', sql`${t.kind} in ('region','instance')`),
    uniqueIndex('health_incidents_open_key_idx').on(t.key).where(sql`${t.state} = 'open'`),
    index('health_incidents_proposal_idx').on(t.proposalId),
  ],
);

/** Channels the watch posts its proposals to (`watch subscribe`). */
export const watchSubscriptions = pgTable('watch_subscriptions', {
  id: text('id').primaryKey(),
  surface: text('surface').notNull(),
  target: jsonb('target').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  removedAt: timestamp('removed_at', { withTimezone: true }),
});

// ─── Card refreshes (a decision made where the card's surface is not running; issue 9) ─────────────────────

/**
 * A proposal card this process could not update (its surface is not running here, or the update failed after the
 * send retries): one row per (proposal, message), drained by a process that has that surface's notifier, which
 * re-renders the proposal's current card. `version` grows on every enqueue, so a drainer that rendered an older
 * state does not delete the row; `claimed_by`/`claimed_until` keep two replicas from sending the same update.
 */
export const cardRefreshes = pgTable(
  'card_refreshes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    proposalId: text('proposal_id').notNull(),
    surface: text('surface').notNull(),
    messageKey: text('message_key').notNull(),
    address: jsonb('address').notNull(),
    version: integer('version').notNull().default(1),
    attempts: integer('attempts').notNull().default(0),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    claimedBy: text('claimed_by'),
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [unique('card_refreshes_message_uq').on(t.proposalId, t.surface, t.messageKey), index('card_refreshes_due_idx').on(t.surface, t.dueAt)],
);
