/**
 * The planning jobs a worker runs, by name: each takes plain data and returns plain data, so the same table runs
 * in a worker thread (planning.worker.ts) and in-process (createInlinePlanner).
 */
import { buildCostDigest, type CostDigestInput } from '../domain/digests/cost-digest.js';
import { planFailover } from '../domain/optimizer/failover.js';
import { planReallocation } from '../domain/optimizer/optimize.js';
import type { FailoverJob, OptimizeJob } from '../domain/ports/planner.port.js';
import type { SolverPort } from '../domain/ports/solver.port.js';

export type PlanningKind = 'optimize' | 'failover' | 'costDigest';

export async function runPlanningJob(kind: PlanningKind, input: unknown, highs: () => SolverPort | undefined): Promise<unknown> {
  switch (kind) {
    case 'optimize': {
      const { useHighs, ...rest } = input as OptimizeJob;
      const h = useHighs ? highs() : undefined;
      return planReallocation({ ...rest, ...(h ? { highs: h } : {}) });
    }
    case 'failover': {
      const { useHighs, ...rest } = input as FailoverJob;
      const h = useHighs ? highs() : undefined;
      return planFailover({ ...rest, ...(h ? { highs: h } : {}) });
    }
    case 'costDigest':
      return buildCostDigest(input as CostDigestInput);
    default:
      throw new Error(`unknown planning job ${String(kind)}`);
  }
}

/** An error as it crosses the thread boundary: AppErrors keep their code and the message meant for people. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  userMessage?: string;
}

export function toWireError(err: unknown): WireError {
  const e = err as { name?: unknown; message?: unknown; code?: unknown; userMessage?: unknown };
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.userMessage === 'string' ? { userMessage: e.userMessage } : {}),
  };
}
