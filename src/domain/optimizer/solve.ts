/**
 * Solving the class model: the orchestration. Each stage lives in its own file.
 *
 *   1. decompose.ts   split into components linked by potentially binding rows or HA groups;
 *   2. (here)         components without shared rows: each class's cheapest option, HA groups by their exact
 *                     representative assignment (ha.ts, hungarian.ts);
 *   3. (here)         small components: exact MILP in yalps;
 *   4. lagrangian.ts  larger ones: Lagrangian bound (cutting planes, yalps master);
 *   5. rounding.ts    Dantzig–Wolfe master over the best responses, rounded;
 *   6. repair.ts      make every row hold;
 *   7. local-search.ts feasible improving moves;
 *   8. (here)         HiGHS on the component's MILP when the certified gap is above target.
 *
 * The bound of every component is reported as computed, never clamped: a bound above the objective is an
 * internal error (OptimizerBoundError), not something to hide.
 */
import { AppError } from '../model/errors.js';
import type { SolverPort } from '../ports/solver.port.js';
import { copyAssignment, emptyAssignment, objectiveOf, objectiveOfClasses, type Assignment } from './assignment.js';
import { components, type Component } from './decompose.js';
import { lagrange, respond } from './lagrangian.js';
import { buildLinearModel } from './linear.js';
import { improve } from './local-search.js';
import { potentiallyBinding, type ClassModel, type Klass } from './model.js';
import { repair } from './repair.js';
import { roundMaster } from './rounding.js';
import { solveWithYalps } from './yalps-solver.js';

export type { Assignment } from './assignment.js';
export { objectiveOf, usageOf } from './assignment.js';
export { hungarian } from './hungarian.js';

export interface ModelReport {
  name: string;
  solver: string;
  variables: number;
  ms: number;
}

export interface Infeasibility {
  row: number;
  shortBy: number;
  message: string;
}

export interface ModelSolution {
  assignment: Assignment;
  /**
   * When not feasible: true when infeasibility is proven on the full model (an exact MILP or the LP relaxation
   * says so); false when no plan was found within the time limits, which proves nothing.
   */
  infeasibleProven: boolean;
  objective: number;
  bound: number;
  gap: number;
  feasible: boolean;
  infeasible: Infeasibility[];
  /** Final multipliers per row (0 for rows that never bind). */
  lambda: number[];
  models: ModelReport[];
  components: number;
  /** Which solver served which part of the model: the plan and the bound of each component (or group of them). */
  parts: SolvedPart[];
}

export interface SolvedPart {
  part: string;
  instances: number;
  /** What produced the plan of this part. */
  plan: string;
  /** What proved its lower bound (a bound of the full model restricted to the part). */
  bound: string;
}

export interface SolveDeps {
  highs?: SolverPort;
  /** Exact yalps MILP up to this many integer columns. */
  yalpsMaxIntegers?: number;
  targetGap: number;
  highsTimeLimitMs: number;
  /** Forbid HiGHS (benchmark: ours must not lean on it). */
  noHighs?: boolean;
}

/** A lower bound above a feasible objective: a defect in the solver, reported instead of hidden. */
export class OptimizerBoundError extends AppError {
  constructor(what: string, bound: number, objective: number) {
    super('OPTIMIZER.BOUND_ABOVE_OBJECTIVE', `internal error: the lower bound of ${what} (${bound}) is above a feasible objective (${objective})`, {
      userMessage: 'The optimizer hit an internal error (its lower bound is above a feasible plan). Nothing was proposed; please report it.',
      details: { bound, objective },
    });
    this.name = 'OptimizerBoundError';
  }
}

const BOUND_TOL = 1e-6;


export function assertBound(what: string, bound: number, objective: number): void {
  if (bound > objective + BOUND_TOL * Math.max(1, Math.abs(objective))) throw new OptimizerBoundError(what, bound, objective);
}

interface ComponentResult {
  /** undefined: no feasible assignment found. */
  objective?: number;
  bound: number;
  /** Which solver produced the plan and the bound (SolvedPart). */
  planBy?: string;
  boundBy?: string;
  failure?: { row: number; over: number };
  /** An exact solver proved the component infeasible. */
  proven?: boolean;
}

interface Ctx {
  m: ClassModel;
  a: Assignment;
  deps: SolveDeps;
  models: ModelReport[];
  lambda: number[];
}

function intCount(m: ClassModel, comp: Component): number {
  let n = 0;
  for (const kid of comp.classes) n += (m.classes[kid] as Klass).options.length;
  for (const gi of comp.groups) n += new Set((m.ha[gi]?.classes ?? []).flatMap((kid) => (m.classes[kid] as Klass).options.map((o) => o.domain))).size;
  return n;
}

function labelOf(m: ClassModel, comp: Component): string {
  return `component of ${comp.classes.length} classes (${comp.classes.reduce((s, k) => s + (m.classes[k] as Klass).n, 0)} instances), ${comp.rows.length} shared rows`;
}

