/**
 * `failover <region|provider>`: replacement capacity for every running workload of an unhealthy region or
 * provider, in healthy regions/providers of the same residency, covering each workload's requirement within the
 * quotas at minimum monthly cost (distance to the original region breaks ties). Infeasible → an explanation that
 * names the binding constraint, never a partial plan.
 */
import { geographyOf, regionDistanceKm, type Cloud } from '../model/cloud.js';
import { isBilling, refOf, type Instance, type Utilization } from '../model/instance.js';
import type { Plan, PlanStep } from '../model/plan.js';
import type { Offer } from '../model/price.js';
import type { SolverPort } from '../ports/solver.port.js';
import { HOURS_PER_MONTH } from '../../lib/money.js';
import { checkPlan, type Violation } from './check.js';
import { aggregate, attachRows, buildRows, cmpStr, cpuArch, indexOffers, optionsFor, quotaCovers, type ClassModel, type Option } from './model.js';
import { decode, requirementText, stepIds, toDecisions, usd } from './plan-steps.js';
import { quotaLabel, type OptimizerSettings } from './settings.js';
import { solveClassModel, usageOf } from './solve.js';
import { solveWithYalps } from './yalps-solver.js';
import { buildWorkloads, domainOf, withKnownAccounts, type Workload } from './workloads.js';

export interface FailoverTarget {
  region?: string;
  provider?: Cloud;
}

export interface FailoverInput {
  target: FailoverTarget;
  instances: readonly Instance[];
  utilization: readonly Utilization[];
  offers: readonly Offer[];
  priceSnapshots: Partial<Record<Cloud, string>>;
  settings: OptimizerSettings;
  highs?: SolverPort;
}

export interface FailoverReport {
  target: string;
  feasible: boolean;
  explanation: string[];
  objectiveUsd: number | null;
  lowerBoundUsd: number | null;
  gap: number | null;
  affected: number;
  monthlyBeforeUsd: number;
  monthlyAfterUsd: number;
  replacedMonthlyUsd: number;
  replacementMonthlyUsd: number;
  replacements: {
    name: string;
    from: { provider: Cloud; region: string; type: string };
    to: { provider: Cloud; region: string; type: string; zone?: string };
    reqVcpu: number;
    reqMemGiB: number;
    monthlyBeforeUsd: number;
    monthlyAfterUsd: number;
    distanceKm: number | null;
  }[];
  quotas: { scope: string; limit: number; usedByHealthy: number; usedAfter: number; binding: boolean }[];
  violations: Violation[];
}

const r2 = (n: number) => Math.round(n * 100) / 100;
const GEO_LABEL: Record<string, string> = { eu: 'EU', us: 'US', apac: 'APAC', other: 'other' };

export function failedScope(t: FailoverTarget): (provider: string, region: string) => boolean {
  return (provider, region) => (t.region !== undefined && region === t.region) || (t.provider !== undefined && provider === t.provider);
}

