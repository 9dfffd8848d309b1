/**
 * Planning (optimize, failover, the cost digest) is CPU-bound: seconds at 10,000 instances. Behind this port it
 * runs where it cannot stall the event loop (a worker thread, src/workers/), with a time limit and an AbortSignal,
 * so chat surfaces keep acking while a plan is computed. Inputs and results are plain data (structured clone).
 */
import type { CostDigest, CostDigestInput } from '../digests/cost-digest.js';
import type { FailoverInput, FailoverReport } from '../optimizer/failover.js';
import type { OptimizeInput, OptimizeResult } from '../optimizer/optimize.js';
import type { Plan } from '../model/plan.js';

export interface PlanningOptions {
  /** Aborting rejects the call with PLAN.CANCELLED and stops the computation. */
  signal?: AbortSignal;
  /** Overrides the planner's default time limit; past it the call rejects with PLAN.TIMEOUT. */
  timeLimitMs?: number;
}

/** The optimizer inputs without the solver object: the planner brings its own HiGHS when `useHighs` is set. */
export type OptimizeJob = Omit<OptimizeInput, 'highs'> & { useHighs: boolean };
export type FailoverJob = Omit<FailoverInput, 'highs'> & { useHighs: boolean };

export interface Planner {
  optimize(input: OptimizeJob, opts?: PlanningOptions): Promise<OptimizeResult>;
  failover(input: FailoverJob, opts?: PlanningOptions): Promise<{ plan: Plan; report: FailoverReport }>;
  costDigest(input: CostDigestInput, opts?: PlanningOptions): Promise<CostDigest>;
  /** Stops the workers (pending calls reject). */
  close(): Promise<void>;
}
