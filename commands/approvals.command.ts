import { defineCommand } from '../src/core/command.js';
import { code, context, reply, table, text, type Block } from '../src/core/reply.js';
import { policyName } from '../src/domain/approvals/policy.js';
import { approvalsOf, utc } from './proposal-format.js';
import { proposalData } from './proposals-api.js';

export const approvalsCommand = defineCommand({
  name: 'approvals',
  aliases: ['pending'],
  summary: 'List proposals waiting for approval (or running) and who still has to decide',
  usage: 'approvals [--limit N]',
  examples: ['approvals', 'approvals --json'],
  permission: 'read',
  flags: { limit: { kind: 'int', min: 1, max: 200, placeholder: 'N', description: 'rows to list (default 25)' } },
  async run(ctx, { flags }) {
    const approvals = approvalsOf(ctx);
    const open = await approvals.pending(flags.limit ?? 25);
    const policy = approvals.policy;
    const blocks: Block[] =
      open.length === 0
        ? [text('Nothing is waiting for approval.')]
        : [
            table(
              ['Id', 'Plan', 'Risk', 'Requested by', 'Expires', 'Waiting for'],
              open.map((p) => [p.id, p.plan.title, p.risk, p.requester.name, p.status === 'proposed' ? utc(p.expiresAt) : '—', approvals.awaiting(p)]),
            ),
            context(`${code('proposal <id>')} shows one with its audit trail and buttons; ${code('approve <id>')} / ${code('reject <id>')} decide from a terminal.`),
          ];
    blocks.push(context(`Policy: ${policyName(policy)}.`));
    return {
      reply: reply({ title: 'Pending approvals', blocks }),
      data: { proposals: open.map((p) => ({ ...proposalData(p), awaiting: approvals.awaiting(p), requester: p.requester.id, approvals: p.approvals })) },
    };
  },
});
