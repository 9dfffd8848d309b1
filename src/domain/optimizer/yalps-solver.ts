import { solve, type Constraint } from 'yalps';
import type { LinearModel, SolveOptions, SolveResult, SolverPort } from '../ports/solver.port.js';

/**
 * yalps 0.6.4 behind the solver port, in-process and synchronous. Its simplex is as fast as HiGHS up to about
 * 1,000 columns; its branch-and-bound finds no incumbent past roughly 40–60 general integers on packing-like
 * models (shared/research/stack-notes.md §9), hence `maxIntegers`.
 */
export function createYalpsSolver(opts: { maxIntegers?: number } = {}): SolverPort {
  return {
    id: 'yalps',
    maxIntegers: opts.maxIntegers ?? 40,
    async solve(model, options) {
      return solveWithYalps(model, options);
    },
  };
}

export function solveWithYalps(model: LinearModel, options: SolveOptions): SolveResult {
  const started = performance.now();
  const constraints = new Map<string, Constraint>();
  model.rows.forEach((r, i) => {
    const c: { min?: number; max?: number } = {};
    if (r.lower !== undefined && Number.isFinite(r.lower)) c.min = r.lower;
    if (r.upper !== undefined && Number.isFinite(r.upper)) c.max = r.upper;
    if (c.min !== undefined || c.max !== undefined) constraints.set(`r${i}`, c);
  });
  const variables = new Map<string, [string, number][]>();
  const integers = new Set<string>();
  model.columns.forEach((col, j) => {
    const key = `c${j}`;
    const coefs: [string, number][] = [['obj', col.cost]];
    for (const [row, v] of col.coefs) if (constraints.has(`r${row}`)) coefs.push([`r${row}`, v]);
    const bound: { min?: number; max?: number } = {};
    if (col.upper !== undefined && Number.isFinite(col.upper)) bound.max = col.upper;
    if (col.lower !== undefined && col.lower > 0) bound.min = col.lower;
    if (bound.min !== undefined || bound.max !== undefined) {
      constraints.set(`b${j}`, bound);
      coefs.push([`b${j}`, 1]);
    }
    variables.set(key, coefs);
    if (col.integer && !options.relax) integers.add(key);
  });
  const solution = solve(
    { direction: 'minimize', objective: 'obj', constraints, variables, integers },
    { timeout: options.timeLimitMs, ...(options.maxNodes !== undefined ? { maxIterations: options.maxNodes } : {}), tolerance: integers.size ? (options.mipRelGap ?? 0) : 0, includeZeroVariables: false },
  );
  const ms = performance.now() - started;
  const values = new Array<number>(model.columns.length).fill(0);
  for (const [key, v] of solution.variables) values[Number(key.slice(1))] = v;
  switch (solution.status) {
    case 'optimal': {
      const exact = integers.size === 0 || !options.mipRelGap;
      return { status: exact ? 'optimal' : 'feasible', objective: solution.result, values, ...(exact ? { bound: solution.result } : {}), solver: 'yalps', ms };
    }
    case 'infeasible':
      return { status: 'infeasible', objective: NaN, values: [], solver: 'yalps', ms };
    case 'unbounded':
      return { status: 'unbounded', objective: -Infinity, values: [], solver: 'yalps', ms };
    case 'timedout':
      return Number.isFinite(solution.result)
        ? { status: 'feasible', objective: solution.result, values, solver: 'yalps', ms, message: 'time limit reached with an incumbent' }
        : { status: 'timeout', objective: NaN, values: [], solver: 'yalps', ms, message: 'time limit reached without an integer solution' };
    default:
      return { status: 'error', objective: NaN, values: [], solver: 'yalps', ms, message: `simplex ${solution.status}` };
  }
}
