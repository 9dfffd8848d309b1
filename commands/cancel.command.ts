import { defineCommand } from '../src/core/command.js';
import { AppError, ForbiddenError } from '../src/core/errors.js';
import { proposalCard, approvalsOf, updateCards } from './proposal-format.js';
import { proposalData } from './proposals-api.js';

export const cancelCommand = defineCommand({
  name: 'cancel',
  summary: 'Withdraw a proposal that has not started (its requester or an admin)',
  usage: 'cancel <id>',
  examples: ['cancel k3x9qa'],
  permission: 'read',
  needs: 'the person who asked for the proposal, or an admin',
  flags: {},
  positionals: [{ name: 'id', description: 'the id on the proposal card', required: true }],
  async run(ctx, { args }) {
    const out = await approvalsOf(ctx).cancel({ proposalId: args[0] as string, actor: ctx.actor });
    if (out.kind === 'refused') {
      if (out.code === 'PROPOSAL.ROLE') throw new ForbiddenError(out.message);
      throw new AppError(out.code, out.message, { userMessage: out.message });
    }
    const card = proposalCard(out.proposal);
    await updateCards(ctx, out.proposal, card);
    return { reply: card, data: proposalData(out.proposal) };
  },
});
