/**
 * `optimize`: rightsizing and placement of the whole estate across regions and providers, as one model.
 * Pure: the command gathers instances, utilization and offers; this returns a Plan and the figures behind it.
 */
import { geographyOf, type Cloud } from '../model/cloud.js';
import { isBilling, type Instance, type Utilization } from '../model/instance.js';
import type { Plan, PlanStep, SolverReport } from '../model/plan.js';
import type { Offer } from '../model/price.js';
import type { SolverPort } from '../ports/solver.port.js';
import { formatUsd, HOURS_PER_MONTH } from '../../lib/money.js';
import { buildOptimizeModel } from './build.js';
import { checkPlan, type Violation } from './check.js';
import { cmpStr, coef, fits, monthlyUsd, quotaCovers, type ClassModel, type Klass, type Option } from './model.js';
import { decode, optimizeSteps, stepIds, toDecisions, type Placement } from './plan-steps.js';
import { quotaLabel, type OptimizerSettings } from './settings.js';
import { emptyAssignment } from './assignment.js';
import { explainModel, explanationText } from './explain.js';
import { solveClassModel, usageOf, type Assignment, type ModelSolution } from './solve.js';
import { buildWorkloads, withKnownAccounts } from './workloads.js';

export interface OptimizeInput {
  instances: readonly Instance[];
  utilization: readonly Utilization[];
  idleUtilization: readonly Utilization[];
  offers: readonly Offer[];
  priceSnapshots: Partial<Record<Cloud, string>>;
  settings: OptimizerSettings;
  highs?: SolverPort;
  /** Benchmark: keep HiGHS out of our own solve. */
  noHighs?: boolean;
}

export interface QuotaUse {
  scope: string;
  limit: number;
  usedBefore: number;
  usedAfter: number;
  binding: boolean;
}

export interface ChangeRow {
  name: string;
  id: string;
  action: 'stop' | 'resize' | 'move';
  from: { provider: Cloud; region: string; type: string; zone?: string };
  to: { provider: Cloud; region: string; type: string; zone?: string } | null;
  cpuP95: number;
  memP95: number | null;
  idleCpuP95: number | null;
  reqVcpu: number;
  reqMemGiB: number;
  monthlyBeforeUsd: number;
  monthlyAfterUsd: number;
  migrationOneOffUsd: number;
  migrationMonthlyUsd: number;
  risk: string;
}

export interface OptimizeReport {
  feasible: boolean;
  explanation: string[];
  objectiveUsd: number;
  lowerBoundUsd: number;
  gap: number;
  monthlyBeforeUsd: number;
  monthlyAfterUsd: number;
  savingsUsd: number;
  amortizedMigrationUsd: number;
  instances: { billing: number; modelled: number; classes: number; components: number; excluded: { name: string; reason: string }[] };
  changes: ChangeRow[];
  constraints: {
    quotas: QuotaUse[];
    moves: { used: number; max: number | null; binding: boolean };
    haGroups: { group: string; regionsBefore: string[]; regionsAfter: string[]; binding: boolean }[];
    residencyKept: number;
    pinsKept: number;
  };
  violations: Violation[];
  /** Where the time went: model building, solving, plan steps, the independent check, the report. */
  timingsMs: Record<string, number>;
  settings: Record<string, unknown>;
}

export interface OptimizeResult {
  plan: Plan;
  report: OptimizeReport;
  /** For the benchmark and tests. */
  placements: Placement[];
  solution: ModelSolution;
  model: ClassModel;
}

const r2 = (n: number) => Math.round(n * 100) / 100;
const ms = (n: number) => Math.round(n * 10) / 10;

