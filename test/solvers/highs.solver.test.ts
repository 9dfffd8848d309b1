import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { LinearModel } from '../../src/domain/ports/solver.port.js';
import { createYalpsSolver } from '../../src/domain/optimizer/yalps-solver.js';
import { createHighsSolver } from '../../src/solvers/highs.solver.js';

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
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const cols = Array.from({ length: 60 }, (_, j) => ({ name: `x${j}`, cost: 1 + (j % 7), upper: 5, integer: true, coefs: [[j % 10, 1 + (j % 3)], [10, j % 5]] as [number, number][] }));
    const rows = [...Array.from({ length: 10 }, (_, i) => ({ name: `r${i}`, lower: 7 + i })), { name: 'cap', upper: 400 }];
    const res = await createHighsSolver().solve({ name: 'busy', columns: cols, rows }, { timeLimitMs: 10_000 });
    clearInterval(timer);
    expect(res.status).toBe('optimal');
    expect(ticks).toBeGreaterThan(0);
  });

  it('works from the compiled dist/ too (what npm start runs), even when the parent runs as an ES module', () => {
    const script = `const { createHighsSolver } = await import('./dist/src/solvers/highs.solver.js');
      const r = await createHighsSolver().solve(${JSON.stringify(model)}, { timeLimitMs: 10000 });
      process.stdout.write(JSON.stringify([r.status, r.objective]));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(['optimal', 8]);
  });
});
