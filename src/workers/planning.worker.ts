/**
 * The planning worker thread: receives `{ id, kind, input }`, runs the job (src/workers/planning-jobs.ts) and
 * answers `{ id, ok, result | error }`. It announces `{ id, started: true }` when it begins, so the pool (and its
 * tests) can tell a queued job from a running one. HiGHS, when a job wants it, runs in its own worker as usual.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { learnRegion, type RegionInfo } from '../domain/model/cloud.js';
import type { SolverPort } from '../domain/ports/solver.port.js';
import { createHighsSolver } from '../solvers/highs.solver.js';
import { runPlanningJob, toWireError, type PlanningKind } from './planning-jobs.js';

/** How much lower than the thread that started it a planning thread runs (nice steps; 19 is the floor). */
const PLANNING_NICE_STEPS = 10;

let highs: SolverPort | undefined;
const port = parentPort;
if (!port) throw new Error('planning.worker.ts runs only as a worker thread');
lowerThreadPriority();

port.on('message', (msg: { id: number; kind: PlanningKind; input: unknown; regions?: [string, RegionInfo][] }) => {
  // Regions the main thread learned from the adapters (e.g. ap-southeast-2 is Asia Pacific): planning needs them here too.
  for (const [region, info] of msg.regions ?? []) learnRegion(region, info);
  port.postMessage({ id: msg.id, started: true });
  void runPlanningJob(msg.kind, msg.input, () => (highs ??= createHighsSolver())).then(
    (result) => port.postMessage({ id: msg.id, ok: true, result }),
    (err: unknown) => port.postMessage({ id: msg.id, ok: false, error: toWireError(err) }),
  );
});
port.postMessage({ ready: true });

/**
 * Planning is background work: on a machine whose cores are all busy (two cores: the event loop and one planning
 * thread, plus anything else running there), the scheduler gives the event loop the CPU first, so acks, console
 * requests and /healthz do not queue behind a plan. Linux only: there a thread has its own nice value, named by
 * its thread id (/proc/thread-self); HiGHS's worker, started from this thread, inherits it. Elsewhere nothing
 * changes (setpriority there would reach the whole process).
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return;
    setPriority(tid, Math.min(19, getPriority(tid) + PLANNING_NICE_STEPS));
  } catch {
    // no /proc (not Linux) or not permitted: the plan still runs, at the inherited priority
  }
}
