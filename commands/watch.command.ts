import { randomUUID } from 'node:crypto';
import { defineCommand, type CommandContext, type CommandOutput } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import type { Reply } from '../src/core/reply.js';
import { code, context, reply, table, text } from '../src/core/reply.js';
import { WATCH_ACTOR } from '../src/domain/model/actor.js';
import type { WatchSubscription } from '../src/domain/ports/health-store.port.js';
import { healthOf } from './health.command.js';
import { proposalCard } from './proposal-format.js';

const USAGE = 'watch subscribe | watch list | watch unsubscribe <id>';

function targetLabel(t: WatchSubscription['target']): string {
  if (t.surface === 'slack') return `Slack <#${t.address.channel ?? '?'}>`;
  if (t.surface === 'teams') return `Teams conversation ${(t.address.conversationId ?? '?').slice(0, 24)}`;
  return t.surface;
}
const sameTarget = (a: WatchSubscription['target'], b: { surface: string; address: Record<string, string> } | undefined) => !!b && a.surface === b.surface && JSON.stringify(a.address) === JSON.stringify(b.address);

/** One pass of the watch (the scheduler runs it as steward:watch): what to post, to which subscribed channels. */
async function runOnce(ctx: CommandContext): Promise<CommandOutput> {
  if (ctx.actor.id !== WATCH_ACTOR.id) await ctx.authorize('admin');
  const h = healthOf(ctx);
  const { notices, polled } = await h.watch.tick();
  const subs = await h.store.subscriptions();
  const approvals = ctx.services.approvals;
  const messages: Reply[] = [];
  const note = (n: (typeof notices)[number]) => reply({ blocks: [text(`🩺 **Health watch**: ${n.note}`), context(`${code('health')} shows the evidence`)], visibility: 'channel' });
  for (const n of notices) {
    if ((n.kind === 'proposed' || n.kind === 'withdrawn') && n.proposal) {
      // The proposal exists whatever happens here: a card that cannot be drawn is posted as its note instead.
      try {
        const card = proposalCard(n.proposal, approvals && n.proposal.status === 'proposed' ? { awaiting: approvals.awaiting(n.proposal) } : {});
        messages.push({ ...card, blocks: [text(`🩺 **Health watch**: ${n.note}`), ...card.blocks], visibility: 'channel' });
      } catch (err) {
        ctx.log.error({ err, proposal: n.proposal.id }, 'watch: proposal card could not be drawn');
        messages.push(note(n));
      }
    } else if (n.kind !== 'opened') messages.push(note(n));
  }
  const posts = subs.flatMap((s) => messages.map((m) => ({ target: s.target, reply: m })));
  return {
    reply: reply({ title: 'Health watch pass', blocks: [text(notices.length ? notices.map((n) => `- ${n.note}`).join('\n') : `Polled ${polled.join(', ') || 'nothing (not due)'}; nothing new.`)] }),
    data: { polled, notices: notices.map((n) => ({ kind: n.kind, incident: n.incident.id, action: n.action ?? null, proposal: n.proposal?.id ?? null, note: n.note })), posts },
  };
}

export const watchCommand = defineCommand({
  name: 'watch',
  summary: 'Post the health watch’s restart, failover and failback proposals to this channel: subscribe, list, unsubscribe',
  usage: USAGE,
  description:
    'The health watch polls every cloud’s health feeds and proposes — never executes — a restart for an impaired instance, a failover (critical, two approvers, 30-minute expiry) ' +
    'for a degraded region and a failback once it recovers. Proposals are made whether or not a channel is subscribed (`approvals` lists them); a subscription also posts them here. Subscribing needs the operator role.',
  examples: ['watch subscribe', 'watch list', 'watch unsubscribe w-1a2b3c4d'],
  permission: 'read',
  flags: {},
  rest: 'words',
  async run(ctx, { args }) {
    const [sub, ...words] = args;
    const h = healthOf(ctx);
    switch (sub) {
      case 'subscribe': {
        await ctx.authorize('propose');
        const target = ctx.conversation;
        if (!target || target.surface === 'cli' || target.surface === 'system') {
          throw new UsageError('Subscribe from the channel the proposals should go to: type it in Slack, Teams or the console (the CLI has no channel).', USAGE);
        }
        const existing = (await h.store.subscriptions()).find((s) => sameTarget(s.target, target));
        if (existing) return { reply: reply({ blocks: [text(`This channel is already subscribed (${code(existing.id)}).`)] }), data: { subscription: existing, created: false } };
        const s: WatchSubscription = { id: `w-${randomUUID().slice(0, 8)}`, target, createdBy: ctx.actor.id, createdAt: ctx.clock.now().toISOString() };
        await h.store.subscribe(s, ctx.actor);
        return {
          reply: reply({
            title: 'Health watch subscribed',
            blocks: [text('The health watch will post its restart, failover and failback proposals here as it makes them.'), context(`Id ${code(s.id)} · ${code(`watch unsubscribe ${s.id}`)} stops it · ${code('health')} shows the current state`)],
            visibility: 'channel',
          }),
          data: { subscription: s, created: true },
        };
      }
      case 'list': {
        const all = await h.store.subscriptions();
        const list = ctx.conversation && ctx.conversation.surface !== 'cli' ? all.filter((s) => sameTarget(s.target, ctx.conversation)) : all;
        return {
          reply: reply({
            title: 'Health watch subscriptions',
            blocks: list.length ? [table(['Id', 'Where', 'Since', 'By'], list.map((s) => [s.id, targetLabel(s.target), s.createdAt.slice(0, 16).replace('T', ' '), s.createdBy]))] : [text(`No channel is subscribed${ctx.conversation ? ' here' : ''}. Type ${code('watch subscribe')} in the channel that should get the proposals.`)],
          }),
          data: { subscriptions: list },
        };
      }
      case 'unsubscribe': {
        await ctx.authorize('propose');
        const id = words[0];
        if (!id || words.length > 1) throw new UsageError(`Which one? ${code('watch unsubscribe <id>')}; ${code('watch list')} shows the ids.`, USAGE);
        const removed = await h.store.unsubscribe(id, ctx.actor, ctx.clock.now());
        if (!removed) throw new UsageError(`No watch subscription ${code(id)}; ${code('watch list')} shows the ids.`, USAGE);
        return { reply: reply({ blocks: [text(`The health watch will no longer post to ${targetLabel(removed.target)} (${code(removed.id)}).`)], visibility: 'channel' }), data: { removed } };
      }
      case 'run':
        return runOnce(ctx);
      default:
        throw new UsageError(sub ? `Unknown watch action ${code(sub)}.` : 'What should the watch do?', USAGE);
    }
  },
});

