import type {
  ActorStamp,
  AuditEntry,
  DecisionKind,
  Execution,
  ExecutionStatus,
  ExecutionStepRecord,
  NewProposal,
  Proposal,
  ProposalStatus,
  Role,
  StepStatus,
  StoredMessageRef,
} from '../model/proposal.js';
import type { PlanStep } from '../model/plan.js';

export interface DecisionInput {
  proposalId: string;
  by: ActorStamp;
  role: Role;
  decision: DecisionKind;
  reason?: string;
  now: Date;
  messageRef?: StoredMessageRef;
  /**
   * Which recorded approvers are the same person as `by` (the policy's people: one person, several surface
   * identities). Checked inside the decision's transaction, after the proposal row is locked, so two identities of
   * one person cannot both count, even when they click at the same moment. Without it, only `by.id` itself.
   */
  samePerson?: (approverId: string) => boolean;
  /** The person behind `by`, named in the audit row next to the surface identity. */
  person?: string;
}

/** What recording a decision did. Every branch was decided by the database, not by an earlier read. */
export type DecisionRecord =
  /** Recorded; `transitioned` says whether this decision moved the proposal (approved or rejected). */
  | { kind: 'recorded'; proposal: Proposal; transitioned: 'approved' | 'rejected' | null }
  | { kind: 'missing' }
  /** Past its expiry: it has now been marked expired (if it was not already). */
  | { kind: 'expired'; proposal: Proposal }
  /** Decided, cancelled or running already. */
  | { kind: 'not-pending'; proposal: Proposal }
  /** This actor already decided on it. */
  | { kind: 'duplicate'; proposal: Proposal };

export interface StepPatch {
  before?: ExecutionStepRecord['before'];
  result?: ExecutionStepRecord['result'];
  error?: string;
  undo?: string;
  /** Adds to the attempt counter. */
  attempts?: number;
}

export interface AuditNote {
  by: ActorStamp;
  now: Date;
  detail?: string;
  before?: unknown;
  after?: unknown;
}

/**
 * Durable proposals, decisions, executions and the audit log. Every state change is a conditional update
 * (`… WHERE status = … RETURNING`) with its audit row in the same transaction; a change that finds the row in
 * another state changes nothing and says so (undefined / false).
 */
export interface ProposalStore {
  create(p: NewProposal): Promise<Proposal>;
  get(id: string): Promise<Proposal | undefined>;
  list(filter: { statuses?: ProposalStatus[]; limit?: number }): Promise<Proposal[]>;
  auditTrail(proposalId: string): Promise<AuditEntry[]>;

  decide(input: DecisionInput): Promise<DecisionRecord>;
  /** Remembers another message the proposal's card is on (kept once; at most MAX_CARD_MESSAGES, oldest dropped). */
  addMessage(proposalId: string, ref: StoredMessageRef): Promise<Proposal | undefined>;
  /** Moves a proposal from one of `from` to `to`; undefined when it was in none of them. */
  transition(id: string, from: ProposalStatus[], to: ProposalStatus, note: AuditNote & { outcome?: string }): Promise<Proposal | undefined>;
  /** Marks every proposal past its expiry (proposed, or approved but never started) as expired. */
  expireDue(now: Date, by: ActorStamp): Promise<Proposal[]>;
  /** Proposals approved before `decidedBefore` that nobody has started (the process that approved them died first). */
  approvedUnclaimed(decidedBefore: Date): Promise<Proposal[]>;

  /** approved → executing, with the execution and one pending row per step: exactly one caller wins. */
  claimExecution(proposalId: string, owner: string, steps: PlanStep[], note: AuditNote): Promise<Execution | undefined>;
  getExecution(proposalId: string): Promise<Execution | undefined>;
  /** Moves one step, only while `owner` still owns the running execution. */
  stepTransition(executionId: string, owner: string, index: number, from: StepStatus[], to: StepStatus, patch: StepPatch, note: AuditNote): Promise<boolean>;
  heartbeat(executionId: string, owner: string, now: Date): Promise<boolean>;
  /** running → final, and the proposal executing → the same final status, in one transaction. */
  finishExecution(executionId: string, owner: string, status: Exclude<ExecutionStatus, 'running'>, summary: string, note: AuditNote): Promise<boolean>;
  /** Running executions whose owner has not been heard from since `staleBefore`. */
  staleExecutions(staleBefore: Date): Promise<Execution[]>;
  /** Takes over a stale execution (conditional on it still being stale). */
  adoptExecution(executionId: string, owner: string, staleBefore: Date, note: AuditNote): Promise<Execution | undefined>;
}
