/** Flags and helpers shared by `optimize` and `failover` (not a command itself). */
import { UsageError } from '../src/core/errors.js';
import type { CommandContext } from '../src/core/command.js';
import { code, context, table, text, type Block } from '../src/core/reply.js';
import { CLOUDS, knownRegionNames, type Cloud } from '../src/domain/model/cloud.js';
import type { Instance, Utilization } from '../src/domain/model/instance.js';
import { isBilling } from '../src/domain/model/instance.js';
import type { Plan } from '../src/domain/model/plan.js';
import { DEFAULT_SETTINGS, parseQuotas, type OptimizerSettings } from '../src/domain/optimizer/settings.js';
import type { Gap } from '../src/domain/ports/cloud-provider.port.js';

export const QUOTA_FLAG = {
  kind: 'string',
  multiple: true,
  placeholder: 'provider[/region]=vCPU',
  description: 'a vCPU quota for this run, e.g. aws/eu-west-1=96 or gcp=256 (adds to / overrides STEWARD_OPT_QUOTAS)',
} as const;
export const HEADROOM_FLAG = { kind: 'int', min: 0, max: 300, placeholder: 'percent', description: 'headroom over the observed P95 (default 20)' } as const;
export const LOOKBACK_FLAG = { kind: 'int', min: 1, max: 93, placeholder: 'days', description: 'lookback window for the P95 requirement (default 14)' } as const;

/** The clouds some configured provider answers for (STEWARD_PROVIDERS; the demo estate covers all three). */
export function enabledClouds(ctx: CommandContext): Cloud[] {
  const served = new Set(ctx.services.inventory.providers().flatMap((p) => p.clouds));
  return CLOUDS.filter((c) => served.has(c));
}

/**
 * Regions Steward can name: every region the price catalog covers, the regions the providers have told it about,
 * and, when `estate` is given, every region instances live in (regions come from the providers, not a table).
 */
export function knownRegions(ctx: CommandContext, estate: readonly Instance[] = []): Set<string> {
  return new Set([...knownRegionNames(), ...ctx.services.catalog.regions(), ...estate.map((i) => i.region)]);
}

/**
 * Known regions, reading the estate (cached) only when `wanted` names one Steward has not seen yet, so a region
 * that only the providers know (instances in ap-southeast-2, no price there) is accepted.
 */
export async function knownRegionsFor(ctx: CommandContext, wanted: readonly string[]): Promise<Set<string>> {
  const known = knownRegions(ctx);
  if (wanted.every((r) => known.has(r))) return known;
  const report = await ctx.services.inventory.collect({});
  return knownRegions(ctx, report.instances);
}

/** `--provider` must be an enabled cloud and `--region` a region Steward knows; otherwise say what to type. */
export async function validateScopeFlags(ctx: CommandContext, flags: { provider?: readonly Cloud[]; region?: readonly string[] }): Promise<void> {
  const enabled = enabledClouds(ctx);
  for (const p of flags.provider ?? []) {
    if (!enabled.includes(p)) {
      throw new UsageError(`--provider ${code(p)}: ${p} is not enabled here (STEWARD_PROVIDERS); use ${enabled.map((c) => code(`--provider ${c}`)).join(' or ') || 'no --provider'}.`);
    }
  }
  const known = await knownRegionsFor(ctx, flags.region ?? []);
  for (const r of flags.region ?? []) {
    if (!known.has(r)) throw new UsageError(`--region ${code(r)} is not a region Steward knows; use one of ${[...known].sort().join(', ')}.`);
  }
}

/** Config defaults overridden by this run's flags. */
export function settingsFor(ctx: CommandContext, flags: { quota?: string[]; headroom?: number | undefined; lookback?: number | undefined }): OptimizerSettings {
  const base = ctx.services.optimizer?.settings ?? DEFAULT_SETTINGS;
  let quotas = base.quotas;
  if (flags.quota?.length) {
    let extra;
    try {
      extra = parseQuotas(flags.quota.join(','));
    } catch (err) {
      throw new UsageError(`${(err as Error).message}.`);
    }
    const key = (q: { provider: string; region?: string }) => `${q.provider}/${q.region ?? ''}`;
    const override = new Set(extra.map(key));
    quotas = [...base.quotas.filter((q) => !override.has(key(q))), ...extra];
  }
  // Plans only ever place workloads on clouds that are configured here (an allow-list narrows that further).
  const enabled = enabledClouds(ctx);
  const allowedProviders = base.allowedProviders?.length ? base.allowedProviders.filter((c) => enabled.includes(c)) : enabled;
  return {
    ...base,
    allowedProviders,
    quotas,
    ...(flags.headroom !== undefined ? { headroom: flags.headroom / 100 } : {}),
    ...(flags.lookback !== undefined ? { lookbackDays: flags.lookback } : {}),
  };
}

/**
 * P95 over the lookback and over the idle window, for the instances that bill. A metrics call that fails costs
 * its own instances' utilization and comes back as a gap (once per place, though both windows ask), not a failed command.
 */
export async function utilizationFor(ctx: CommandContext, instances: readonly Instance[], s: OptimizerSettings, withIdle: boolean): Promise<{ lookback: Utilization[]; idle: Utilization[]; gaps: Gap[] }> {
  const refs = instances.filter((i) => isBilling(i.state));
  const gaps: Gap[] = [];
  const onGap = (g: Gap) => {
    if (!gaps.some((x) => x.provider === g.provider && x.account === g.account && x.region === g.region && x.code === g.code)) gaps.push(g);
  };
  const [lookback, idle] = await Promise.all([
    ctx.services.inventory.utilization(refs, { days: s.lookbackDays }, { onGap }),
    withIdle ? ctx.services.inventory.utilization(refs, { days: s.idleDays }, { onGap }) : Promise.resolve([]),
  ]);
  return { lookback, idle, gaps };
}

/** The plan, marked with the parts of the estate it could not see (its card, audit row and approval say so). */
export function withReadGaps(plan: Plan, gaps: readonly Gap[]): Plan {
  if (!gaps.length) return plan;
  return { ...plan, readGaps: gaps.map((g) => ({ provider: g.provider, ...(g.account ? { account: g.account } : {}), ...(g.region ? { region: g.region } : {}), code: g.code, message: g.message, ...(g.advice ? { advice: g.advice } : {}) })) };
}

export function explanationBlocks(title: string, lines: readonly string[]): Block[] {
  return [text(`**${title}**\n${lines.map((l) => `- ${l}`).join('\n')}`)];
}

export function quotaBlock(rows: { scope: string; limit: number; before: number; after: number; binding: boolean }[]): Block[] {
  if (!rows.length) return [];
  return [
    table(
      ['vCPU quota', { label: 'Limit', align: 'right' }, { label: 'Before', align: 'right' }, { label: 'After', align: 'right' }, 'Binds'],
      rows.map((q) => [q.scope, String(q.limit), String(q.before), String(q.after), q.binding ? 'yes' : '']),
    ),
  ];
}

export function noteBlock(t: string): Block {
  return context(t);
}
