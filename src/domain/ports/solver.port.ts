/**
 * The port every LP/MILP solver implements. The optimizer builds solver-neutral models (minimize c·x subject
 * to row bounds, column bounds and integrality) and hands them to a solver: yalps in-process for the models it
 * carries, HiGHS in a worker thread (src/solvers/) for the ones beyond it.
 */

export interface LinearColumn {
  name: string;
  /** Objective coefficient (minimized). */
  cost: number;
  /** Default 0. */
  lower?: number;
  /** Default +∞. */
  upper?: number;
  integer?: boolean;
  /** Non-zero coefficients: [row index, value]. */
  coefs: [number, number][];
}

export interface LinearRow {
  name: string;
  /** Default −∞. */
  lower?: number;
  /** Default +∞. */
  upper?: number;
}

/** minimize Σ cost·x  s.t.  lower ≤ A·x ≤ upper (per row), lower ≤ x ≤ upper (per column). */
export interface LinearModel {
  name: string;
  columns: LinearColumn[];
  rows: LinearRow[];
}

export type SolveStatus = 'optimal' | 'feasible' | 'infeasible' | 'unbounded' | 'timeout' | 'error';

export interface SolveResult {
  status: SolveStatus;
  /** Objective of the returned solution (NaN when there is none). */
  objective: number;
  /** Column values in column order (empty when there is no solution). */
  values: number[];
  /** Best proven lower bound (minimization): the objective when optimal, the dual bound of a MIP otherwise. */
  bound?: number;
  solver: string;
  ms: number;
  message?: string;
}

export interface SolveOptions {
  /** Wall-clock limit for the solve. */
  timeLimitMs: number;
  /** Relative MIP gap at which the solver may stop (default 1e-6). */
  mipRelGap?: number;
  /** Ignore integrality (solve the LP relaxation). */
  relax?: boolean;
  /** Branch-and-bound node limit: a limit that gives the same answer on a busy machine as on an idle one. */
  maxNodes?: number;
}

export interface SolverPort {
  readonly id: string;
  /** The largest number of integer columns this solver is trusted with (yalps: about 40). */
  readonly maxIntegers: number;
  solve(model: LinearModel, opts: SolveOptions): Promise<SolveResult>;
}
