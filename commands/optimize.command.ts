import { defineCommand } from '../src/core/command.js';
import { reply, text } from '../src/core/reply.js';
import { planReallocation } from '../src/domain/optimizer/optimize.js';
import { PROVIDER_FLAG, REFRESH_FLAG, REGION_FLAG, gapBlocks, scopeOf } from './format.js';
import { HEADROOM_FLAG, LOOKBACK_FLAG, QUOTA_FLAG, explanationBlocks, noteBlock, quotaBlock, settingsFor, utilizationFor, withReadGaps, validateScopeFlags } from './optimizer-shared.js';
import { planBlocks } from './plan-format.js';
import { requireSomePartRead } from '../src/domain/inventory/inventory.service.js';

export const optimizeCommand = defineCommand({
  name: 'optimize',
  aliases: ['opt', 'rightsize'],
  summary: 'Propose the cheapest rightsizing and placement of the whole estate within residency, HA, quotas and a move budget',
  usage: 'optimize [--preview] [--provider aws|azure|gcp] [--region R] [--max-moves N] [--headroom P] [--lookback D] [--quota provider[/region]=vCPU] [--in-place] [--same-provider] [--keep-idle] [--allow-arch-change] [--refresh]',
  description:
    'Each running instance needs its P95 CPU and memory over the lookback (default 14 days) plus headroom (default 20%). ' +
    'The plan picks, for the whole estate at once, the cheapest catalog offer that fits each one — in place, in another region of the same geography, or on another provider — ' +
    'counting a move\'s data egress and risk penalty spread over 12 months. It never moves data out of its geography (tag `residency` or `steward:allow-geo` to change that), ' +
    'honours provider pins (`steward:provider`, `steward:allow-providers`), keeps each `app` on as many distinct regions as today, keeps each instance on its CPU architecture unless `--allow-arch-change` or the tag `steward:arch=any` (on it or its app) allows Arm ↔ x86, stays within vCPU quotas and the move budget, ' +
    'and proposes stopping instances idle by Azure Advisor\'s rule (P95 CPU < 3% over 7 days; a GPU instance only when its GPU is idle too). It reports the objective, a proven lower bound of the full model and the gap between them. ' +
    'A new proposal withdraws the older pending optimize proposal for the same providers and regions (its card says so); `--preview` shows the plan and proposes nothing.',
  examples: ['optimize', 'optimize --preview', 'optimize --max-moves 5', 'optimize --provider aws --in-place', 'optimize --quota azure/westeurope=32 --headroom 30', 'optimize --json'],
  permission: 'propose',
  flags: {
    provider: { ...PROVIDER_FLAG, description: 'only this cloud: its instances, placed only on it (repeatable)' },
    region: REGION_FLAG,
    'max-moves': { kind: 'int', min: 0, max: 100000, placeholder: 'N', description: 'change at most N instances (resize, move or stop)' },
    headroom: HEADROOM_FLAG,
    lookback: LOOKBACK_FLAG,
    quota: QUOTA_FLAG,
    'in-place': { kind: 'boolean', description: 'rightsize in place only: no moves across regions or providers' },
    'same-provider': { kind: 'boolean', description: 'no moves to another provider' },
    'keep-idle': { kind: 'boolean', description: 'do not propose stopping idle instances' },
    'allow-arch-change': { kind: 'boolean', description: 'allow moves between x86 and Arm for every instance (needs multi-arch images; tag steward:arch=any does it per instance or app)' },
    refresh: REFRESH_FLAG,
    preview: { kind: 'boolean', description: 'show the plan only: nothing is proposed and no pending proposal is withdrawn' },
  },
  async run(ctx, { flags }) {
    await validateScopeFlags(ctx, flags);
    await ctx.progress('Reading the estate and its utilization…');
    const report = requireSomePartRead(await ctx.services.inventory.collect(scopeOf(flags), { refresh: flags.refresh }));
    const base = settingsFor(ctx, flags);
    const settings = {
      ...base,
      ...(flags['max-moves'] !== undefined ? { maxMoves: flags['max-moves'] } : {}),
      ...(flags['in-place'] ? { crossRegion: false, crossProvider: false } : {}),
      ...(flags['same-provider'] ? { crossProvider: false } : {}),
      ...(flags['keep-idle'] ? { stopIdle: false } : {}),
      ...(flags['allow-arch-change'] ? { allowArchChange: true } : {}),
      ...(flags.provider.length ? { allowedProviders: (base.allowedProviders ?? []).filter((c) => flags.provider.includes(c)) } : {}),
    };
    const util = await utilizationFor(ctx, report.instances, settings, settings.stopIdle);
    await ctx.progress('Solving…');
    const highs = ctx.services.optimizer?.highs;
    const input = {
      instances: report.instances,
      utilization: util.lookback,
      idleUtilization: util.idle,
      offers: ctx.services.catalog.offers(),
      priceSnapshots: ctx.services.catalog.snapshotDates(),
      settings,
    };
    // Off the event loop when a planner is wired (src/workers): surfaces keep acking while it solves.
    const planner = ctx.services.planner;
    const result = planner ? await planner.optimize({ ...input, useHighs: !!highs }) : await planReallocation({ ...input, ...(highs ? { highs } : {}) });
    const gaps = [...report.gaps, ...util.gaps];
    const plan = { ...withReadGaps(result.plan, gaps), scope: scopeKey(flags) };
    const r = result.report;
    const data = { plan, ...r, partial: gaps.length > 0, gaps };

    if (!r.feasible) {
      return {
        reply: reply({ title: plan.title, blocks: [...explanationBlocks('No plan satisfies every constraint:', r.explanation), ...gapBlocks(gaps)] }),
        data,
      };
    }
    if (plan.steps.length && ctx.services.proposals && !flags.preview) {
      const proposal = await ctx.services.proposals.propose({ plan, requester: ctx.actor, surface: ctx.surface, supersede: true });
      // The withdrawn plans' cards say so, wherever they were posted.
      for (const old of proposal.superseded ?? []) await Promise.all(old.messages.map((m) => ctx.updateMessage(m, old.reply)));
      return { reply: proposal.reply, data: { ...data, proposal: { id: proposal.id, data: proposal.data }, supersedes: (proposal.superseded ?? []).map((o) => o.id) } };
    }
    const blocks = [
      ...planBlocks(plan),
      ...quotaBlock(r.constraints.quotas.map((q) => ({ scope: q.scope, limit: q.limit, before: q.usedBefore, after: q.usedAfter, binding: q.binding }))),
      ...gapBlocks(gaps),
    ];
    if (r.instances.excluded.length) blocks.push(noteBlock(`Left as they are: ${r.instances.excluded.map((e) => `${e.name} (${e.reason})`).join('; ')}.`));
    if (plan.steps.length && flags.preview) blocks.push(noteBlock('Preview only: nothing was proposed and no pending proposal was withdrawn. Run `optimize` without --preview to propose it.'));
    else if (plan.steps.length && !ctx.services.proposals) blocks.push(noteBlock('Read-only: approvals are not enabled here, so this plan cannot be executed from chat.'));
    if (!plan.steps.length) blocks.unshift(text('Nothing to change: every instance already sits on the cheapest option the constraints allow.'));
    return { reply: reply({ title: plan.title, blocks }), data: flags.preview ? { ...data, preview: true, proposal: null } : data };
  },
});

/** The part of the estate a run covers, as supersession compares it: the same providers and regions, in any order. */
export function scopeKey(flags: { provider: string[]; region: string[] }): string {
  const providers = [...new Set(flags.provider)].sort().join(',');
  const regions = [...new Set(flags.region)].sort().join(',');
  return [providers || 'all providers', regions || 'all regions'].join(' · ');
}
