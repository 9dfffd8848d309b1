import { describe, expect, it } from 'vitest';
import type { LinearModel } from '../../src/domain/ports/solver.port.js';
import { createYalpsSolver } from '../../src/domain/optimizer/yalps-solver.js';
import { createHighsSolver } from '../../src/solvers/highs.solver.js';
import { CHILD_TEST_TIMEOUT_MS, runNode } from '../support/spawn.js';

// min 3x + 2y + 4z  s.t. x + y + z ≥ 2.5, x + z ≤ 2, x ≤ 3, y ≤ 1, integers → x=2, y=1 (8); LP: 6.5.
const model: LinearModel = {
  name: 'tiny',
  rows: [{ name: 'c1', lower: 2.5 }, { name: 'c2', upper: 2 }],
  columns: [
    { name: 'x', cost: 3, upper: 3, integer: true, coefs: [[0, 1], [1, 1]] },
    { name: 'y', cost: 2, upper: 1, integer: true, coefs: [[0, 1]] },
    { name: 'z', cost: 4, integer: true, coefs: [[0, 1], [1, 1]] },
  ],
};

describe('solver adapters', () => {
  it('HiGHS in a worker and yalps in-process agree on a small MILP', async () => {
    const [h, y] = await Promise.all([createHighsSolver().solve(model, { timeLimitMs: 10_000 }), createYalpsSolver().solve(model, { timeLimitMs: 10_000 })]);
    expect(h).toMatchObject({ status: 'optimal', objective: 8, values: [2, 1, 0], bound: 8, solver: 'highs' });
    expect(y).toMatchObject({ status: 'optimal', objective: 8, values: [2, 1, 0], solver: 'yalps' });
  });

  it('solves the LP relaxation when asked', async () => {
    const h = await createHighsSolver().solve(model, { timeLimitMs: 10_000, relax: true });
    expect(h.status).toBe('optimal');
    expect(h.objective).toBeCloseTo(6.5, 9);
  });

  it('reports infeasibility', async () => {
    const bad: LinearModel = { name: 'bad', rows: [{ name: 'c', lower: 5 }], columns: [{ name: 'x', cost: 1, upper: 1, integer: true, coefs: [[0, 1]] }] };
    expect((await createHighsSolver().solve(bad, { timeLimitMs: 10_000 })).status).toBe('infeasible');
    expect((await createYalpsSolver().solve(bad, { timeLimitMs: 10_000 })).status).toBe('infeasible');
  });

  it('keeps the event loop free while HiGHS works', async () => {
    // A market-split instance (Cornuéjols & Dawande): 6 equality rows over 50 binaries, slack minimized. Branch and
    // bound cannot finish it in seconds, so HiGHS works until its time limit.
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const m = 6;
    const n = 50;
    const a = Array.from({ length: m }, () => Array.from({ length: n }, () => Math.floor(rnd() * 100)));
    const rows = a.map((r, i) => {
      const d = Math.floor(r.reduce((x, y) => x + y, 0) / 2);
      return { name: `r${i}`, lower: d, upper: d };
    });
    const columns = [
      ...Array.from({ length: n }, (_, j) => ({ name: `x${j}`, cost: 0, upper: 1, integer: true, coefs: a.map((r, i) => [i, r[j] as number] as [number, number]) })),
      ...Array.from({ length: m }, (_, i) => ({ name: `over${i}`, cost: 1, coefs: [[i, 1]] as [number, number][] })),
      ...Array.from({ length: m }, (_, i) => ({ name: `under${i}`, cost: 1, coefs: [[i, -1]] as [number, number][] })),
    ];
    let settled = false;
    const solving = createHighsSolver()
      .solve({ name: 'market-split', rows, columns }, { timeLimitMs: 4000 })
      .finally(() => (settled = true));
    // A timer due in the middle of the solve: were HiGHS computing on this thread, it could fire only once the
    // solve had returned. It fires while the solve is still pending, so the event loop was free.
    await new Promise((r) => setTimeout(r, 1500));
    expect(settled).toBe(false);
    const res = await solving;
    // …and HiGHS really was busy the whole time: it stopped at its time limit, not because it had finished.
    expect(res.message).toBe('time limit reached');
    expect(['feasible', 'timeout']).toContain(res.status);
  });

  it('works from the compiled dist/ too (what npm start runs), even when the parent runs as an ES module', { timeout: CHILD_TEST_TIMEOUT_MS }, async () => {
    const script = `const { createHighsSolver } = await import('./dist/src/solvers/highs.solver.js');
      const r = await createHighsSolver().solve(${JSON.stringify(model)}, { timeLimitMs: 10000 });
      process.stdout.write(JSON.stringify([r.status, r.objective]));`;
    const out = await runNode(['--input-type=module', '-e', script], { env: process.env });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(['optimal', 8]);
  });
});