function adopt(target: Assignment, source: Assignment, comp: Component): void {
  for (const kid of comp.classes) target.counts[kid] = [...(source.counts[kid] as number[])];
}

/** Stage 3: an exact MILP in yalps; undefined when yalps does not finish. */
function exactSmall(c: Ctx, comp: Component): ComponentResult | undefined {
  const label = labelOf(c.m, comp);
  const built = buildLinearModel(c.m, { name: label, classIds: comp.classes, groupIds: comp.groups, rowIds: comp.rows });
  // A node limit decides, not the clock: the same input gives the same plan on a busy machine.
  const res = solveWithYalps(built.model, { timeLimitMs: Infinity, maxNodes: 4000 });
  if (res.status === 'optimal') {
    c.models.push({ name: `${label}: exact MILP`, solver: 'yalps', variables: built.model.columns.length, ms: res.ms });
    adopt(c.a, built.decode(res.values), comp);
    return { objective: res.objective, bound: res.objective, planBy: 'yalps (exact MILP)', boundBy: 'yalps (exact MILP: optimal)' };
  }
  if (res.status === 'infeasible') {
    const trial = copyAssignment(c.a);
    respond(c.m, comp, new Float64Array(c.m.rows.length), trial);
    const rep = repair(c.m, trial);
    return { bound: Infinity, failure: rep.ok ? { row: comp.rows[0] ?? -1, over: 0 } : rep, proven: true };
  }
  return undefined;
}

/** Stages 4–7: Lagrangian bound, Dantzig–Wolfe rounding, repair, local search. */
function lagrangianRoundRepair(c: Ctx, comp: Component): ComponentResult & { assignment?: Assignment } {
  const { m } = c;
  const label = labelOf(m, comp);
  // Iteration limits decide, never the clock (a busy machine must not change the plan).
  const lg = lagrange(m, comp, copyAssignment(c.a));
  c.models.push({ name: `${label}: Lagrangian master LP ×${lg.masters}`, solver: 'yalps', variables: comp.rows.length + 1, ms: lg.masterMs });
  const t1 = performance.now();
  const lam = new Float64Array(m.rows.length);
  comp.rows.forEach((r, i) => (lam[r] = lg.lambda[i] as number));
  lg.lambda.forEach((v, i) => (c.lambda[comp.rows[i] as number] = v));
  let best: { a: Assignment; obj: number } | undefined;
  let failure: { row: number; over: number } | undefined;
  const finish = (trial: Assignment, prices: Float64Array) => {
    const rep = repair(m, trial, prices);
    if (!rep.ok) {
      failure = rep;
      return;
    }
    improve(m, trial);
    const obj = objectiveOfClasses(m, trial, comp.classes);
    if (!best || obj < best.obj - 1e-9) best = { a: trial, obj };
  };
  const fromResponse = (start: Float64Array, prices: Float64Array) => {
    const trial = copyAssignment(c.a);
    respond(m, comp, start, trial);
    finish(trial, prices);
  };
  {
    const trial = copyAssignment(c.a);
    const rounded = roundMaster(m, comp, lg.columns, trial);
    c.models.push({ name: `${label}: Dantzig–Wolfe master LP over ${rounded.vars} best responses`, solver: 'yalps', variables: rounded.vars, ms: rounded.ms });
    if (rounded.ok) finish(trial, lam);
  }
  fromResponse(lam, lam);
  fromResponse(new Float64Array(m.rows.length), lam);
  // Still nothing feasible: raise the price of the row the repair could not fix and respond again.
  for (let tries = 0; !best && failure && failure.row >= 0 && tries < 12; tries++) {
    const raised = Float64Array.from(lam);
    raised[failure.row] = Math.max(lam[failure.row] ?? 0, 1) * 2 ** (tries + 1);
    fromResponse(raised, raised);
  }
  c.models.push({ name: `${label}: round and repair`, solver: 'greedy', variables: intCount(m, comp), ms: performance.now() - t1 });
  const found = best as { a: Assignment; obj: number } | undefined;
  return {
    bound: lg.bound,
    planBy: 'yalps (Dantzig–Wolfe master LP, rounded) + repair + local search',
    boundBy: 'Lagrangian relaxation (yalps cutting-plane master LPs)',
    ...(found ? { objective: found.obj, assignment: found.a } : {}),
    ...(failure ? { failure } : {}),
  };
}

