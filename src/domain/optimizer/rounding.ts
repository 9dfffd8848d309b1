/**
 * Rounding: the Dantzig–Wolfe master over the Lagrangian best responses, solved by yalps, rounded class by class.
 */
import type { Assignment } from './assignment.js';
import type { Component } from './decompose.js';
import type { Column } from './lagrangian.js';
import type { ClassModel, Klass, Option } from './model.js';
import { solveWithYalps } from './yalps-solver.js';

/**
 * The Dantzig–Wolfe master over the best responses seen (min Σ cost·w, Σ usage·w ≤ cap, Σ w = 1), solved by
 * yalps, gives a fractional LP solution; rounding it class by class (largest remainders) starts the repair much
 * closer to the optimum than any single best response.
 */
export function roundMaster(m: ClassModel, comp: Component, columns: Column[], a: Assignment): { ok: boolean; ms: number; vars: number } {
  const t0 = performance.now();
  const model = {
    name: 'Dantzig–Wolfe master',
    rows: [...comp.rows.map((r) => ({ name: `r${r}`, upper: (m.rows[r] as { cap: number }).cap })), { name: 'convex', lower: 1, upper: 1 }],
    columns: columns.map((c, j) => ({
      name: `w${j}`,
      cost: c.cost,
      coefs: [...c.usage.map((u, i) => [i, u] as [number, number]), [comp.rows.length, 1] as [number, number]],
    })),
  };
  const res = solveWithYalps(model, { timeLimitMs: 1000 });
  if (res.status !== 'optimal') return { ok: false, ms: performance.now() - t0, vars: columns.length };
  const w = res.values;
  comp.classes.forEach((kid, ci) => {
    const k = m.classes[kid] as Klass;
    const frac = k.options.map((_, j) => columns.reduce((sum, c, jj) => sum + (w[jj] ?? 0) * (c.counts[ci]?.[j] ?? 0), 0));
    const counts = frac.map((x) => Math.floor(x + 1e-9));
    let left = k.n - counts.reduce((t, x) => t + x, 0);
    const order = frac.map((x, j) => ({ j, rem: x - Math.floor(x + 1e-9) })).sort((x, y) => y.rem - x.rem || (k.options[x.j] as Option).cost - (k.options[y.j] as Option).cost);
    for (const { j } of order) {
      if (left <= 0) break;
      counts[j] = (counts[j] as number) + 1;
      left--;
    }
    a.counts[kid] = counts;
  });
  // HA groups follow the heaviest column (each column's groups hold their spread).
  if (comp.groups.length) {
    let bestJ = 0;
    columns.forEach((_, jj) => {
      if ((w[jj] ?? 0) > (w[bestJ] ?? 0)) bestJ = jj;
    });
    const col = columns[bestJ] as Column;
    const at = new Map(comp.classes.map((kid, ci) => [kid, ci]));
    for (const gi of comp.groups) {
      for (const kid of m.ha[gi]?.classes ?? []) {
        const ci = at.get(kid) as number;
        a.counts[kid] = [...(col.counts[ci] as number[])];
      }
    }
  }
  return { ok: true, ms: performance.now() - t0, vars: columns.length };
}
