import type { Surface } from './actor.js';
import type { Expectation, Plan, Risk, StepKind, StepResult } from './plan.js';

/**
 * A proposal's life: proposed → approved | rejected | expired | cancelled; approved → executing (or expired when
 * nobody started it in time); executing → succeeded | failed | rolled_back. Every move is a conditional update
 * in the database with an audit row in the same transaction.
 */
export const PROPOSAL_STATUSES = [
  'proposed',
  'approved',
  'rejected',
  'expired',
  'cancelled',
  'executing',
  'succeeded',
  'failed',
  'rolled_back',
] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

/** Statuses after which nothing more happens to a proposal. */
export const FINAL_STATUSES: readonly ProposalStatus[] = ['rejected', 'expired', 'cancelled', 'succeeded', 'failed', 'rolled_back'];

export const ROLES = ['viewer', 'operator', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, approver: 2, admin: 3 };

/** Who did something, as recorded: a copy, so renaming a user later does not rewrite history. */
export interface ActorStamp {
  id: string;
  name: string;
  surface: Surface;
}

export type DecisionKind = 'approve' | 'reject';

export interface Decision {
  by: ActorStamp;
  decision: DecisionKind;
  /** The role the approver held when deciding. */
  role: Role;
  reason?: string;
  at: Date;
}

/** Where the proposal card was posted (a surface message address), for progress updates in place. */
export interface StoredMessageRef {
  surface: Surface;
  address: Record<string, string>;
}

export interface Proposal {
  id: string;
  status: ProposalStatus;
  plan: Plan;
  risk: Risk;
  /** Fixed when proposed, so a later policy change does not alter a pending decision. */
  required: { count: number; role: Role };
  requester: ActorStamp;
  /** Cloud permissions the plan needs (shown on the card). */
  permissions: string[];
  createdAt: Date;
  expiresAt: Date;
  decidedAt?: Date;
  finishedAt?: Date;
  approvals: number;
  decisions: Decision[];
  /**
   * Every message its card was posted on (the first post, `proposal <id>` in another channel, a clicked copy):
   * each decision and each step of the execution updates all of them in place.
   */
  messages: StoredMessageRef[];
  /** One line on how it ended (set with the final status). */
  outcome?: string;
}

export interface NewProposal {
  id: string;
  plan: Plan;
  risk: Risk;
  required: { count: number; role: Role };
  requester: ActorStamp;
  permissions: string[];
  createdAt: Date;
  expiresAt: Date;
}

export interface AuditEntry {
  id: number;
  at: Date;
  actor: ActorStamp;
  /** `proposal.created`, `proposal.approve`, `proposal.status`, `step.status`, `execution.status`, … */
  action: string;
  proposalId?: string;
  executionId?: string;
  stepId?: string;
  from?: string;
  to?: string;
  before?: unknown;
  after?: unknown;
  detail?: string;
}

export type ExecutionStatus = 'running' | 'succeeded' | 'failed' | 'rolled_back';

/**
 * A step's durable progress. Forward: pending → running → succeeded | failed | skipped.
 * Rollback of a succeeded step: succeeded → undoing → undone | undo_failed, or succeeded → not_undoable.
 */
export const STEP_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'undoing', 'undone', 'undo_failed', 'not_undoable'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export interface ExecutionStepRecord {
  index: number;
  stepId: string;
  kind: StepKind;
  status: StepStatus;
  attempts: number;
  /** The resource as it was just before the step ran (for rollback). */
  before?: Expectation;
  result?: StepResult;
  error?: string;
  /** What the rollback did or why it could not. */
  undo?: string;
  startedAt?: Date;
  finishedAt?: Date;
}

export interface Execution {
  id: string;
  proposalId: string;
  status: ExecutionStatus;
  /** The process running it (fencing: only the owner may move its steps). */
  owner: string;
  heartbeatAt: Date;
  startedAt: Date;
  finishedAt?: Date;
  summary?: string;
  steps: ExecutionStepRecord[];
}
