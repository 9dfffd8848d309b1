/**
 * `npm run bench:optimizer` — our optimizer against the full model and against what a user would otherwise do,
 * on generated estates of 1,000 and 10,000 instances over the bundled catalog (355 offers in 11 regions): vCPU
 * quotas below today's use in every region (moves forced at a higher price), apps spread over 2–3 regions,
 * pinned apps, GPU apps (some without GPU metrics), Arm-capable apps (`steward:arch=any`) and a move budget.
 * Each size runs twice: without arch change (the tag alone) and with `--allow-arch-change` for everyone.
 *
 *  - ours:   planReallocation as `optimize` runs it (HiGHS wired, used only where our certified gap is above target);
 *  - peer:   HiGHS on the FULL per-instance model (bench/full-model.ts: every fitting offer, no shared pruning, no
 *            aggregation), in a worker with a time limit; where it proves optimality that is the reference optimum;
 *  - greedy: per-instance cheapest-fit rightsizing in place, idle instances stopped (single-VM recommenders).
 *
 * Every plan is checked by the independent feasibility checker (src/domain/optimizer/check.ts). `ours_ms` is the
 * median of three runs of the whole pipeline (instances → plan with steps, report and self-check); HiGHS runs once.
 * The last stdout line is one JSON object keyed by size; `with_arch_change` holds the second run's figures.
 */
import type { Offer } from '../src/domain/model/price.js';
import { checkPlan, type Decision } from '../src/domain/optimizer/check.js';
import { cpuArch, fits, indexOffers, monthlyUsd } from '../src/domain/optimizer/model.js';
import { planReallocation } from '../src/domain/optimizer/optimize.js';
import { toDecisions } from '../src/domain/optimizer/plan-steps.js';
import { DEFAULT_SETTINGS, type OptimizerSettings } from '../src/domain/optimizer/settings.js';
import { loadPriceCatalog } from '../src/pricing/catalog.js';
import { createHighsSolver } from '../src/solvers/highs.solver.js';
import { generate, quotasFor, type Estate } from './estates.js';
import { buildFullModel, buildReducedFullModel } from './full-model.js';

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
const HIGHS_LIMIT_MS = Number(process.env.BENCH_HIGHS_LIMIT_MS ?? 180_000);
/** HiGHS on the exactly reduced full model (bench/full-model.ts), the reference where the per-instance form proves nothing. */
const REF_LIMIT_MS = Number(process.env.BENCH_REF_LIMIT_MS ?? 600_000);
const MOVE_SHARE = Number(process.env.BENCH_MOVE_SHARE ?? 0.12);

const catalog = loadPriceCatalog();
const offers = catalog.offers();
const byDomain = indexOffers(offers);

