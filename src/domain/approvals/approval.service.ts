/**
 * Proposals and decisions: propose a plan, approve / reject / cancel it, list what waits, and start the execution
 * once the last required approval lands. The policy decides who may; the database decides what happened.
 */
import type { Logger } from '../../lib/logger.js';
import type { Actor } from '../model/actor.js';
import { AppError } from '../model/errors.js';
import type { Plan, PlanStep } from '../model/plan.js';
import type { ActorStamp, AuditEntry, DecisionKind, Execution, Proposal, StoredMessageRef } from '../model/proposal.js';
import type { Clock } from '../ports/clock.port.js';
import type { ProposalStore } from '../ports/proposal-store.port.js';
import type { ExecutionReport, PlanExecutor, ProgressSink } from '../plans/execute-plan.js';
import { article, atLeast, groupRemedy, holdersText, personOf, policyName, requirementFor, requirementText, riskOfPlan, roleOf, samePerson, type Policy } from './policy.js';
import { humanUtc } from '../../lib/time.js';

export type RefusalCode =
  | 'PROPOSAL.NOT_FOUND'
  | 'PROPOSAL.EXPIRED'
  | 'PROPOSAL.SELF_APPROVAL'
  | 'PROPOSAL.ROLE'
  | 'PROPOSAL.ALREADY_DECIDED'
  | 'PROPOSAL.DUPLICATE'
  | 'PROPOSAL.NOT_CANCELLABLE';

export interface Refusal {
  kind: 'refused';
  code: RefusalCode;
  message: string;
  proposal?: Proposal;
}

export type DecisionOutcome =
  /** This approval completed the quorum: the plan is executing in the background. */
  | { kind: 'approved'; proposal: Proposal; execution: Promise<ExecutionReport | undefined> }
  /** Recorded; more approvals are needed. */
  | { kind: 'recorded'; proposal: Proposal; remaining: number }
  | { kind: 'rejected'; proposal: Proposal }
  | Refusal;

export interface ApprovalServiceDeps {
  store: ProposalStore;
  policy: Policy;
  clock: Clock;
  executor: PlanExecutor;
  /** Cloud permissions a step needs (from its provider), shown on the card. */
  permissionsFor(step: PlanStep): string[];
  /** Where progress of executions goes when no click is waiting on them (approvals from the CLI, recovery). */
  progress?: ProgressSink;
  newId?: () => string;
  log?: Logger;
}

const ID_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
export function newProposalId(): string {
  let id = '';
  for (let i = 0; i < 6; i++) id += ID_ALPHABET[Math.floor(Math.random() * ID_ALPHABET.length)];
  return id;
}

export const stamp = (a: Actor): ActorStamp => ({ id: a.id, name: a.displayName, surface: a.surface });

