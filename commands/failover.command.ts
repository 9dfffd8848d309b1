import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { code, reply } from '../src/core/reply.js';
import { isCloud } from '../src/domain/model/cloud.js';
import { planFailover } from '../src/domain/optimizer/failover.js';
import { REFRESH_FLAG, gapBlocks } from './format.js';
import { HEADROOM_FLAG, LOOKBACK_FLAG, QUOTA_FLAG, enabledClouds, explanationBlocks, knownRegionsFor, quotaBlock, settingsFor, utilizationFor, withReadGaps } from './optimizer-shared.js';
import { planBlocks } from './plan-format.js';
import { requireSomePartRead } from '../src/domain/inventory/inventory.service.js';

export const failoverCommand = defineCommand({
  name: 'failover',
  summary: 'Propose replacement capacity for an unhealthy region or provider in healthy ones of the same residency',
  usage: 'failover <region|provider> [--quota provider[/region]=vCPU] [--headroom P] [--lookback D] [--allow-arch-change] [--refresh]',
  description:
    'Every running instance in the failed region (or provider) gets a replacement that covers its P95 CPU and memory plus headroom, in a healthy region of its geography ' +
    '(EU stays in the EU unless tagged otherwise) and on a provider its pins allow, within the vCPU quotas, at the lowest monthly cost; nearer regions win ties. ' +
    'Steps per instance: snapshot, create the replacement from it (launched running), tag the original, stop it where still reachable. ' +
    'A replacement keeps its CPU architecture (x86 or Arm) unless `--allow-arch-change` or the tag `steward:arch=any` (on it or its app) allows the other one. ' +
    'If the healthy regions cannot take the load, the answer names the constraint that binds instead of a partial plan.',
  examples: ['failover eu-west-1', 'failover azure', 'failover aws --allow-arch-change', 'failover westeurope --quota gcp/europe-west1=64', 'failover us-east-1 --json'],
  permission: 'propose',
  positionals: [{ name: 'target', description: 'the unhealthy region (eu-west-1, westeurope, …) or provider (aws, azure, gcp)', required: true }],
  flags: {
    quota: QUOTA_FLAG,
    headroom: HEADROOM_FLAG,
    lookback: LOOKBACK_FLAG,
    'allow-arch-change': { kind: 'boolean', description: 'allow replacements on the other CPU architecture (x86 ↔ Arm; needs multi-arch images; tag steward:arch=any does it per instance or app)' },
    refresh: REFRESH_FLAG,
  },
  async run(ctx, { flags, args }) {
    const raw = (args[0] ?? '').trim().toLowerCase();
    const known = await knownRegionsFor(ctx, isCloud(raw) ? [] : [raw]);
    if (!isCloud(raw) && !known.has(raw)) {
      throw new UsageError(`${code(raw)} is neither a provider (aws, azure, gcp) nor a region Steward knows (${[...known].sort().join(', ')}).`);
    }
    if (isCloud(raw) && !enabledClouds(ctx).includes(raw)) {
      throw new UsageError(`${code(raw)} is not enabled here (STEWARD_PROVIDERS): Steward reads no instances there to fail over.`);
    }
    const target = isCloud(raw) ? { provider: raw } : { region: raw };
    await ctx.progress('Reading the estate and its utilization…');
    const report = requireSomePartRead(await ctx.services.inventory.collect({}, { refresh: flags.refresh }));
    const settings = { ...settingsFor(ctx, flags), ...(flags['allow-arch-change'] ? { allowArchChange: true } : {}) };
    const affected = report.instances.filter((i) => (target.provider ? i.provider === target.provider : i.region === target.region));
    const util = await utilizationFor(ctx, affected, settings, false);
    await ctx.progress('Solving…');
    const highs = ctx.services.optimizer?.highs;
    const input = {
      target,
      instances: report.instances,
      utilization: util.lookback,
      offers: ctx.services.catalog.offers(),
      priceSnapshots: ctx.services.catalog.snapshotDates(),
      settings,
    };
    // Off the event loop when a planner is wired (src/workers).
    const planner = ctx.services.planner;
    const result = planner ? await planner.failover({ ...input, useHighs: !!highs }) : await planFailover({ ...input, ...(highs ? { highs } : {}) });
    const gaps = [...report.gaps, ...util.gaps];
    const plan = withReadGaps(result.plan, gaps);
    const r = result.report;
    const data = { plan, ...r, partial: gaps.length > 0, gaps };
    if (!r.feasible) {
      return { reply: reply({ title: plan.title, blocks: [...explanationBlocks(`Failover of ${raw} is not possible as asked:`, r.explanation), ...gapBlocks(gaps)] }), data };
    }
    if (plan.steps.length && ctx.services.proposals) {
      const proposal = await ctx.services.proposals.propose({ plan, requester: ctx.actor, surface: ctx.surface });
      return { reply: proposal.reply, data: { ...data, proposal: { id: proposal.id, data: proposal.data } } };
    }
    const blocks = [
      ...planBlocks(plan),
      ...quotaBlock(r.quotas.map((q) => ({ scope: q.scope, limit: q.limit, before: q.usedByHealthy, after: q.usedAfter, binding: q.binding }))),
      ...gapBlocks(gaps),
    ];
    return { reply: reply({ title: plan.title, blocks }), data };
  },
});
