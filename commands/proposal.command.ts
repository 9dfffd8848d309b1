import { defineCommand } from '../src/core/command.js';
import { AppError } from '../src/core/errors.js';
import { echoed } from '../src/core/args.js';
import { code, context, divider, text } from '../src/core/reply.js';
import { approvalsOf, auditBlocks, proposalCard } from './proposal-format.js';
import { proposalData } from './proposals-api.js';

export const proposalCommand = defineCommand({
  name: 'proposal',
  summary: 'Show one proposal: its plan, decisions, execution and audit trail',
  usage: 'proposal <id>',
  examples: ['proposal k3x9qa', 'proposal k3x9qa --json'],
  permission: 'read',
  flags: {},
  positionals: [{ name: 'id', description: 'the id on the proposal card', required: true }],
  async run(ctx, { args }) {
    const approvals = approvalsOf(ctx);
    const id = args[0] as string;
    const found = await approvals.get(id);
    if (!found) throw new AppError('PROPOSAL.NOT_FOUND', `no proposal ${id}`, { userMessage: `There is no proposal ${code(echoed(id))}. Type ${code('approvals')} for the pending ones.` });
    const { proposal, execution, audit } = found;
    const card = proposalCard(proposal, { awaiting: approvals.awaiting(proposal), ...(execution ? { execution } : {}) });
    card.blocks.push(divider(), text('**Audit trail**'), ...auditBlocks(audit));
    // Only someone who may act on it gets the card where everyone sees it (and its buttons); anyone else sees it
    // alone, without buttons that would only refuse them.
    const mayAct = approvals.mayAct(proposal, ctx.actor);
    const shown = mayAct
      ? card
      : { ...card, visibility: 'ephemeral' as const, blocks: [...card.blocks.filter((b) => b.type !== 'actions'), context('Shown only to you: you cannot decide on this proposal.')] };
    return {
      reply: shown,
      data: {
        ...proposalData(proposal),
        requester: proposal.requester,
        decisions: proposal.decisions,
        plan: proposal.plan,
        outcome: proposal.outcome ?? null,
        execution: execution ?? null,
        audit,
      },
    };
  },
});
