/**
 * node-cron 4's RunCoordinator backed by the database claims (RunClaims): node-cron asks `shouldRun(key)` with
 * `<task name>:<slot ISO>`; we map the slot to its period (a local day or an ISO week) and insert the (job, period)
 * row. Only the replica whose insert succeeds runs the slot; two slots of one period (a local hour repeated when the
 * clocks go back) map to one row, so the second is never elected. Any periodic job can use it (the health watch too).
 */
import type { RunCoordinator } from 'node-cron';
import type { RunClaims } from '../core/scheduling.js';

export interface ClaimCoordinatorOptions {
  claims: RunClaims;
  owner: string;
  /** node-cron's task name (the key's prefix) and the claim's job name. */
  taskName: string;
  job: string;
  periodOf(slot: Date): string;
  now(): Date;
  /** Minimum lease while the elected replica works on the slot (node-cron passes its distributedLease). */
  leaseMs?: number;
}

/** The slot's instant from a node-cron coordinator key `<task name>:<ISO>`. */
export function slotOfKey(key: string, taskName: string): Date {
  return new Date(key.slice(taskName.length + 1));
}

export function createClaimCoordinator(opts: ClaimCoordinatorOptions): RunCoordinator {
  return {
    async shouldRun(key, ttlMs) {
      const slot = slotOfKey(key, opts.taskName);
      if (Number.isNaN(slot.getTime())) return false;
      return opts.claims.claim({ job: opts.job, period: opts.periodOf(slot), scheduledFor: slot, owner: opts.owner, leaseMs: Math.max(ttlMs, opts.leaseMs ?? 0), now: opts.now() });
    },
  };
}
