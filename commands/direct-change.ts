/**
 * The direct risky commands (`stop`, `start`, `resize`): find the instance by name or id, re-read it, and turn
 * the change into a one-step proposal that waits for approval like any other plan.
 */
import type { CommandContext, CommandOutput } from '../src/core/command.js';
import { AppError, UsageError } from '../src/core/errors.js';
import { code } from '../src/core/reply.js';
import { monthlyRunRate } from '../src/domain/inventory/cost.js';
import { refOf, type Instance } from '../src/domain/model/instance.js';
import type { Plan, PlanStep } from '../src/domain/model/plan.js';
import type { PriceCatalog } from '../src/domain/ports/price-catalog.port.js';
import { HOURS_PER_MONTH } from '../src/lib/money.js';

export type DirectKind = 'start' | 'stop' | 'resize';

/** The instance a person means by `query` (exact id, then exact name, then name ignoring case). */
export async function resolveInstance(ctx: CommandContext, query: string): Promise<Instance> {
  const report = await ctx.services.inventory.collect({});
  const all = report.instances;
  let found = all.filter((i) => i.id === query);
  if (found.length === 0) found = all.filter((i) => i.name === query);
  if (found.length === 0) found = all.filter((i) => i.name.toLowerCase() === query.toLowerCase());
  if (found.length === 0) {
    const close = all.filter((i) => i.name.toLowerCase().includes(query.toLowerCase())).slice(0, 5);
    const hint = close.length ? ` Did you mean ${close.map((i) => code(i.name)).join(', ')}?` : ` Type ${code('inventory')} to list instances.`;
    throw new UsageError(`No instance is named or has the id ${code(query)}.${hint}`);
  }
  if (found.length > 1) {
    throw new UsageError(
      `${found.length} instances are named ${code(query)}: ${found.map((i) => `${i.provider} ${i.region} ${code(i.id)}`).join(', ')}. Give the id instead.`,
    );
  }
  const chosen = found[0] as Instance;
  // The cache may be minutes old: plan against the instance as it is now.
  const live = await ctx.services.inventory.describe(refOf(chosen));
  if (!live) throw new UsageError(`${chosen.name} (${chosen.id}) no longer exists.`);
  return live;
}

function monthlyAfter(i: Instance, kind: DirectKind, catalog: PriceCatalog, toType?: string): number {
  const hourly = (type: string) => {
    const p = catalog.price(i.provider, i.region, type);
    return p.kind === 'priced' ? p.hourlyMicros : 0;
  };
  switch (kind) {
    case 'stop':
      return 0;
    case 'start':
      return hourly(i.type) * HOURS_PER_MONTH;
    case 'resize':
      return i.state === 'stopped' ? 0 : hourly(toType ?? i.type) * HOURS_PER_MONTH;
  }
}

/** A one-step plan, refusing what cannot work on the instance as it is. */
export function directPlan(i: Instance, kind: DirectKind, catalog: PriceCatalog, requester: string, toType?: string): Plan {
  if (kind === 'stop' && i.state !== 'running' && i.state !== 'pending') throw new UsageError(`${i.name} is ${i.state}; only a running instance can be stopped.`);
  if (kind === 'start' && i.state !== 'stopped') throw new UsageError(`${i.name} is ${i.state}; only a stopped instance can be started.`);
  if (kind === 'resize') {
    if (!toType) throw new UsageError('Which type? e.g. `resize web-1 t3.small`');
    if (toType === i.type) throw new UsageError(`${i.name} already has type ${toType}.`);
    if (catalog.price(i.provider, i.region, toType).kind !== 'priced' && !catalog.shape(i.provider, toType)) {
      throw new UsageError(`${code(toType)} is not a ${i.provider} type Steward knows in ${i.region}.`);
    }
  }
  const before = monthlyRunRate(i);
  const after = monthlyAfter(i, kind, catalog, toType);
  const base = {
    id: 's1',
    target: refOf(i),
    targetName: i.name,
    expect: { state: i.state, type: i.type },
    reason: `asked for directly by ${requester}`,
    monthlyDeltaMicros: after - before,
  };
  const step: PlanStep = kind === 'resize' ? { ...base, kind, toType: toType as string } : { ...base, kind };
  const title = kind === 'resize' ? `Resize ${i.name} to ${toType}` : `${kind === 'stop' ? 'Stop' : 'Start'} ${i.name}`;
  const snapshot = catalog.snapshotDates()[i.provider];
  return {
    kind: 'direct',
    title,
    steps: [step],
    totals: { beforeMonthlyMicros: before, afterMonthlyMicros: after, savingsMonthlyMicros: before - after },
    priceSnapshots: snapshot ? { [i.provider]: snapshot } : {},
  };
}

export async function proposeDirect(ctx: CommandContext, kind: DirectKind, query: string, toType?: string): Promise<CommandOutput> {
  const proposals = ctx.services.proposals;
  if (!proposals) throw new AppError('APPROVALS.OFF', 'no proposals api', { userMessage: 'Changes need approvals, which are not available in this deployment.' });
  const inst = await resolveInstance(ctx, query);
  const plan = directPlan(inst, kind, ctx.services.catalog, ctx.actor.displayName, toType);
  // The cloud's own rules (CPU architecture, hypervisor, size family…), asked of its adapter before anyone approves.
  for (const step of plan.steps) {
    const refusal = await ctx.services.inventory.providerFor(inst.provider).vetStep?.(step);
    if (refusal) throw new UsageError(`Not proposed: ${refusal}`);
  }
  const out = await proposals.propose({ plan, requester: ctx.actor, surface: ctx.surface });
  return { reply: out.reply, data: out.data };
}