export async function planFailover(input: FailoverInput): Promise<{ plan: Plan; report: FailoverReport }> {
  const t = input.target;
  const isFailed = failedScope(t);
  const label = t.region ?? t.provider ?? '?';
  // Failover must leave the failed scope, so moves across regions are on whatever the optimize settings say; the
  // objective is the run-rate (egress and risk do not decide where a replacement goes).
  const s: OptimizerSettings = { ...withKnownAccounts(input.settings, input.instances), crossRegion: true, stopIdle: false, egressUsdPerGiB: { region: 0, provider: 0 }, riskUsd: { region: 0, provider: 0 } };
  const billing = input.instances.filter((i) => isBilling(i.state));
  const affected = billing.filter((i) => isFailed(i.provider, i.region));
  const healthy = billing.filter((i) => !isFailed(i.provider, i.region));
  const explanation: string[] = [];

  // Without utilization a replacement is sized like for like.
  const have = new Set(input.utilization.map((u) => `${u.ref.provider}:${u.ref.account}:${u.ref.region}:${u.ref.id}`));
  const factor = 1 + s.headroom;
  const synthetic: Utilization[] = affected
    .filter((i) => !have.has(`${i.provider}:${i.account}:${i.region}:${i.id}`))
    .map((i) => ({ ref: refOf(i), windowDays: 0, samples: 0, cpuP50: 100 / factor, cpuP95: 100 / factor, memP95: 100 / factor }));
  // Unpriced instances are still replaced when their size is known (their old price just counts as unknown).
  const sized = affected.map((i) => (i.price.kind === 'priced' || i.vcpu === null ? i : { ...i, price: { kind: 'priced' as const, hourlyMicros: 0, snapshotDate: '', source: 'unpriced' } }));
  const { workloads, excluded } = buildWorkloads(sized, [...input.utilization, ...synthetic], [], s);
  for (const e of excluded) explanation.push(`${e.inst.name} cannot be replaced: ${e.reason}.`);

  const byDomain = indexOffers(input.offers);
  const items = workloads.map((w) => {
    const { options } = optionsFor(
      { ...w, providers: w.providers.filter((p) => t.provider === undefined || p !== t.provider) },
      byDomain,
      s,
      { allowStay: false, excludeDomain: (d) => isFailed(d.split('/')[0] as string, d.split('/')[1] as string) },
    );
    for (const o of options) o.cost = o.runUsd + s.latencyUsdPerKm * (regionDistanceKm(w.inst.region, o.region) ?? 20_000);
    return { w, options, stay: -1 };
  });
  for (const it of items) {
    if (it.options.length) continue;
    explanation.push(noPlaceText(it.w, t, byDomain, s, isFailed));
  }

  const { classes } = aggregate(items.filter((it) => it.options.length > 0));
  const rows = buildRows(s.quotas, (q) => healthy.reduce((sum, i) => sum + (quotaCovers(q, i.provider, i.region) ? (i.vcpu ?? 0) : 0), 0), undefined);
  // A failover only adds capacity: an existing overrun by healthy instances is not its to fix, just leaves 0.
  for (const row of rows) row.cap = Math.max(0, row.cap);
  const model: ClassModel = { classes, rows, ha: [] };
  attachRows(classes, rows);

  // Capacity: the least total quota overrun any fractional placement needs (an LP); positive = infeasible.
  if (explanation.length === 0 && rows.length && classes.length) {
    const shortage = quotaShortage(model);
    if (shortage.total > 1e-6) explanation.push(...shortageText(model, shortage.byRow, isFailed));
  }

  let solution: Awaited<ReturnType<typeof solveClassModel>> | undefined;
  if (explanation.length === 0 && classes.length) {
    solution = await solveClassModel(model, { ...(input.highs ? { highs: input.highs } : {}), targetGap: s.targetGap, highsTimeLimitMs: s.highsTimeLimitMs });
    if (!solution.feasible) {
      const byRow = new Map<number, number>();
      for (const inf of solution.infeasible) if (inf.row >= 0) byRow.set(inf.row, inf.shortBy);
      explanation.push(...(byRow.size ? shortageText(model, byRow, isFailed) : ['No whole-instance placement fits the quotas.']));
    }
  }
  const feasible = explanation.length === 0;
  const placements = feasible && solution ? decode(model, solution.assignment) : [];
  const offerByKey = new Map(input.offers.map((o) => [`${o.provider}|${o.region}|${o.type}`, o]));
  const accounts = new Map<Cloud, string>();
  for (const i of [...input.instances].sort((a, b) => cmpStr(a.account, b.account))) if (!accounts.has(i.provider)) accounts.set(i.provider, i.account);

  const ids = stepIds();
  const steps: PlanStep[] = [];
  const replacements: FailoverReport['replacements'] = [];
  for (const p of [...placements].sort((a, b) => cmpStr(a.w.inst.name, b.w.inst.name))) {
    const { w, option: o } = p;
    const inst = w.inst;
    const newHourly = offerByKey.get(`${o.provider}|${o.region}|${o.type}`)?.hourlyMicros ?? 0;
    const before = w.hourlyMicros * HOURS_PER_MONTH;
    const after = newHourly * HOURS_PER_MONTH;
    const name = `${inst.name}-${o.region}`;
    const km = regionDistanceKm(inst.region, o.region) ?? null;
    const base = { target: refOf(inst), targetName: inst.name };
    const snap = ids.next();
    const create = ids.next();
    const crossProvider = o.provider !== inst.provider;
    steps.push(
      { ...base, id: snap, kind: 'snapshot', expect: { type: inst.type }, reason: `seed ${name} from ${inst.name}'s disks (${w.diskGiB} GiB); if ${label} cannot serve it, use the latest existing snapshot or image`, risk: 'low' },
      {
        ...base,
        id: create,
        kind: 'create',
        expect: { type: inst.type },
        placement: { provider: o.provider, account: crossProvider ? (accounts.get(o.provider) ?? '') : inst.account, region: o.region, ...(p.zone ? { zone: p.zone } : {}), type: o.type },
        name,
        fromSnapshotStep: snap,
        tags: { ...inst.tags, 'steward:failover-of': `${inst.provider}/${inst.region}/${inst.name}` },
        reason: `${requirementText(w, s)}; ${o.type} (${o.vcpu} vCPU, ${o.memoryGiB} GiB) in ${o.provider} ${o.region} (${geographyOf(o.region).toUpperCase()}${km !== null ? `, ${km} km away` : ''}) is the cheapest healthy fit within quota at ${usd(after / 1e6)}/month; it is created running`,
        monthlyDeltaMicros: after,
        risk: crossProvider ? 'critical' : 'medium',
      },
      { ...base, id: ids.next(), kind: 'tag', tags: { 'steward:replaced-by': `${o.provider}/${o.region}/${name}` }, expect: {}, reason: `record that ${name} (${create}) replaces it`, risk: 'low' },
      { ...base, id: ids.next(), kind: 'stop', expect: { state: 'running' }, reason: `stop the original where ${label} still reaches it (a failure here leaves the replacement in place)`, monthlyDeltaMicros: -before, risk: 'medium' },
    );
    replacements.push({
      name: inst.name,
      from: { provider: inst.provider, region: inst.region, type: inst.type },
      to: { provider: o.provider, region: o.region, type: o.type, ...(p.zone ? { zone: p.zone } : {}) },
      reqVcpu: w.reqVcpu,
      reqMemGiB: w.reqMemGiB,
      monthlyBeforeUsd: r2(before / 1e6),
      monthlyAfterUsd: r2(after / 1e6),
      distanceKm: km,
    });
  }

  const estateMonthly = billing.reduce((sum, i) => sum + (i.price.kind === 'priced' ? i.price.hourlyMicros * HOURS_PER_MONTH : 0), 0);
  const delta = steps.reduce((sum, x) => sum + (x.monthlyDeltaMicros ?? 0), 0);
  const usage = solution && feasible ? usageOf(model, solution.assignment) : rows.map(() => 0);
  const quotas = rows.map((row, r) => ({
    scope: quotaLabel(row.quota as NonNullable<typeof row.quota>),
    limit: row.limit,
    usedByHealthy: row.fixed,
    usedAfter: row.fixed + (usage[r] ?? 0),
    binding: feasible ? row.limit - (row.fixed + (usage[r] ?? 0)) < minVcpu(model, r) : explanation.some((e) => e.includes(quotaLabel(row.quota as NonNullable<typeof row.quota>))),
  }));
  const violations = feasible
    ? checkPlan({ instances: input.instances, utilization: [...input.utilization, ...synthetic], idleUtilization: [], offers: input.offers, settings: s, decisions: toDecisions(placements), failed: t })
    : [];
  const replaced = replacements.reduce((sum, x) => sum + x.monthlyBeforeUsd, 0);
  const replacement = replacements.reduce((sum, x) => sum + x.monthlyAfterUsd, 0);
  const solver = solution && feasible
    ? {
        solver: [...new Set(solution.models.map((x) => x.solver))].join(' + '),
        objective: r2(solution.objective),
        lowerBound: r2(solution.bound),
        gap: Math.round(solution.gap * 1e6) / 1e6,
        models: solution.models.map((x) => ({ name: x.name, solver: x.solver, variables: x.variables, ms: Math.round(x.ms * 10) / 10 })),
        ...(Number.isFinite(solution.bound) ? { boundOf: 'full model' as const } : {}),
        parts: solution.parts,
      }
    : undefined;
  const plan: Plan = {
    kind: 'failover',
    title: feasible
      ? affected.length
        ? `Failover ${label}: replace ${affected.length} instance${affected.length === 1 ? '' : 's'} in healthy regions for ${usd(replacement)}/month`
        : `Failover ${label}: nothing runs there`
      : `Failover ${label}: not possible within the constraints`,
    steps: feasible ? steps : [],
    totals: { beforeMonthlyMicros: estateMonthly, afterMonthlyMicros: feasible ? estateMonthly + delta : estateMonthly, savingsMonthlyMicros: feasible ? -delta : 0 },
    ...(solver ? { solver } : {}),
    binding: feasible ? quotas.filter((q) => q.binding).map((q) => `vCPU quota ${q.scope}: ${q.usedAfter} of ${q.limit} used`) : explanation,
    priceSnapshots: input.priceSnapshots,
  };
  return {
    plan,
    report: {
      target: label,
      feasible,
      explanation,
      objectiveUsd: solver ? solver.objective : null,
      lowerBoundUsd: solver ? solver.lowerBound : null,
      gap: solver ? solver.gap : null,
      affected: affected.length,
      monthlyBeforeUsd: r2(estateMonthly / 1e6),
      monthlyAfterUsd: r2((feasible ? estateMonthly + delta : estateMonthly) / 1e6),
      replacedMonthlyUsd: r2(replaced),
      replacementMonthlyUsd: r2(replacement),
      replacements,
      quotas,
      violations,
    },
  };
}

