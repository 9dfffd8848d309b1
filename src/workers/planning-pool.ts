/**
 * Planning off the event loop (issue 12): a pool of worker threads (one per core but one, at least one) runs the
 * optimize, failover and cost-digest jobs, each with a time limit and an AbortSignal. A job that times out or is
 * cancelled terminates its worker (a synchronous solve cannot be interrupted otherwise); the pool starts a new one
 * for the next job. While every worker is busy, jobs wait in order.
 *
 * The worker runs the compiled planning.worker.js next to this file; under vitest/tsx (TypeScript sources) it
 * registers tsx in the worker first, so tests exercise the same thread boundary as production.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CostDigest, CostDigestInput } from '../domain/digests/cost-digest.js';
import { learnedRegions } from '../domain/model/cloud.js';
import { AppError } from '../domain/model/errors.js';
import type { FailoverJob, OptimizeJob, Planner, PlanningOptions } from '../domain/ports/planner.port.js';
import type { SolverPort } from '../domain/ports/solver.port.js';
import type { OptimizeResult } from '../domain/optimizer/optimize.js';
import type { FailoverReport } from '../domain/optimizer/failover.js';
import type { Plan } from '../domain/model/plan.js';
import { runPlanningJob, type PlanningKind, type WireError } from './planning-jobs.js';

export const DEFAULT_PLANNING_TIME_LIMIT_MS = 120_000;

export interface PlanningPoolOptions {
  /** Worker threads (default: cores − 1, at least 1). */
  size?: number;
  /** Default time limit per job (queue wait included). */
  timeLimitMs?: number;
  /** Called when a job starts on a worker (tests and metrics). */
  onStarted?: (kind: PlanningKind) => void;
}

interface Job {
  id: number;
  kind: PlanningKind;
  input: unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  cleanup: () => void;
  slot?: Slot;
  done: boolean;
}

interface Slot {
  worker: Worker | undefined;
  job: Job | undefined;
}

function timeoutError(ms: number): AppError {
  return new AppError('PLAN.TIMEOUT', `planning took longer than ${ms} ms`, {
    userMessage: `Planning took longer than ${Math.round(ms / 1000)} s and was stopped. Narrow it down (--provider, --region, --max-moves) or try again.`,
  });
}

function cancelledError(): AppError {
  return new AppError('PLAN.CANCELLED', 'planning was cancelled', { userMessage: 'Planning was cancelled.' });
}

