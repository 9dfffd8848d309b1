/**
 * The direct risky commands (`stop`, `start`, `resize`): find the instance by name or id, re-read it, and turn
 * the change into a one-step proposal that waits for approval like any other plan.
 */
import type { CommandContext, CommandOutput } from '../src/core/command.js';
import { AppError, NotFoundError, NothingChangedError, UsageError } from '../src/core/errors.js';
import { echoed } from '../src/core/args.js';
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
    const close = query.length > 0 ? all.filter((i) => i.name.toLowerCase().includes(query.toLowerCase())).slice(0, 5) : [];
    const hint = close.length ? ` Did you mean ${close.map((i) => code(i.name)).join(', ')}?` : ` Type ${code('inventory')} to list instances.`;
    throw new NotFoundError('INSTANCE.NOT_FOUND', `No instance is named or has the id ${code(echoed(query))}.${hint}`);
  }
  if (found.length > 1) {
    throw new UsageError(
      `${found.length} instances are named ${code(query)}: ${found.map((i) => `${i.provider} ${i.region} ${code(i.id)}`).join(', ')}. Give the id instead.`,
    );
  }
  const chosen = found[0] as Instance;
  // The cache may be minutes old: plan against the instance as it is now.
  const live = await ctx.services.inventory.describe(refOf(chosen));
  if (!live) throw new NotFoundError('INSTANCE.NOT_FOUND', `${chosen.name} (${chosen.id}) no longer exists.`);
  return live;
}

/** "a t3.small", "an aws type": the article a word takes when spoken. */
export function article(word: string): string {
  return /^(?:[aeio]|u(?![nrs]i)|[fhlmnrsx](?:[\d.-]|$)|aws|azure)/i.test(word) ? 'an' : 'a';
}

function monthlyAfter(i: Instance, kind: DirectKind, catalog: PriceCatalog, toType?: string): number {
  const hourly = (type: string) => {
    const p = catalog.price(i.provider, i.region, type);
    // A resize target is always priced (directPlan refuses others); an instance whose own type is unpriced counts
    // as 0 before and after, as its run-rate does everywhere else.
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
  if (kind === 'stop' && i.state !== 'running' && i.state !== 'pending') throw new NothingChangedError('INSTANCE.STATE', `${i.name} is ${i.state}; only a running instance can be stopped. Nothing was proposed.`);
  if (kind === 'start' && i.state !== 'stopped') throw new NothingChangedError('INSTANCE.STATE', `${i.name} is ${i.state}; only a stopped instance can be started. Nothing was proposed.`);
  if (kind === 'resize') {
    if (!toType) throw new UsageError('Which type? e.g. `resize web-1 t3.small`');
    if (toType === i.type) throw new NothingChangedError('INSTANCE.STATE', `${i.name} already has type ${code(echoed(toType))}; nothing was proposed.`);
    const price = catalog.price(i.provider, i.region, toType);
    if (price.kind !== 'priced' && !catalog.shape(i.provider, toType)) {
      throw new UsageError(`${code(echoed(toType))} is not ${article(i.provider)} ${i.provider} type Steward knows in ${i.region}.`);
    }
    // An unpriced type is never $0: a resize to it would claim the whole current price as savings.
    if (price.kind !== 'priced') {
      throw new UsageError(
        `Steward knows ${code(toType)} but has no ${i.provider} price for it in ${i.region} (${price.reason}), so it cannot show what the resize would cost; nothing was proposed. Pick a type the catalog prices (\`inventory\` shows prices), or refresh the catalog.`,
      );
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
