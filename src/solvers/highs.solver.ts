/**
 * HiGHS (the `highs` package, WebAssembly) behind the solver port. `solve()` of HiGHS is synchronous and can
 * block for seconds, so every solve runs in its own worker thread with HiGHS's `time_limit` plus a watchdog
 * that terminates the worker; the event loop never blocks.
 *
 * The worker's source is a small CommonJS script passed with `eval: true` and it loads HiGHS by absolute path,
 * so the same code works under vitest (TypeScript sources) and from the compiled dist/ (no extra file to copy).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { LinearModel, SolveOptions, SolveResult, SolverPort } from '../domain/ports/solver.port.js';

const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const loadHighs = require(workerData.highsPath);
parentPort.once('message', async (job) => {
  const t0 = Date.now();
  try {
    const highs = await loadHighs();
    const inf = highs.infinity;
    const fix = (a) => Float64Array.from(a, (v) => (v === Infinity ? inf : v === -Infinity ? -inf : v));
    const data = {
      numCols: job.numCols, numRows: job.numRows,
      colCost: job.colCost, colLower: fix(job.colLower), colUpper: fix(job.colUpper),
      rowLower: fix(job.rowLower), rowUpper: fix(job.rowUpper),
      matrix: { format: 'csc', numRows: job.numRows, numCols: job.numCols, starts: job.starts, indices: job.indices, values: job.values },
    };
    if (job.integrality) data.integrality = job.integrality;
    const loadMs = Date.now() - t0;
    const model = highs.createModel(data);
    try {
      model.options.set({ output_flag: false, time_limit: job.timeLimit, mip_rel_gap: job.mipRelGap });
      model.run();
      const status = model.getModelStatus();
      let values = null, objective = NaN, bound = NaN, primal = 0;
      try { primal = Number(model.info.get('primal_solution_status')); } catch {}
      if (primal === 2) {
        values = model.getSolution().colValue;
        objective = model.getObjectiveValue();
      }
      if (job.integrality) { try { bound = Number(model.info.get('mip_dual_bound')); } catch {} }
      parentPort.postMessage({ ok: true, status, values, objective, bound, loadMs });
    } finally {
      model.dispose();
    }
  } catch (err) {
    parentPort.postMessage({ ok: false, message: String((err && err.message) || err) });
  }
});
`;

interface WorkerReply {
  ok: boolean;
  status?: number;
  values?: Float64Array | null;
  objective?: number;
  bound?: number;
  loadMs?: number;
  message?: string;
}

// HiGHS model status codes (highs.constants.modelStatus).
const OPTIMAL = 7;
const INFEASIBLE = 8;
const UNBOUNDED_OR_INFEASIBLE = 9;
const UNBOUNDED = 10;
const TIME_LIMIT = 13;
const ITERATION_LIMIT = 14;

export function createHighsSolver(opts: { graceMs?: number } = {}): SolverPort {
  const highsPath = createRequire(import.meta.url).resolve('highs');
  return {
    id: 'highs',
    maxIntegers: Number.POSITIVE_INFINITY,
    solve: (model, options) => solveInWorker(highsPath, model, options, opts.graceMs ?? 5000),
  };
}

/** Column-compressed arrays for HiGHS (transferred to the worker without copying). */
export function toCsc(model: LinearModel, relax: boolean) {
  const numCols = model.columns.length;
  const numRows = model.rows.length;
  let nnz = 0;
  for (const c of model.columns) nnz += c.coefs.length;
  const colCost = new Float64Array(numCols);
  const colLower = new Float64Array(numCols);
  const colUpper = new Float64Array(numCols);
  const starts = new Int32Array(numCols + 1);
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  const integrality = relax ? undefined : new Int32Array(numCols);
  let k = 0;
  model.columns.forEach((c, j) => {
    colCost[j] = c.cost;
    colLower[j] = c.lower ?? 0;
    colUpper[j] = c.upper ?? Infinity;
    if (integrality && c.integer) integrality[j] = 1;
    starts[j] = k;
    const sorted = [...c.coefs].sort((a, b) => a[0] - b[0]);
    for (const [row, v] of sorted) {
      indices[k] = row;
      values[k] = v;
      k++;
    }
  });
  starts[numCols] = k;
  const rowLower = Float64Array.from(model.rows, (r) => r.lower ?? -Infinity);
  const rowUpper = Float64Array.from(model.rows, (r) => r.upper ?? Infinity);
  const hasIntegers = integrality?.some((v) => v === 1) ?? false;
  return { numCols, numRows, colCost, colLower, colUpper, rowLower, rowUpper, starts, indices, values, integrality: hasIntegers ? integrality : undefined };
}

function solveInWorker(highsPath: string, model: LinearModel, options: SolveOptions, graceMs: number): Promise<SolveResult> {
  const started = performance.now();
  const job = { ...toCsc(model, options.relax ?? false), timeLimit: Math.max(0.05, options.timeLimitMs / 1000), mipRelGap: options.mipRelGap ?? 1e-6 };
  const transfer = [job.colCost, job.colLower, job.colUpper, job.rowLower, job.rowUpper, job.starts, job.indices, job.values, ...(job.integrality ? [job.integrality] : [])].map((a) => a.buffer as ArrayBuffer);
  const isMip = job.integrality !== undefined;

  return new Promise<SolveResult>((resolve) => {
    // execArgv: [] so flags of the parent (--input-type=module, loaders) never turn the CommonJS source into ESM.
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { highsPath }, execArgv: [] });
    let settled = false;
    const finish = (r: Omit<SolveResult, 'solver' | 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      void worker.terminate();
      resolve({ ...r, solver: 'highs', ms: performance.now() - started });
    };
    // HiGHS checks its own time limit between iterations; the watchdog covers a solve that does not return.
    const watchdog = setTimeout(() => finish({ status: 'timeout', objective: NaN, values: [], message: `no answer within ${options.timeLimitMs + graceMs} ms; worker terminated` }), options.timeLimitMs + graceMs);
    worker.once('error', (err) => finish({ status: 'error', objective: NaN, values: [], message: err.message }));
    worker.once('exit', (code) => finish({ status: 'error', objective: NaN, values: [], message: `worker exited with code ${code}` }));
    worker.once('message', (m: WorkerReply) => {
      if (!m.ok) return finish({ status: 'error', objective: NaN, values: [], message: m.message ?? 'HiGHS failed' });
      const values = m.values ? Array.from(m.values) : [];
      const has = values.length > 0 && Number.isFinite(m.objective);
      const bound = Number.isFinite(m.bound) ? (m.bound as number) : undefined;
      switch (m.status) {
        case OPTIMAL:
          return finish({ status: 'optimal', objective: m.objective ?? NaN, values, bound: isMip ? (bound ?? (m.objective as number)) : (m.objective as number) });
        case INFEASIBLE:
          return finish({ status: 'infeasible', objective: NaN, values: [] });
        case UNBOUNDED:
        case UNBOUNDED_OR_INFEASIBLE:
          return finish({ status: 'unbounded', objective: -Infinity, values: [] });
        case TIME_LIMIT:
        case ITERATION_LIMIT:
          return finish({
            status: has ? 'feasible' : 'timeout',
            objective: has ? (m.objective as number) : NaN,
            values: has ? values : [],
            ...(bound !== undefined ? { bound } : {}),
            message: m.status === TIME_LIMIT ? 'time limit reached' : 'iteration limit reached',
          });
        default:
          return finish({ status: 'error', objective: NaN, values: [], message: `HiGHS model status ${m.status}` });
      }
    });
    worker.postMessage(job, transfer);
  });
}
