/** Gathers what a digest needs (estate, utilization, history, posture) and builds it; shared by `digest` and its buttons. */
import type { CommandContext } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import type { ImageBlock } from '../src/core/reply.js';
import { buildCostDigest, type CostDigest } from '../src/domain/digests/cost-digest.js';
import { addDay, dayOf, seedHistory, snapshotOf } from '../src/domain/digests/cost-history.js';
import { isBilling, type Instance, type Utilization } from '../src/domain/model/instance.js';
import type { Gap } from '../src/domain/ports/cloud-provider.port.js';
import { compareWithPrevious, type SecurityChanges, type SecurityReport } from '../src/domain/security/report.js';
import { DEFAULT_SETTINGS } from '../src/domain/optimizer/settings.js';
import { securityReport } from './security.command.js';
import { usd } from './digest-format.js';

export function digestServices(ctx: CommandContext) {
  const d = ctx.services.digests;
  if (!d) throw new UsageError('Digests need the database-backed digest services, which are not enabled here.');
  return d;
}

/**
 * Today's snapshot of the run-rate, taken once a day (the first build of the day; the scheduler's daily job too).
 * A new demo installation also gets its 60 days of seeded history, in one batched insert, on first use.
 */
export async function ensureCostHistory(ctx: CommandContext, instances: Parameters<typeof snapshotOf>[0], today: string): Promise<void> {
  const d = digestServices(ctx);
  const rows = snapshotOf(instances, today);
  const known = await d.store.costHistoryDays();
  if (known === 0 && d.seedHistory) await d.store.saveCostSnapshot([...seedHistory(rows, today), ...rows]);
  else await d.store.saveCostSnapshot(rows);
}

export async function buildCost(ctx: CommandContext, cadence: 'daily' | 'weekly', opts: { alreadyReported?: ReadonlySet<string> } = {}): Promise<{ digest: CostDigest; chart: ImageBlock | undefined; gaps: Gap[] }> {
  const d = digestServices(ctx);
  const now = ctx.clock.now();
  const today = dayOf(now);
  const report = await ctx.services.inventory.collect();
  await ensureCostHistory(ctx, report.instances, today);
  const settings = ctx.services.optimizer?.settings ?? DEFAULT_SETTINGS;
  const [history, utilization] = await Promise.all([d.store.costHistory(addDay(today, -65)), utilizationOf(ctx, report.instances, settings.idleDays)]);
  const digestInput = {
    today,
    cadence,
    instances: report.instances,
    utilization,
    history,
    offers: ctx.services.catalog.offers(),
    anomaly: d.anomaly,
    idle: { cpuPct: settings.idleCpuPct, underusedCpuPct: 20, headroom: settings.headroom },
  };
  // Off the event loop when a planner is wired (src/workers).
  const digest = ctx.services.planner ? await ctx.services.planner.costDigest(digestInput) : buildCostDigest(digestInput);
  if (opts.alreadyReported?.size) digest.anomalies = digest.anomalies.filter((a) => !opts.alreadyReported?.has(anomalyKey(a)));
  return { digest, chart: await chartOf(ctx, digest), gaps: report.gaps };
}

/**
 * Utilization of one inventory reading, kept as long as that reading is (the inventory cache hands out the same
 * instances array until its TTL runs out), so repeated digests and previews do not ask the clouds again.
 */
const utilizationCache = new WeakMap<readonly Instance[], Map<number, Promise<Utilization[]>>>();
function utilizationOf(ctx: CommandContext, instances: readonly Instance[], days: number): Promise<Utilization[]> {
  let byDays = utilizationCache.get(instances);
  if (!byDays) utilizationCache.set(instances, (byDays = new Map()));
  let p = byDays.get(days);
  if (!p) {
    p = ctx.services.inventory.utilization(instances.filter((i) => isBilling(i.state)), { days });
    byDays.set(days, p);
    p.catch(() => byDays?.delete(days));
  }
  return p;
}

export const anomalyKey = (a: { scope: string; day: string }) => `${a.scope}:${a.day}`;

let lastChart: { key: string; png: Awaited<ReturnType<NonNullable<NonNullable<CommandContext['services']['digests']>['charts']>['trend']>> } | undefined;

async function chartOf(ctx: CommandContext, d: CostDigest): Promise<ImageBlock | undefined> {
  const charts = ctx.services.digests?.charts;
  const known = d.series.actual.filter((x): x is number => x !== null);
  if (!charts || known.length < 2) return undefined;
  const marks = d.anomalies.filter((a) => a.scope === 'total').map((a) => d.series.days.indexOf(a.day)).filter((i) => i >= 0);
  try {
    // 540×220 without a drawn title: small enough (~16 KB base64) to sit inline in a Teams card (24 KB) with the digest.
    const input = { title: '', days: d.series.days, actual: d.series.actual, expected: d.series.expected, low: d.series.low, high: d.series.high, anomalies: marks, width: 540, height: 220 };
    // The same series draws the same picture: reuse the last one (previews and several subscriptions on one day).
    const key = JSON.stringify(input);
    const png = lastChart?.key === key ? lastChart.png : await charts.trend(input);
    lastChart = { key, png };
    const first = d.series.days[d.series.actual.findIndex((x) => x !== null)];
    const alt =
      `Daily cost over the last 30 days (all clouds): ${usd(known[0] as number)} on ${first} to ${usd(known.at(-1) as number)} on ${d.series.days.at(-1)}` +
      (d.anomalies.some((a) => a.scope === 'total') ? `, anomalies on ${d.anomalies.filter((a) => a.scope === 'total').map((a) => a.day).join(', ')}` : '') +
      '; dashed: expected, shaded: 80% band.';
    return { type: 'image', title: 'Daily cost, last 30 days (all clouds)', alt, pngBase64: Buffer.from(png.png).toString('base64'), width: png.width, height: png.height };
  } catch (err) {
    ctx.log.warn({ err: { message: (err as Error).message } }, 'trend chart not rendered');
    return undefined;
  }
}

export async function buildSecurity(ctx: CommandContext, previous: { at: string; keys: readonly string[] } | undefined): Promise<{ report: SecurityReport; changes: SecurityChanges; gaps: Gap[] }> {
  const { report, gaps } = await securityReport(ctx);
  return { report, changes: compareWithPrevious(report, previous), gaps };
}