/**
 * Why a workload has no healthy place, truthfully: its pins allow only the failed provider; or types fit in its
 * geography but only on the other CPU architecture (an Arm instance where the healthy providers offer x86 only),
 * which `--allow-arch-change` or the tag `steward:arch=any` allows; or nothing of its size exists there at all.
 */
function noPlaceText(w: Workload, t: FailoverTarget, byDomain: Map<string, Offer[]>, s: OptimizerSettings, isFailed: (provider: string, region: string) => boolean): string {
  const providers = w.providers.filter((p) => p !== t.provider);
  if (providers.length === 0) {
    return `${w.inst.name} is pinned to ${w.providers.join(', ') || w.inst.provider} (tags or config), which is the failed provider: no healthy place is allowed.`;
  }
  const geos = w.geographies.map((g) => GEO_LABEL[g] ?? g).join('/');
  const need = `${w.reqVcpu.toFixed(1)} vCPU / ${w.reqMemGiB.toFixed(1)} GiB${w.reqGpu ? ` / ${w.reqGpu} GPU` : ''}`;
  const where = `healthy regions of ${geos} on ${providers.join(', ')}`;
  if (!w.archAny) {
    const other = optionsFor({ ...w, providers, archAny: true }, byDomain, s, { allowStay: false, excludeDomain: (d) => isFailed(d.split('/')[0] as string, d.split('/')[1] as string) }).options;
    const cheapest = [...other].sort((a, b) => a.runUsd - b.runUsd || cmpStr(a.domain, b.domain) || cmpStr(a.type, b.type))[0];
    if (cheapest) {
      const arch = cpuArch(w.inst.provider, w.inst.type) === 'arm' ? 'Arm' : 'x86';
      const otherArch = arch === 'Arm' ? 'x86' : 'Arm';
      return (
        `${w.inst.name} runs on ${arch} (${w.inst.type}) and needs ${need}: the ${where} offer no ${arch} type that fits, but ${other.length} ${otherArch} type${other.length === 1 ? '' : 's'} do ` +
        `(cheapest: ${cheapest.type} in ${cheapest.provider} ${cheapest.region} at ${usd(cheapest.runUsd)}/month). ` +
        `If its image runs on ${otherArch}, rerun with --allow-arch-change or tag it (or its app) steward:arch=any.`
      );
    }
  }
  return `${w.inst.name} needs ${need} within ${geos} on ${providers.join(', ')}, and no healthy region there offers a type that fits.`;
}

