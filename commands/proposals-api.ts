/**
 * The ProposalsApi other commands (optimize, failover, stop, …) use to turn a Plan into a proposal card.
 * main.ts builds it from the approval service.
 */
import type { ProposalsApi } from '../src/core/services.js';
import type { ApprovalService } from '../src/domain/approvals/approval.service.js';
import { code, context } from '../src/core/reply.js';
import { proposalCard } from './proposal-format.js';

export function proposalData(p: { id: string; status: string; risk: string; required: { count: number; role: string }; expiresAt: Date; plan: { title: string; steps: unknown[] } }) {
  return { id: p.id, status: p.status, title: p.plan.title, steps: p.plan.steps.length, risk: p.risk, required: p.required, expiresAt: p.expiresAt.toISOString() };
}

export function createProposalsApi(approvals: ApprovalService): ProposalsApi {
  return {
    async propose({ plan, requester, supersede }) {
      const p = await approvals.propose({ plan, requester });
      const withdrawn = supersede ? await approvals.supersede({ by: p, actor: requester }) : [];
      const card = proposalCard(p, { awaiting: approvals.awaiting(p) });
      if (withdrawn.length) card.blocks.splice(card.blocks.length - 1, 0, context(`Supersedes ${withdrawn.map((w) => code(w.id)).join(', ')}: the older pending ${plan.kind} plan${withdrawn.length === 1 ? '' : 's'} for the same scope (${plan.scope ?? 'all'}), now withdrawn.`));
      return {
        id: p.id,
        reply: card,
        data: { ...proposalData(p), ...(withdrawn.length ? { supersedes: withdrawn.map((w) => w.id) } : {}) },
        ...(withdrawn.length ? { superseded: withdrawn.map((w) => ({ id: w.id, reply: proposalCard(w), messages: w.messages })) } : {}),
      };
    },
  };
}
