import { defineAction, defineCommand, type CommandContext, type CommandOutput } from '../src/core/command.js';
import { AppError } from '../src/core/errors.js';
import { echoed } from '../src/core/args.js';
import { code, context, divider, text, type Block } from '../src/core/reply.js';
import { approvalsOf, auditBlocks, proposalCard, STEPS_ACTION, stepsData, stepsReply } from './proposal-format.js';
import { proposalData } from './proposals-api.js';

const NOT_YOURS = 'Shown only to you: you cannot decide on this proposal.';

async function findProposal(ctx: CommandContext, id: string) {
  const approvals = approvalsOf(ctx);
  const found = await approvals.get(id);
  if (!found) throw new AppError('PROPOSAL.NOT_FOUND', `no proposal ${id}`, { userMessage: `There is no proposal ${code(echoed(id))}. Type ${code('approvals')} for the pending ones.` });
  return { approvals, ...found };
}

/**
 * Every step of the plan (and each one's status once it ran). `toClicker`: the "Show all steps" button, whose
 * answer only the clicker sees and never replaces the card; typed, the same visibility as `proposal <id>`.
 */
async function allSteps(ctx: CommandContext, id: string, toClicker: boolean): Promise<CommandOutput> {
  const { approvals, proposal, execution } = await findProposal(ctx, id);
  const mayAct = approvals.mayAct(proposal, ctx.actor);
  const r = stepsReply(proposal, { ...(execution ? { execution } : {}), visibility: mayAct && !toClicker ? 'channel' : 'ephemeral' });
  if (!mayAct) r.blocks.push(context(NOT_YOURS));
  return { reply: r, data: stepsData(proposal, execution) };
}

export const proposalCommand = defineCommand({
  name: 'proposal',
  summary: 'Show one proposal: its plan, decisions, execution and audit trail',
  usage: 'proposal <id> [--steps]',
  examples: ['proposal k3x9qa', 'proposal k3x9qa --steps', 'proposal k3x9qa --json'],
  permission: 'read',
  flags: {
    steps: { kind: 'boolean', description: 'every step of the plan, no cap (and each step\'s status once it ran); with --json, the steps array' },
  },
  positionals: [{ name: 'id', description: 'the id on the proposal card', required: true }],
  async run(ctx, { flags, args }) {
    const id = args[0] as string;
    if (flags.steps) return allSteps(ctx, id, false);
    const { approvals, proposal, execution, audit } = await findProposal(ctx, id);
    const card = proposalCard(proposal, { awaiting: approvals.awaiting(proposal), ...(execution ? { execution } : {}) });
    card.blocks.push(divider(), text('**Audit trail**'), ...auditBlocks(audit));
    // Only someone who may act on it gets the card where everyone sees it (and its buttons); anyone else sees it
    // alone, without buttons that would only refuse them ("Show all steps" only reads, so it stays).
    const mayAct = approvals.mayAct(proposal, ctx.actor);
    const readOnly = (b: Block): Block[] => {
      if (b.type !== 'actions') return [b];
      const kept = b.buttons.filter((x) => x.actionId === STEPS_ACTION);
      return kept.length ? [{ ...b, buttons: kept }] : [];
    };
    const shown = mayAct ? card : { ...card, visibility: 'ephemeral' as const, blocks: [...card.blocks.flatMap(readOnly), context(NOT_YOURS)] };
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

/** "Show all steps" under a card: the whole list to the clicker only; the card (and its buttons) stays as it is. */
export const proposalStepsAction = defineAction({
  id: STEPS_ACTION,
  permission: 'read',
  run: (ctx, value) => allSteps(ctx, value, true),
});
