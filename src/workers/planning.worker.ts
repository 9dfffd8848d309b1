/**
 * The planning worker thread: receives `{ id, kind, input }`, runs the job (src/workers/planning-jobs.ts) and
 * answers `{ id, ok, result | error }`. It announces `{ id, started: true }` when it begins, so the pool (and its
 * tests) can tell a queued job from a running one. HiGHS, when a job wants it, runs in its own worker as usual.
 */
import { parentPort } from 'node:worker_threads';
import { learnRegion, type RegionInfo } from '../domain/model/cloud.js';
import type { SolverPort } from '../domain/ports/solver.port.js';
import { createHighsSolver } from '../solvers/highs.solver.js';
import { runPlanningJob, toWireError, type PlanningKind } from './planning-jobs.js';

let highs: SolverPort | undefined;
const port = parentPort;
if (!port) throw new Error('planning.worker.ts runs only as a worker thread');

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