/** Stage 8: HiGHS on the component's MILP; the better solution and the better bound win. */
async function polishWithHighs(c: Ctx, comp: Component, r: ComponentResult & { assignment?: Assignment }): Promise<ComponentResult & { assignment?: Assignment }> {
  const highs = c.deps.highs;
  if (!highs || c.deps.noHighs) return r;
  const gap = r.objective === undefined ? Infinity : (r.objective - r.bound) / Math.max(1e-9, Math.abs(r.bound));
  if (gap <= c.deps.targetGap) return r;
  const label = labelOf(c.m, comp);
  const built = buildLinearModel(c.m, { name: label, classIds: comp.classes, groupIds: comp.groups, rowIds: comp.rows });
  const res = await highs.solve(built.model, { timeLimitMs: c.deps.highsTimeLimitMs, mipRelGap: c.deps.targetGap / 2 });
  c.models.push({ name: `${label}: MILP`, solver: 'highs', variables: built.model.columns.length, ms: res.ms });
  const out = { ...r };
  if ((res.status === 'optimal' || res.status === 'feasible') && (out.objective === undefined || res.objective < out.objective - 1e-9)) {
    out.assignment = built.decode(res.values);
    out.objective = res.objective;
    out.planBy = `HiGHS (MILP, ${res.status})`;
  }
  if (res.bound !== undefined && Number.isFinite(res.bound) && res.bound > out.bound) {
    out.bound = res.bound;
    out.boundBy = 'HiGHS (MILP dual bound)';
  }
  if (res.status === 'infeasible') {
    out.bound = Infinity;
    out.proven = true;
  }
  return out;
}

/** The component's LP relaxation is infeasible (yalps simplex): a proof that no plan exists. */
function lpInfeasible(c: Ctx, comp: Component): boolean {
  const built = buildLinearModel(c.m, { name: labelOf(c.m, comp), classIds: comp.classes, groupIds: comp.groups, rowIds: comp.rows });
  const res = solveWithYalps(built.model, { timeLimitMs: 5000, relax: true });
  c.models.push({ name: `${labelOf(c.m, comp)}: LP relaxation (feasibility)`, solver: 'yalps', variables: built.model.columns.length, ms: res.ms });
  return res.status === 'infeasible';
}

/** Solves the whole class model, component by component. */
export async function solveClassModel(m: ClassModel, deps: SolveDeps): Promise<ModelSolution> {
  const comps = components(m, potentiallyBinding(m));
  const c: Ctx = { m, a: emptyAssignment(m), deps, models: [], lambda: m.rows.map(() => 0) };
  const infeasible: Infeasibility[] = [];
  let bound = 0;
  const independent = { count: 0, classes: 0, instances: 0, ms: 0 };
  let unproven = false;
  const parts: SolvedPart[] = [];
  const instancesOf = (comp: Component) => comp.classes.reduce((t, k) => t + (m.classes[k] as Klass).n, 0);

  for (const comp of comps) {
    const t0 = performance.now();
    if (comp.rows.length === 0) {
      const value = respond(m, comp, new Float64Array(m.rows.length), c.a).value;
      bound += value;
      independent.count++;
      independent.classes += comp.classes.length;
      independent.instances += instancesOf(comp);
      independent.ms += performance.now() - t0;
      continue;
    }
    let r: ComponentResult & { assignment?: Assignment } | undefined = intCount(m, comp) <= (deps.yalpsMaxIntegers ?? 40) ? exactSmall(c, comp) : undefined;
    if (!r) r = await polishWithHighs(c, comp, lagrangianRoundRepair(c, comp));
    if (r.objective === undefined) {
      if (!r.proven) r.proven = lpInfeasible(c, comp);
      if (!r.proven) unproven = true;
      infeasible.push({ row: r.failure?.row ?? -1, shortBy: r.failure?.over ?? 0, message: '' });
      continue;
    }
    if (r.assignment) adopt(c.a, r.assignment, comp);
    assertBound(labelOf(m, comp), r.bound, r.objective);
    bound += r.bound;
    parts.push({ part: labelOf(m, comp), instances: instancesOf(comp), plan: r.planBy ?? 'unknown', bound: r.boundBy ?? 'unknown' });
  }
  if (independent.count) {
    parts.unshift({
      part: `${independent.count} independent component${independent.count === 1 ? '' : 's'} (${independent.classes} classes, no shared constraint that can bind)`,
      instances: independent.instances,
      plan: 'exact enumeration (each class its cheapest option; HA groups by exact min-cost assignment)',
      bound: 'exact enumeration (optimal)',
    });
    c.models.unshift({ name: `${independent.count} independent components (${independent.classes} classes): cheapest option per class, HA groups by exact assignment`, solver: 'exact enumeration', variables: independent.classes, ms: independent.ms });
  }
  const feasible = infeasible.length === 0;
  const objective = feasible ? objectiveOf(m, c.a) : NaN;
  if (feasible) assertBound('the model', bound, objective);
  return {
    assignment: c.a,
    infeasibleProven: !feasible && !unproven,
    objective,
    bound,
    gap: feasible ? Math.max(0, (objective - bound) / Math.max(1e-9, Math.abs(bound))) : NaN,
    feasible,
    infeasible,
    lambda: c.lambda,
    models: c.models,
    components: comps.length,
    parts,
  };
}
