/**
 * Claims for scheduled work, in the database: one row per (job, period), inserted before the work, so that any
 * number of replicas run each period once. Digests use it; the health watch will too.
 */
export interface RunClaim {
  job: string;
  period: string;
  status: 'claimed' | 'done' | 'failed';
  owner: string;
  scheduledFor: string;
  claimedAt: string;
  late: boolean;
  attempts: number;
  error?: string;
  result?: unknown;
  finishedAt?: string;
}

export interface RunClaims {
  /**
   * Takes (job, period) for `owner`: true when this caller now owns it. A claim still `claimed` whose lease has run
   * out (its process died) is taken over; a `done` or `failed` one never is.
   */
  claim(input: { job: string; period: string; scheduledFor: Date; owner: string; leaseMs: number; now: Date; late?: boolean }): Promise<boolean>;
  /** Records one failed attempt (the claim stays with its owner, the lease is extended for the retry). */
  attempt(job: string, period: string, owner: string, error: string, now: Date, leaseMs: number): Promise<void>;
  finish(job: string, period: string, owner: string, outcome: { status: 'done' | 'failed'; error?: string; result?: unknown }, now: Date): Promise<boolean>;
  get(job: string, period: string): Promise<RunClaim | undefined>;
  /** The most recent finished run of a job (by scheduled time), e.g. the previous digest. */
  latest(job: string, status?: 'done' | 'failed'): Promise<RunClaim | undefined>;
}