function fromWire(e: WireError): Error {
  if (e.code) return new AppError(e.code, e.message, e.userMessage ? { userMessage: e.userMessage } : {});
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/** tsx's ESM API (its `import` export; require.resolve would give the CommonJS one, which cannot register). */
function tsxEsmApi(from: string): string {
  const pkgPath = createRequire(from).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const rel = pkg.exports['./esm/api']?.import.default ?? './dist/esm/api/index.mjs';
  return pathToFileURL(join(dirname(pkgPath), rel)).href;
}

function workerSource(): { source: string | URL; eval: boolean } {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    // TypeScript sources (vitest, tsx): register tsx in the worker, then load the worker module.
    const tsx = tsxEsmApi(self);
    const entry = new URL('./planning.worker.ts', self).href;
    return {
      source: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`,
      eval: true,
    };
  }
  return { source: new URL('./planning.worker.js', self), eval: false };
}

export function createPlanningPool(opts: PlanningPoolOptions = {}): Planner & { readonly size: number } {
  const size = Math.max(1, opts.size ?? availableParallelism() - 1);
  const defaultLimit = opts.timeLimitMs ?? DEFAULT_PLANNING_TIME_LIMIT_MS;
  const slots: Slot[] = Array.from({ length: size }, () => ({ worker: undefined, job: undefined }));
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  function spawn(slot: Slot): Worker {
    const { source, eval: isEval } = workerSource();
    const worker = new Worker(source, { eval: isEval });
    worker.on('message', (msg: { id?: number; started?: boolean; ok?: boolean; result?: unknown; error?: WireError }) => {
      const job = slot.job;
      if (!job || msg.id !== job.id) return;
      if (msg.started) {
        opts.onStarted?.(job.kind);
        return;
      }
      if (msg.ok) settle(job, () => job.resolve(msg.result));
      else settle(job, () => job.reject(fromWire(msg.error ?? { name: 'Error', message: 'planning failed' })));
    });
    const lost = (err: Error) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      const job = slot.job;
      if (job) settle(job, () => job.reject(err));
    };
    worker.on('error', (err) => lost(err));
    worker.on('exit', (code) => lost(new Error(`the planning worker stopped (exit code ${code})`)));
    return worker;
  }

  /** Finishes a job once: frees its slot, runs the outcome and starts the next queued job. */
  function settle(job: Job, outcome: () => void, opts2: { killWorker?: boolean } = {}): void {
    if (job.done) return;
    job.done = true;
    job.cleanup();
    const slot = job.slot;
    if (slot) {
      slot.job = undefined;
      if (opts2.killWorker && slot.worker) {
        const w = slot.worker;
        slot.worker = undefined;
        void w.terminate();
      } else slot.worker?.unref();
    } else {
      const i = queue.indexOf(job);
      if (i >= 0) queue.splice(i, 1);
    }
    outcome();
    pump();
  }

  function pump(): void {
    for (const slot of slots) {
      if (slot.job) continue;
      const job = queue.shift();
      if (!job) return;
      slot.job = job;
      job.slot = slot;
      slot.worker ??= spawn(slot);
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, kind: job.kind, input: job.input, regions: learnedRegions() });
    }
  }

  function run<T>(kind: PlanningKind, input: unknown, o: PlanningOptions = {}): Promise<T> {
    if (closed) return Promise.reject(new AppError('PLAN.CLOSED', 'the planner is shut down'));
    if (o.signal?.aborted) return Promise.reject(cancelledError());
    return new Promise<T>((resolve, reject) => {
      const limit = o.timeLimitMs ?? defaultLimit;
      const job: Job = { id: nextId++, kind, input, resolve: resolve as (v: unknown) => void, reject, cleanup: () => undefined, done: false };
      const timer = setTimeout(() => settle(job, () => reject(timeoutError(limit)), { killWorker: true }), limit);
      const onAbort = () => settle(job, () => reject(cancelledError()), { killWorker: true });
      o.signal?.addEventListener('abort', onAbort, { once: true });
      job.cleanup = () => {
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
      };
      queue.push(job);
      pump();
    });
  }

  return {
    size,
    optimize: (input: OptimizeJob, o?: PlanningOptions) => run<OptimizeResult>('optimize', input, o),
    failover: (input: FailoverJob, o?: PlanningOptions) => run<{ plan: Plan; report: FailoverReport }>('failover', input, o),
    costDigest: (input: CostDigestInput, o?: PlanningOptions) => run<CostDigest>('costDigest', input, o),
    async close() {
      closed = true;
      for (const job of [...queue]) settle(job, () => job.reject(new AppError('PLAN.CLOSED', 'the planner is shut down')));
      await Promise.all(
        slots.map(async (slot) => {
          const job = slot.job;
          if (job) settle(job, () => job.reject(new AppError('PLAN.CLOSED', 'the planner is shut down')), { killWorker: true });
          const w = slot.worker;
          slot.worker = undefined;
          await w?.terminate();
        }),
      );
    },
  };
}

/**
 * The same jobs on the calling thread (no isolation, no preemption): for tests and tools that want no threads.
 * The signal and time limit are checked before the job starts only.
 */
export function createInlinePlanner(opts: { highs?: SolverPort } = {}): Planner {
  const run = async <T>(kind: PlanningKind, input: unknown, o: PlanningOptions = {}): Promise<T> => {
    if (o.signal?.aborted) throw cancelledError();
    return (await runPlanningJob(kind, input, () => opts.highs)) as T;
  };
  return {
    optimize: (input, o) => run('optimize', input, o),
    failover: (input, o) => run('failover', input, o),
    costDigest: (input, o) => run('costDigest', input, o),
    close: async () => undefined,
  };
}