export async function planReallocation(input: OptimizeInput): Promise<OptimizeResult> {
  const s = withKnownAccounts(input.settings, input.instances);
  const t0 = performance.now();
  const { workloads, excluded } = buildWorkloads(input.instances, input.utilization, input.idleUtilization, s);
  const fixed = excluded.map((e) => e.inst);
  const model = buildOptimizeModel(workloads, fixed, input.offers, s);
  const billing = input.instances.filter((i) => isBilling(i.state));
  const explanation: string[] = [];
  const t1 = performance.now();

  const usedToday = (q: OptimizerSettings['quotas'][number]) => billing.reduce((t, i) => t + (quotaCovers(q, i.provider, i.region) ? (i.vcpu ?? 0) : 0), 0);
  // Proofs first: a quota no plan can meet, or a move budget below what the quotas need, on the full model.
  const why = explainModel(model);
  const provenUpfront = why.quotas.length > 0 || why.moves !== undefined;
  const solution: ModelSolution = provenUpfront
    ? { assignment: emptyAssignment(model), infeasibleProven: true, objective: NaN, bound: Infinity, gap: NaN, feasible: false, infeasible: [], lambda: model.rows.map(() => 0), models: [{ name: 'full model: least quota use and fewest moves the quotas need', solver: 'exact bounds', variables: model.classes.length, ms: 0 }], components: 0, parts: [] }
    : await solveClassModel(model, {
        ...(input.highs ? { highs: input.highs } : {}),
        targetGap: s.targetGap,
        highsTimeLimitMs: s.highsTimeLimitMs,
        ...(input.noHighs ? { noHighs: true } : {}),
      });

  const t2 = performance.now();
  if (!solution.feasible) {
    const text = explanationText(model, why, (row) => (row.quota ? usedToday(row.quota) : 0));
    if (text.length) explanation.push(...text);
    else if (solution.infeasibleProven) {
      const rows = model.rows.map((r) => (r.kind === 'quota' && r.quota ? `${quotaLabel(r.quota)} ≤ ${r.limit} vCPU` : `at most ${r.limit} changes`));
      explanation.push(`No plan satisfies these constraints together (the full model's relaxation is infeasible): ${rows.join('; ')}${model.ha.length ? `, with ${model.ha.length} app${model.ha.length === 1 ? '' : 's'} kept on as many regions as today` : ''}.`);
    } else {
      explanation.push('No plan was found within the time limit. That does not prove none exists: try again with a larger solver time limit, or fewer constraints.');
    }
  }

  const placements = solution.feasible ? decode(model, solution.assignment) : [];
  const offerByKey = new Map(input.offers.map((o) => [`${o.provider}|${o.region}|${o.type}`, o]));
  const accounts = new Map<Cloud, string>();
  for (const i of [...input.instances].sort((a, b) => cmpStr(a.account, b.account))) if (!accounts.has(i.provider)) accounts.set(i.provider, i.account);
  const ids = stepIds();
  const order = { stop: 0, resize: 1, move: 2, stay: 3 } as const;
  const changed = placements
    .filter((p) => p.option.kind !== 'stay')
    .sort((a, b) => order[a.option.kind] - order[b.option.kind] || b.option.cost - a.option.cost || cmpStr(a.w.inst.name, b.w.inst.name));
  const steps: PlanStep[] = [];
  const changes: ChangeRow[] = [];
  for (const p of changed) {
    const o = p.option;
    const newHourly = o.kind === 'stop' ? undefined : offerByKey.get(`${o.provider}|${o.region}|${o.type}`)?.hourlyMicros;
    const st = optimizeSteps(p, s, ids, newHourly, (c) => accounts.get(c) ?? '');
    steps.push(...st);
    const inst = p.w.inst;
    changes.push({
      name: inst.name,
      id: inst.id,
      action: o.kind as ChangeRow['action'],
      from: { provider: inst.provider, region: inst.region, type: inst.type, ...(inst.zone ? { zone: inst.zone } : {}) },
      to: o.kind === 'stop' ? null : { provider: o.provider, region: o.region, type: o.type, ...(p.zone ? { zone: p.zone } : {}) },
      cpuP95: p.w.cpuP95,
      memP95: p.w.memP95,
      idleCpuP95: p.w.idleCpuP95,
      reqVcpu: p.w.reqVcpu,
      reqMemGiB: p.w.reqMemGiB,
      monthlyBeforeUsd: r2(monthlyUsd(p.w.hourlyMicros)),
      monthlyAfterUsd: r2(o.runUsd),
      migrationOneOffUsd: r2(o.oneOffUsd),
      migrationMonthlyUsd: r2(o.migrationUsd),
      risk: st.find((x) => x.kind !== 'snapshot')?.risk ?? 'low',
    });
  }

  const beforeMicros = billing.reduce((t, i) => t + (i.price.kind === 'priced' ? i.price.hourlyMicros * HOURS_PER_MONTH : 0), 0);
  const deltaMicros = steps.reduce((t, x) => t + (x.monthlyDeltaMicros ?? 0), 0);
  const afterMicros = beforeMicros + deltaMicros;

  // Constraints, as a reader can check them.
  const t3 = performance.now();
  const decisions = toDecisions(placements);
  const violations = solution.feasible
    ? checkPlan({ instances: input.instances, utilization: input.utilization, idleUtilization: input.idleUtilization, offers: input.offers, settings: s, decisions })
    : [];
  const t4 = performance.now();
  const blocked = blockedRows(model, solution.assignment);
  const usage = usageOf(model, solution.assignment);
  const quotas: QuotaUse[] = model.rows.flatMap((row, r) =>
    row.kind === 'quota' && row.quota
      ? [{ scope: quotaLabel(row.quota), limit: row.limit, usedBefore: usedToday(row.quota), usedAfter: solution.feasible ? row.fixed + (usage[r] ?? 0) : usedToday(row.quota), binding: blocked[r] ?? false }]
      : [],
  );
  const movesRow = model.rows.findIndex((x) => x.kind === 'moves');
  const movesUsed = changed.length;
  const ha = haReport(model, solution.assignment);
  const kept = solution.feasible ? keptBy(model, solution.assignment, input.offers, s) : { residency: 0, pins: 0 };
  const binding: string[] = [];
  for (const q of quotas) if (q.binding) binding.push(`vCPU quota ${q.scope}: ${q.usedAfter} of ${q.limit} used`);
  if (movesRow >= 0 && blocked[movesRow]) binding.push(`move budget: ${movesUsed} of ${s.maxMoves} changes`);
  for (const g of ha) if (g.binding) binding.push(`HA spread of ${g.group.replace('|', '/')}: stays on ${g.regionsAfter.length} regions (${g.regionsAfter.join(', ')})`);
  if (kept.residency) binding.push(`residency: ${kept.residency} workload${kept.residency === 1 ? '' : 's'} would be cheaper outside ${kept.residency === 1 ? 'its' : 'their'} geography`);
  if (kept.pins) binding.push(`provider pins/allow-lists: ${kept.pins} workload${kept.pins === 1 ? '' : 's'} would be cheaper on another provider`);

  const solvers = [...new Set(solution.models.map((x) => x.solver))];
  const solver: SolverReport = {
    solver: solvers.join(' + ') || 'none',
    objective: r2(solution.objective),
    lowerBound: r2(solution.bound),
    gap: Number.isFinite(solution.gap) ? Math.round(solution.gap * 1e6) / 1e6 : NaN,
    models: solution.models.map((x) => ({ name: x.name, solver: x.solver, variables: x.variables, ms: Math.round(x.ms * 10) / 10 })),
    ...(solution.feasible && Number.isFinite(solution.bound) ? { boundOf: 'full model' as const } : {}),
    parts: solution.parts,
  };
  const savings = beforeMicros - afterMicros;
  const plan: Plan = {
    kind: 'optimize',
    title: solution.feasible
      ? steps.length
        ? `Optimize: save ${formatUsd(savings)}/month by changing ${changed.length} instance${changed.length === 1 ? '' : 's'} in ${steps.length} step${steps.length === 1 ? '' : 's'}`
        : 'Optimize: nothing to change — the estate is already at its cheapest within the constraints'
      : solution.infeasibleProven
        ? 'Optimize: no feasible plan'
        : 'Optimize: no plan found',
    steps,
    totals: { beforeMonthlyMicros: beforeMicros, afterMonthlyMicros: afterMicros, savingsMonthlyMicros: savings },
    solver,
    binding: solution.feasible ? binding : explanation,
    priceSnapshots: input.priceSnapshots,
  };
  const amortized = changed.reduce((t, p) => t + p.option.migrationUsd, 0);
  return {
    plan,
    placements,
    solution,
    model,
    report: {
      feasible: solution.feasible,
      explanation,
      objectiveUsd: r2(solution.objective),
      lowerBoundUsd: r2(solution.bound),
      gap: solver.gap,
      monthlyBeforeUsd: r2(beforeMicros / 1e6),
      monthlyAfterUsd: r2(afterMicros / 1e6),
      savingsUsd: r2(savings / 1e6),
      amortizedMigrationUsd: r2(amortized),
      instances: {
        billing: billing.length,
        modelled: workloads.length,
        classes: model.classes.length,
        components: solution.components,
        excluded: excluded.map((e) => ({ name: e.inst.name, reason: e.reason })),
      },
      changes,
      constraints: {
        quotas,
        moves: { used: movesUsed, max: s.maxMoves ?? null, binding: movesRow >= 0 && (blocked[movesRow] ?? false) },
        haGroups: ha.map((g) => ({ group: g.group, regionsBefore: g.regionsBefore, regionsAfter: g.regionsAfter, binding: g.binding })),
        residencyKept: kept.residency,
        pinsKept: kept.pins,
      },
      violations,
      timingsMs: { model: ms(t1 - t0), solve: ms(t2 - t1), steps: ms(t3 - t2), check: ms(t4 - t3), report: ms(performance.now() - t4) },
      settings: {
        headroomPct: Math.round(s.headroom * 100),
        lookbackDays: s.lookbackDays,
        idleRule: s.stopIdle ? `p95 CPU < ${s.idleCpuPct}% over ${s.idleDays} d` : 'off',
        maxMoves: s.maxMoves ?? null,
        quotas: s.quotas,
        amortizeMonths: s.amortizeMonths,
        egressUsdPerGiB: s.egressUsdPerGiB,
        riskUsd: s.riskUsd,
        crossRegion: s.crossRegion,
        crossProvider: s.crossProvider,
        allowedProviders: s.allowedProviders ?? null,
      },
    },
  };
}