function minVcpu(m: ClassModel, r: number): number {
  let min = Infinity;
  for (const k of m.classes) for (const o of k.options) for (const [rr, v] of o.rows) if (rr === r && v > 0) min = Math.min(min, v);
  return Number.isFinite(min) ? min : 1;
}

/** min Σ slack s.t. every class is placed (fractionally) and usage − slack ≤ cap per quota row (yalps LP). */
function quotaShortage(m: ClassModel): { total: number; byRow: Map<number, number> } {
  const columns: { name: string; cost: number; coefs: [number, number][] }[] = [];
  const rows = [...m.rows.map((r) => ({ name: r.name, upper: r.cap })), ...m.classes.map((k) => ({ name: `n${k.id}`, lower: k.n, upper: k.n }))];
  for (const k of m.classes) {
    k.options.forEach((o: Option, j) => columns.push({ name: `x${k.id}_${j}`, cost: 0, coefs: [...o.rows, [m.rows.length + k.id, 1]] }));
  }
  const slackStart = columns.length;
  m.rows.forEach((r, i) => columns.push({ name: `slack${i}`, cost: 1, coefs: [[i, -1]] }));
  const res = solveWithYalps({ name: 'quota shortage', columns, rows }, { timeLimitMs: 2000 });
  const byRow = new Map<number, number>();
  if (res.status !== 'optimal') return { total: res.status === 'infeasible' ? Infinity : 0, byRow };
  m.rows.forEach((_, i) => {
    const v = res.values[slackStart + i] ?? 0;
    if (v > 1e-6) byRow.set(i, v);
  });
  return { total: res.objective, byRow };
}