/** What single-VM recommenders do: each instance on its own, cheapest fitting type in place; idle → stop. */
function greedy(e: Estate, s: OptimizerSettings): { decisions: Decision[]; savings: number } {
  const util = new Map(e.utilization.map((u) => [u.ref.id, u]));
  const idle = new Map(e.idle.map((u) => [u.ref.id, u]));
  const decisions: Decision[] = [];
  let savings = 0;
  for (const i of e.instances) {
    if (i.price.kind !== 'priced') continue;
    const key = `${i.provider}:${i.account}:${i.region}:${i.id}`;
    const now = monthlyUsd(i.price.hourlyMicros);
    if ((idle.get(i.id)?.cpuP95 ?? 100) < s.idleCpuPct) {
      decisions.push({ key, action: 'stop', provider: i.provider, region: i.region, type: i.type });
      savings += now;
      continue;
    }
    const u = util.get(i.id);
    if (!u) continue;
    const req = { reqVcpu: (u.cpuP95 / 100) * (i.vcpu ?? 0) * (1 + s.headroom), reqMemGiB: ((u.memP95 ?? 100) / 100) * (i.memoryGiB ?? 0) * (1 + s.headroom), reqGpu: i.gpu };
    const arch = cpuArch(i.provider, i.type);
    const best = (byDomain.get(`${i.provider}/${i.region}`) ?? []).find((o: Offer) => fits(o, req) && (s.allowArchChange || cpuArch(o.provider, o.type) === arch));
    if (best && best.type !== i.type && monthlyUsd(best.hourlyMicros) < now - 1e-9) {
      decisions.push({ key, action: 'resize', provider: i.provider, region: i.region, type: best.type, ...(i.zone ? { zone: i.zone } : {}) });
      savings += now - monthlyUsd(best.hourlyMicros);
    }
  }
  return { decisions, savings };
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

async function run(n: number, allowArchChange: boolean) {
  const e = generate(n, 20250101 + n);
  const base: OptimizerSettings = { ...DEFAULT_SETTINGS, allowArchChange, quotas: quotasFor(e), maxMoves: Math.round(n * MOVE_SHARE) };
  const input = { instances: e.instances, utilization: e.utilization, idleUtilization: e.idle, offers, priceSnapshots: catalog.snapshotDates(), settings: base };
  const highs = createHighsSolver();

  // Ours, as `optimize` runs it. Median of three runs: the machine is shared, and one run is at the mercy of its
  // neighbours.
  const times: number[] = [];
  let ours: Awaited<ReturnType<typeof planReallocation>> | undefined;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    ours = await planReallocation({ ...input, highs });
    times.push(performance.now() - t0);
    if (process.env.BENCH_VERBOSE) process.stderr.write(`  run ${i}: ${round(performance.now() - t0, 0)} ms ${JSON.stringify(ours.report.timingsMs)}\n`);
  }
  if (!ours) throw new Error('no run');
  const oursMs = [...times].sort((a, b) => a - b)[1] as number;
  const violations = ours.report.feasible ? checkPlan({ ...input, idleUtilization: e.idle, decisions: toDecisions(ours.placements) }) : [];

  // Peer: HiGHS on the full per-instance model, built from the estate alone.
  const full = buildFullModel(input);
  const t1 = performance.now();
  const res = process.env.BENCH_NO_PEER
    ? { status: 'timeout' as const, objective: NaN, values: [] as number[], bound: undefined, solver: 'highs', ms: 0 }
    : await highs.solve(full.model, { timeLimitMs: HIGHS_LIMIT_MS, mipRelGap: 1e-6 });
  const highsMs = performance.now() - t1;
  let highsViolations: number | null = null;
  let highsObjective: number | null = null;
  if (res.values.length) {
    const d = full.decode(res.values);
    highsObjective = d.objective;
    highsViolations = checkPlan({ ...input, decisions: d.decisions }).length;
  }
  const highsBound = res.bound !== undefined && Number.isFinite(res.bound) ? res.bound : undefined;

  // Reference: HiGHS on the same full model after two exact reductions (classes of identical instances, dominated
  // candidates dropped; proof in bench/full-model.ts). Its proven optimum is the full model's optimum.
  const reduced = buildReducedFullModel(input);
  const t2 = performance.now();
  const ref = process.env.BENCH_NO_PEER
    ? { status: 'timeout' as const, objective: NaN, values: [] as number[], bound: undefined, solver: 'highs', ms: 0 }
    : await highs.solve(reduced.model, { timeLimitMs: REF_LIMIT_MS, mipRelGap: 1e-9 });
  const refMs = performance.now() - t2;
  let refObjective: number | null = null;
  let refViolations: number | null = null;
  if (ref.values.length) {
    const d = reduced.decode(ref.values);
    refObjective = d.objective;
    refViolations = checkPlan({ ...input, decisions: d.decisions }).length;
  }
  const refProven = ref.status === 'optimal' && refViolations === 0 ? refObjective : null;
  const fullProven = res.status === 'optimal' && highsViolations === 0 ? highsObjective : null;
  // The per-instance model's own proof first; else the exactly reduced model's. A refuted infeasibility counts too.
  const proven = fullProven ?? refProven;
  const provenBy = fullProven !== null ? 'HiGHS on the full per-instance model' : refProven !== null ? 'HiGHS on the full model after exact reductions (bench/full-model.ts)' : null;
  const infeasibleProven = res.status === 'infeasible' || ref.status === 'infeasible';

  const g = greedy(e, base);
  const greedyViolations = checkPlan({ instances: e.instances, utilization: e.utilization, idleUtilization: e.idle, offers, settings: base, decisions: g.decisions });

  const ourBound = ours.solution.bound;
  const lowerBound = Math.max(ourBound, highsBound ?? -Infinity);
  const obj = ours.solution.objective;
  // Our bound must sit below every feasible full-model plan HiGHS found, and below its proven optimum.
  // The best feasible full-model plan anyone found (a proven optimum is one).
  const feasibleObjectives = [proven, highsObjective, refObjective].filter((x): x is number => x !== null);
  const bestKnown = feasibleObjectives.length ? Math.min(...feasibleObjectives) : null;
  const boundValid = ours.report.feasible ? (bestKnown === null ? null : ourBound <= bestKnown + 1e-6 * Math.max(1, bestKnown)) : null;
  const wrongInfeasible = !ours.report.feasible && bestKnown !== null ? 1 : 0;
  process.stderr.write(
    `${n} instances${allowArchChange ? ' (arch change allowed)' : ''}: ${ours.model.classes.length} classes, ${ours.solution.components} components, binding: ${ours.plan.binding?.filter((b) => !b.startsWith('HA')).join('; ')}; HA groups binding: ${ours.report.constraints.haGroups.filter((g) => g.binding).length}\n` +
      `  ours ${round(oursMs, 0)} ms objective ${round(obj)} bound ${round(ourBound)} | HiGHS full model ${res.status} ${round(highsMs, 0)} ms objective ${highsObjective === null ? '—' : round(highsObjective)} bound ${highsBound === undefined ? '—' : round(highsBound)} (${full.model.columns.length} columns, ${full.model.rows.length} rows)\n` +
      `  reference: HiGHS on the exactly reduced full model ${ref.status} ${round(refMs, 0)} ms objective ${refObjective === null ? '—' : round(refObjective)} (${reduced.classes} classes, ${reduced.model.columns.length} columns, ${reduced.model.rows.length} rows); full_optimum by ${provenBy ?? 'nobody'}\n` +
      `  timings: ${JSON.stringify(ours.report.timingsMs)}\n` +
      `  models: ${ours.plan.solver?.models?.map((m) => `${m.name} [${m.solver}, ${m.ms} ms]`).join(' | ')}\n`,
  );
  return {
    instances: n,
    classes: ours.model.classes.length,
    offers: offers.length,
    quotas: base.quotas.length,
    max_moves: base.maxMoves,
    allow_arch_change: allowArchChange,
    ours_ms: round(oursMs, 1),
    ours_ms_runs: times.map((t) => round(t, 1)),
    highs_ms: round(highsMs, 1),
    highs_full_ms: round(highsMs, 1),
    highs_status: res.status,
    highs_objective: highsObjective === null ? null : round(highsObjective),
    highs_bound: highsBound === undefined ? null : round(highsBound),
    highs_violations: highsViolations,
    highs_columns: full.model.columns.length,
    ours_objective: round(obj),
    ours_bound: round(ourBound),
    lower_bound: round(lowerBound),
    gap: round((obj - lowerBound) / lowerBound, 6),
    reduced_status: ref.status,
    reduced_ms: round(refMs, 1),
    reduced_objective: refObjective === null ? null : round(refObjective),
    reduced_violations: refViolations,
    reduced_columns: reduced.model.columns.length,
    reduction_agrees: fullProven !== null && refProven !== null ? Math.abs(fullProven - refProven) <= 1e-6 * Math.max(1, fullProven) : null,
    full_optimum: proven === null ? null : round(proven),
    full_optimum_by: provenBy,
    infeasible_proven: infeasibleProven,
    true_gap: proven === null || !ours.report.feasible ? null : round((obj - proven) / proven, 6),
    bound_valid: boundValid,
    wrong_infeasible: wrongInfeasible,
    our_savings: round(ours.report.savingsUsd),
    greedy_savings: round(g.savings),
    violations: violations.length,
    violation_kinds: [...new Set(violations.map((v) => v.rule))],
    greedy_violations: greedyViolations.length,
    greedy_violation_kinds: [...new Set(greedyViolations.map((v) => v.rule))],
    solvers: ours.plan.solver?.solver,
    faster_than_highs: oursMs < highsMs,
  };
}

// Warm-up (JIT) on a small estate, not reported.
{
  const e = generate(300, 7);
  await planReallocation({ instances: e.instances, utilization: e.utilization, idleUtilization: e.idle, offers, priceSnapshots: {}, settings: { ...DEFAULT_SETTINGS, quotas: quotasFor(e), maxMoves: 30 } });
}
const out: Record<string, unknown> = {};
for (const n of SIZES) {
  const plain = await run(n, false);
  const arch = process.env.BENCH_NO_ARCH ? null : await run(n, true);
  out[String(n)] = { ...plain, with_arch_change: arch };
}
process.stdout.write(JSON.stringify(out) + '\n');