/** A row binds when it blocks a cheaper option for some unit: moving that unit would break it. */
export function blockedRows(m: ClassModel, a: Assignment): boolean[] {
  const usage = usageOf(m, a);
  const out = m.rows.map(() => false);
  for (const k of m.classes as Klass[]) {
    const counts = a.counts[k.id] ?? [];
    k.options.forEach((oa, ia) => {
      if (!counts[ia]) return;
      k.options.forEach((ob: Option) => {
        if (ob.cost >= oa.cost - 1e-7) return;
        m.rows.forEach((row, r) => {
          const d = coef(ob, r) - coef(oa, r);
          if (d > 0 && (usage[r] ?? 0) + d > row.cap + 1e-9) out[r] = true;
        });
      });
    });
  }
  return out;
}

/**
 * Per HA group: regions before and after; the spread binds when every class on its own cheapest option would
 * occupy too few regions and the plan pays more than that for the group.
 */
function haReport(m: ClassModel, a: Assignment) {
  return m.ha.map((g) => {
    const after = new Set<string>(g.fixed);
    let chosen = 0;
    let alone = 0;
    const cheapestRegions = new Set<string>();
    for (const kid of g.classes) {
      const k = m.classes[kid] as Klass;
      let best: Option | undefined;
      k.options.forEach((o, j) => {
        const n = a.counts[kid]?.[j] ?? 0;
        if (n && o.kind !== 'stop') after.add(o.domain);
        chosen += n * o.cost;
        if (!best || o.cost < best.cost - 1e-9) best = o;
      });
      if (best) {
        alone += k.n * best.cost;
        if (!g.fixed.includes(best.domain)) cheapestRegions.add(best.domain);
      }
    }
    return { group: g.key, regionsBefore: g.before, regionsAfter: [...after].sort(cmpStr), binding: cheapestRegions.size < g.need && alone < chosen - 1e-6 };
  });
}

/**
 * How many workloads residency (resp. provider pins) keep from a cheaper fitting offer (run-rate only). Members
 * of a class share their candidates, so one representative per class and option answers for all of them.
 */
function keptBy(m: ClassModel, a: Assignment, offers: readonly Offer[], s: OptimizerSettings) {
  let residency = 0;
  let pins = 0;
  for (const k of m.classes as Klass[]) {
    const w = k.members[0];
    if (!w) continue;
    k.options.forEach((opt, j) => {
      const n = a.counts[k.id]?.[j] ?? 0;
      if (!n || opt.kind === 'stop') return;
      let geoBlocked = false;
      let pinBlocked = false;
      for (const o of offers) {
        if (monthlyUsd(o.hourlyMicros) >= opt.runUsd - 1e-6 || !fits(o, w)) continue;
        const geoOk = w.geographies.includes(geographyOf(o.region)) || (o.provider === w.inst.provider && o.region === w.inst.region);
        const provOk = w.providers.includes(o.provider);
        if (!geoOk && provOk && s.crossRegion) geoBlocked = true;
        if (geoOk && !provOk) pinBlocked = true;
      }
      if (geoBlocked) residency += n;
      if (pinBlocked) pins += n;
    });
  }
  return { residency, pins };
}