/**
 * "EU quota short by 32 vCPU (aws eu-west-1: 32 of 44 vCPU free; …)": the least total overrun (LP) per
 * geography, with every quota of that geography and what it has free, so a reader can check it.
 */
function shortageText(m: ClassModel, byRow: Map<number, number>, isFailed: (provider: string, region: string) => boolean): string[] {
  const keyOf = (q: NonNullable<ClassModel['rows'][number]['quota']>) => (q.region ? (GEO_LABEL[geographyOf(q.region)] ?? 'other') : `${q.provider} (all regions)`);
  const short = new Map<string, number>();
  for (const [r, v] of byRow) {
    const q = m.rows[r]?.quota;
    if (q) short.set(keyOf(q), (short.get(keyOf(q)) ?? 0) + v);
  }
  return [...short].map(([key, v]) => {
    const parts = m.rows
      .filter((row) => row.quota && keyOf(row.quota) === key && !isFailed(row.quota.provider, row.quota.region ?? ''))
      .map((row) => `${quotaLabel(row.quota as NonNullable<typeof row.quota>)}: ${Math.max(0, row.limit - row.fixed)} of ${row.limit} vCPU free`);
    return `${key} quota short by ${Math.ceil(v - 1e-6)} vCPU (${parts.join('; ')}).`;
  });
}

export { domainOf };
