/** The Approve and Reject buttons (value: the proposal id only), and `approve <id>` / `reject <id>` for terminals. */
import { defineAction, defineCommand, type CommandContext, type CommandOutput } from '../src/core/command.js';
import { AppError, ForbiddenError } from '../src/core/errors.js';
import { context, reply, text, type Reply } from '../src/core/reply.js';
import type { DecisionOutcome } from '../src/domain/approvals/approval.service.js';
import type { DecisionKind } from '../src/domain/model/proposal.js';
import { approvalsOf, progressToCards, proposalCard, updateCards } from './proposal-format.js';
import { proposalData } from './proposals-api.js';

/**
 * The one decision path for buttons and commands. Either way every message the card was posted on is updated in
 * place (status, who decided, no buttons once decided) and the execution's progress goes to all of them; a click's
 * own card is replaced by the reply, and a typed decision is answered to the one who typed it.
 */
export async function decideProposal(ctx: CommandContext, id: string, decision: DecisionKind, opts: { reason?: string; wait?: boolean } = {}): Promise<CommandOutput> {
  const approvals = approvalsOf(ctx);
  const clicked = ctx.message;
  const out: DecisionOutcome = await approvals.decide({
    proposalId: id,
    actor: ctx.actor,
    decision,
    ...(opts.reason ? { reason: opts.reason } : {}),
    ...(clicked ? { messageRef: clicked } : {}),
    onProgress: progressToCards((ref, r) => ctx.updateMessage(ref, r), clicked ? [clicked] : []),
  });
  /** The decided card: on every other message it is on now, and as the answer (replacing the clicked one). */
  const answer = async (card: Reply, data: unknown, extra: Partial<CommandOutput> = {}): Promise<CommandOutput> => {
    const proposal = 'proposal' in out && out.proposal ? out.proposal : undefined;
    const updated = proposal ? await updateCards(ctx, proposal, card, clicked) : 0;
    if (clicked) return { reply: card, data, replace: true, ...extra };
    // Typed: the cards already say it for everyone; the one who typed it gets the card to themselves.
    const where = updated ? [context(`The card is updated in place on ${updated === 1 ? 'the message' : `all ${updated} messages`} it was posted on.`)] : [];
    return { reply: updated ? { ...card, visibility: 'ephemeral', blocks: [...card.blocks, ...where] } : card, data, replace: true, ...extra };
  };
  switch (out.kind) {
    case 'refused':
      switch (out.code) {
        case 'PROPOSAL.SELF_APPROVAL':
        case 'PROPOSAL.ROLE':
          throw new ForbiddenError(out.message);
        case 'PROPOSAL.NOT_FOUND':
        case 'PROPOSAL.EXPIRED':
          throw new AppError(out.code, out.message, { userMessage: out.message });
        default:
          // Already decided, or the same person again: nothing happens, and the reply says so.
          return { reply: reply({ blocks: [text(out.message)] }), data: { refused: out.code, ...(out.proposal ? proposalData(out.proposal) : {}) }, outcome: 'unchanged' };
      }
    case 'approved': {
      const phase = `Approved by ${ctx.actor.displayName}; executing now (drift check, dry-run, then each step). Progress appears on this card.`;
      const started = await answer(proposalCard(out.proposal, { phase }), proposalData(out.proposal));
      if (opts.wait) {
        const report = await out.execution;
        const view = await approvals.get(out.proposal.id);
        const card = view ? proposalCard(view.proposal, { ...(view.execution ? { execution: view.execution } : {}) }) : reply({ blocks: [text(report?.summary ?? 'Executed.')] });
        // Waiting means the exit code tells how it went: a plan that failed (drift, a step) or was rolled back is not a success.
        const succeeded = report?.status === 'succeeded';
        return { reply: card, data: { ...proposalData(view?.proposal ?? out.proposal), execution: report ?? null }, replace: true, ...(succeeded ? {} : { outcome: 'failed' as const }) };
      }
      return started;
    }
    case 'recorded':
      return answer(proposalCard(out.proposal, { awaiting: approvals.awaiting(out.proposal) }), proposalData(out.proposal));
    case 'rejected':
      return answer(proposalCard(out.proposal), proposalData(out.proposal));
  }
}

// Buttons need only `read` at the door: whether this person may decide depends on the proposal's risk, so the
// decision itself checks the role and names who could decide instead.
export const approveAction = defineAction({ id: 'proposal.approve', permission: 'read', run: (ctx, value) => decideProposal(ctx, value, 'approve') });
export const rejectAction = defineAction({ id: 'proposal.reject', permission: 'read', run: (ctx, value) => decideProposal(ctx, value, 'reject') });

export const approveCommand = defineCommand({
  name: 'approve',
  summary: 'Approve a proposal (the same as its Approve button)',
  usage: 'approve <proposal-id> [--wait]',
  examples: ['approve k3x9qa', 'approve k3x9qa --wait'],
  permission: 'read',
  needs: "the role the proposal's risk requires (low: an operator; medium: an approver; critical: two distinct approvers), never the requester",
  flags: { wait: { kind: 'boolean', description: 'when this approval completes the quorum, wait for the execution and show its result' } },
  positionals: [{ name: 'proposal-id', description: 'the id on the proposal card', required: true }],
  run: (ctx, { flags, args }) => decideProposal(ctx, args[0] as string, 'approve', { wait: flags.wait }),
});

export const rejectCommand = defineCommand({
  name: 'reject',
  summary: 'Reject a proposal (the same as its Reject button), with an optional reason',
  usage: 'reject <proposal-id> [reason…]',
  examples: ['reject k3x9qa', 'reject k3x9qa "not during the release freeze"'],
  permission: 'read',
  needs: "the role the proposal's risk requires (low: an operator; medium and critical: an approver), never the requester",
  flags: {},
  positionals: [{ name: 'proposal-id', description: 'the id on the proposal card', required: true }],
  rest: 'reason',
  run: (ctx, { args }) => decideProposal(ctx, args[0] as string, 'reject', { reason: args.slice(1).join(' ').slice(0, 500) }),
});
