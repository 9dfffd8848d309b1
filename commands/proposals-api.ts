/**
 * The ProposalsApi other commands (optimize, failover, stop, …) use to turn a Plan into a proposal card.
 * main.ts builds it from the approval service.
 */
import type { ProposalsApi } from '../src/core/services.js';
import type { ApprovalService } from '../src/domain/approvals/approval.service.js';
import { proposalCard } from './proposal-format.js';

export function proposalData(p: { id: string; status: string; risk: string; required: { count: number; role: string }; expiresAt: Date; plan: { title: string; steps: unknown[] } }) {
  return { id: p.id, status: p.status, title: p.plan.title, steps: p.plan.steps.length, risk: p.risk, required: p.required, expiresAt: p.expiresAt.toISOString() };
}

export function createProposalsApi(approvals: ApprovalService): ProposalsApi {
  return {
    async propose({ plan, requester }) {
      const p = await approvals.propose({ plan, requester });
      return { id: p.id, reply: proposalCard(p, { awaiting: approvals.awaiting(p) }), data: proposalData(p) };
    },
  };
}