export function createApprovalService(deps: ApprovalServiceDeps) {
  const { store, policy, clock } = deps;
  const running = new Set<Promise<unknown>>();

  function track<T>(p: Promise<T>): Promise<T> {
    running.add(p);
    void p.finally(() => running.delete(p)).catch(() => undefined);
    return p;
  }

  /** Runs the execution after the current request has been answered (the click reply goes first). */
  function startExecution(proposalId: string, by: ActorStamp, onProgress?: ProgressSink): Promise<ExecutionReport | undefined> {
    const sink = onProgress ?? deps.progress;
    return track(
      new Promise<ExecutionReport | undefined>((resolve, reject) => {
        setImmediate(() => {
          deps.executor.execute(proposalId, by, sink).then(resolve, reject);
        });
      }).catch((err: unknown) => {
        deps.log?.error({ err, proposalId }, 'execution failed to run');
        return undefined;
      }),
    );
  }

  /** Who could still decide, in words, leaving out the requester and those who already did. */
  function whoElse(p: Proposal, extra: string[] = []): string {
    return holdersText(policy, p.required.role, [p.requester.id, ...p.decisions.map((d) => d.by.id), ...extra]);
  }

  function describeStatus(p: Proposal): string {
    const last = p.decisions.at(-1);
    const approvers = p.decisions.filter((d) => d.decision === 'approve').map((d) => d.by.name);
    const by = approvers.length ? ` (by ${approvers.join(' and ')})` : '';
    switch (p.status) {
      case 'approved':
      case 'executing':
        return `already approved${by} and ${p.status === 'executing' ? 'running' : 'about to run'}`;
      case 'rejected':
        return `already rejected${last ? ` by ${last.by.name}` : ''}`;
      case 'cancelled':
        return p.outcome?.startsWith('superseded') ? `withdrawn (${p.outcome})` : 'cancelled';
      case 'expired':
        return `expired at ${humanUtc(p.expiresAt)}`;
      case 'succeeded':
        return `already approved${by} and carried out`;
      case 'failed':
      case 'rolled_back':
        return `already approved${by} and run (${p.status.replace('_', ' ')})`;
      default:
        return p.status;
    }
  }

  const service = {
    policy,

    async propose(input: { plan: Plan; requester: Actor; /** Shorter than the policy's expiry (a watch failover: 30 min). */ expiresInMs?: number }): Promise<Proposal> {
      const role = roleOf(policy, input.requester);
      if (!atLeast(role, 'operator')) {
        throw new AppError('PROPOSAL.ROLE', `${input.requester.id} may not propose`, {
          userMessage: `Proposing changes needs the operator role; ${input.requester.id} ${role ? `is a ${role}` : 'has no role'}. Ask an operator (${holdersText(policy, 'operator', [input.requester.id])}).`,
        });
      }
      if (input.plan.steps.length === 0) throw new AppError('PROPOSAL.EMPTY', 'empty plan', { userMessage: 'There is nothing to approve: the plan has no steps.' });
      const risk = riskOfPlan(policy, input.plan);
      const now = clock.now();
      const permissions = [...new Set(input.plan.steps.flatMap((s) => deps.permissionsFor(s)))];
      for (let attempt = 0; ; attempt++) {
        const id = (deps.newId ?? newProposalId)();
        try {
          return await store.create({
            id,
            plan: input.plan,
            risk,
            required: requirementFor(policy, risk),
            requester: stamp(input.requester),
            permissions,
            createdAt: now,
            expiresAt: new Date(now.getTime() + Math.min(policy.expiryMs, input.expiresInMs ?? policy.expiryMs)),
          });
        } catch (err) {
          // A six-letter id can collide; try another one or two before giving up.
          if (attempt >= 3 || (await store.get(id)) === undefined) throw err;
        }
      }
    },

    async decide(input: { proposalId: string; actor: Actor; decision: DecisionKind; reason?: string; messageRef?: StoredMessageRef; onProgress?: ProgressSink }): Promise<DecisionOutcome> {
      const { actor, decision } = input;
      const id = input.proposalId.trim().toLowerCase();
      const p = await store.get(id);
      if (!p) return { kind: 'refused', code: 'PROPOSAL.NOT_FOUND', message: `There is no proposal ${id}. Type \`approvals\` to see the pending ones.` };
      // Fast, friendly answers from the current row; the database re-checks every state-dependent rule below.
      if (p.status !== 'proposed') {
        return { kind: 'refused', code: p.status === 'expired' ? 'PROPOSAL.EXPIRED' : 'PROPOSAL.ALREADY_DECIDED', message: `Proposal ${p.id} is ${describeStatus(p)}; nothing was changed.`, proposal: p };
      }
      // Judged per person: the requester's other identities (another surface) are the requester too.
      const isRequester = samePerson(policy, actor.id, p.requester.id);
      if (decision === 'approve' && isRequester) {
        const via = actor.id === p.requester.id ? '' : ` (as ${p.requester.id}; ${actor.id} is the same person in ${policyName(policy)})`;
        return {
          kind: 'refused',
          code: 'PROPOSAL.SELF_APPROVAL',
          message: `You requested proposal ${p.id}${via}, and nobody approves their own proposal. It needs ${requirementText(p.required)}; ask ${whoElse(p, [actor.id])}.`,
          proposal: p,
        };
      }
      const role = roleOf(policy, actor);
      const mayDecide = atLeast(role, p.required.role) || (decision === 'reject' && isRequester);
      if (!mayDecide) {
        return {
          kind: 'refused',
          code: 'PROPOSAL.ROLE',
          message:
            `Proposal ${p.id} is ${p.risk} risk and needs ${requirementText(p.required)}; ${actor.id} ${role ? `is ${article(role)} ${role}` : 'has no role'}. ` +
            `Could ${decision} instead: ${whoElse(p, [actor.id])}.` +
            groupRemedy(policy, actor, p.required.role),
          proposal: p,
        };
      }
      const rec = await store.decide({
        proposalId: id,
        by: stamp(actor),
        role: role ?? 'viewer',
        decision,
        ...(input.reason ? { reason: input.reason } : {}),
        now: clock.now(),
        ...(input.messageRef ? { messageRef: input.messageRef } : {}),
        samePerson: (approverId) => samePerson(policy, approverId, actor.id),
        ...(personOf(policy, actor.id) ? { person: personOf(policy, actor.id)?.name } : {}),
      });
      switch (rec.kind) {
        case 'missing':
          return { kind: 'refused', code: 'PROPOSAL.NOT_FOUND', message: `There is no proposal ${id}.` };
        case 'expired':
          return { kind: 'refused', code: 'PROPOSAL.EXPIRED', message: `Proposal ${id} expired at ${humanUtc(rec.proposal.expiresAt)} before enough people approved it; nothing was changed. Propose it again if it is still wanted.`, proposal: rec.proposal };
        case 'duplicate': {
          const mine = rec.proposal.decisions.find((d) => samePerson(policy, d.by.id, actor.id));
          const via = mine && mine.by.id !== actor.id ? ` as ${mine.by.id} (the same person as ${actor.id})` : '';
          const distinct = rec.proposal.required.count > 1 ? ` It needs ${requirementText(rec.proposal.required)}: the second must come from someone else (${whoElse(rec.proposal)}).` : '';
          return { kind: 'refused', code: 'PROPOSAL.DUPLICATE', message: `You already ${mine?.decision === 'reject' ? 'rejected' : 'approved'} proposal ${id}${via}; a second decision from the same person does not count, whichever surface it comes from.${rec.proposal.status === 'proposed' ? distinct : ''}`, proposal: rec.proposal };
        }
        case 'not-pending':
          return { kind: 'refused', code: 'PROPOSAL.ALREADY_DECIDED', message: `Proposal ${id} is ${describeStatus(rec.proposal)}; nothing was changed.`, proposal: rec.proposal };
        case 'recorded':
          if (rec.transitioned === 'rejected') return { kind: 'rejected', proposal: rec.proposal };
          if (rec.transitioned === 'approved') {
            return { kind: 'approved', proposal: rec.proposal, execution: startExecution(id, stamp(actor), input.onProgress) };
          }
          return { kind: 'recorded', proposal: rec.proposal, remaining: Math.max(0, rec.proposal.required.count - rec.proposal.approvals) };
      }
    },

    async cancel(input: { proposalId: string; actor: Actor }): Promise<{ kind: 'cancelled'; proposal: Proposal } | Refusal> {
      const id = input.proposalId.trim().toLowerCase();
      const p = await store.get(id);
      if (!p) return { kind: 'refused', code: 'PROPOSAL.NOT_FOUND', message: `There is no proposal ${id}.` };
      const admin = atLeast(roleOf(policy, input.actor), 'admin');
      if (!samePerson(policy, p.requester.id, input.actor.id) && !admin) {
        return { kind: 'refused', code: 'PROPOSAL.ROLE', message: `Only the requester (${p.requester.name}) or an admin (${holdersText(policy, 'admin', [input.actor.id])}) can cancel proposal ${id}. To vote against it, reject it.`, proposal: p };
      }
      const moved = await store.transition(id, ['proposed', 'approved'], 'cancelled', { by: stamp(input.actor), now: clock.now(), outcome: `cancelled by ${input.actor.displayName}` });
      if (!moved) {
        const cur = (await store.get(id)) ?? p;
        return { kind: 'refused', code: 'PROPOSAL.NOT_CANCELLABLE', message: `Proposal ${id} is ${describeStatus(cur)}, so it can no longer be cancelled.`, proposal: cur };
      }
      return { kind: 'cancelled', proposal: moved };
    },

    /**
     * Whether `actor` could do anything with the proposal now: approve or reject it (the role its risk requires,
     * never their own approval), reject or cancel their own, or cancel it as an admin. Who may not act on it sees
     * it privately (`proposal <id>` answers them alone).
     */
    mayAct(p: Proposal, actor: Actor): boolean {
      const role = roleOf(policy, actor);
      const own = actor.id === p.requester.id;
      if (p.status === 'proposed') return own || atLeast(role, p.required.role) || atLeast(role, 'admin');
      if (p.status === 'approved') return own || atLeast(role, 'admin');
      return false;
    },

    /** Remembers another message the proposal's card was posted on, so decisions and progress update it too. */
    async addMessage(proposalId: string, ref: StoredMessageRef): Promise<Proposal | undefined> {
      return store.addMessage(proposalId.trim().toLowerCase(), ref);
    },

    /**
     * Withdraws every older pending proposal of the same kind and scope as `by` (a new optimize plan replaces the
     * one it conflicts with): each moves proposed → cancelled with its reason as outcome and an audit row. Only
     * proposals still waiting are touched; one already approved or running is left to finish.
     */
    async supersede(input: { by: Proposal; actor: Actor }): Promise<Proposal[]> {
      const { by } = input;
      if (by.plan.scope === undefined) return [];
      const older = (await store.list({ statuses: ['proposed'], limit: 500 })).filter((p) => p.id !== by.id && p.plan.kind === by.plan.kind && p.plan.scope === by.plan.scope);
      const withdrawn: Proposal[] = [];
      for (const p of older) {
        const moved = await store.transition(p.id, ['proposed'], 'cancelled', {
          by: stamp(input.actor),
          now: clock.now(),
          outcome: `superseded by proposal ${by.id}, a newer ${by.plan.kind} plan for the same scope (${by.plan.scope})`,
          detail: `superseded by ${by.id}`,
          after: { supersededBy: by.id, scope: by.plan.scope },
        });
        if (moved) withdrawn.push(moved);
      }
      return withdrawn;
    },

    async get(id: string): Promise<{ proposal: Proposal; execution?: Execution; audit: AuditEntry[] } | undefined> {
      const key = id.trim().toLowerCase();
      await store.expireDue(clock.now(), EXPIRY_ACTOR);
      const proposal = await store.get(key);
      if (!proposal) return undefined;
      const [execution, audit] = await Promise.all([store.getExecution(key), store.auditTrail(key)]);
      return { proposal, ...(execution ? { execution } : {}), audit };
    },

    /** Open proposals (expired ones are marked first), newest first. */
    async pending(limit = 50): Promise<Proposal[]> {
      await store.expireDue(clock.now(), EXPIRY_ACTOR);
      return store.list({ statuses: ['proposed', 'approved', 'executing'], limit });
    },

    /** "needs 1 more approval from an approver: slack:U1, any console user" */
    awaiting(p: Proposal): string {
      if (p.status !== 'proposed') return describeStatus(p);
      const n = Math.max(0, p.required.count - p.approvals);
      const from = n === 1 ? `${article(p.required.role)} ${p.required.role}` : `${n} more ${p.required.role}s`;
      return `needs ${n === 1 ? '1 more approval' : `${n} more approvals`} from ${from} (or higher): ${whoElse(p)}`;
    },

    /**
     * Housekeeping, run at start and then periodically: expire what is overdue, take over executions whose process
     * died (rolling them back), and start approved proposals that nobody started.
     */
    async sweep(opts: { staleBefore: Date }): Promise<{ expired: number; recovered: ExecutionReport[]; started: number }> {
      const expired = await store.expireDue(clock.now(), EXPIRY_ACTOR);
      const recovered = await track(deps.executor.recover(opts.staleBefore, deps.progress));
      let started = 0;
      // Only ones decided a while ago: a fresh approval is being started by the process that recorded it.
      for (const p of await store.approvedUnclaimed(opts.staleBefore)) {
        // Approved, but the process that approved it stopped before starting it.
        started++;
        void startExecution(p.id, { id: 'system:recovery', name: 'Steward', surface: 'system' });
      }
      return { expired: expired.length, recovered, started };
    },

    startExecution,

    /** Resolves when no execution started by this process is still running (shutdown, tests). */
    async idle(): Promise<void> {
      while (running.size) await Promise.allSettled([...running]);
    },
  };
  return service;
}

const EXPIRY_ACTOR: ActorStamp = { id: 'system:expiry', name: 'Steward', surface: 'system' };

export type ApprovalService = ReturnType<typeof createApprovalService>;
