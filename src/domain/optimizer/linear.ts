/**
 * The class model as an explicit MILP (for yalps on small models, HiGHS on large ones, and the per-instance
 * benchmark peer):
 *   x[k,o] ∈ ℤ≥0   units of class k on option o;      Σ_o x[k,o] = n_k
 *   Σ coef·x ≤ cap  per coupling row (vCPU quotas, move budget)
 *   y[g,s,d] ∈ {0,1} slice s of HA group g goes to domain d;  Σ_d y = 1;  Σ_s y[g,s,d] ≤ 1
 *   Σ_{o in d} x[k,o] = n_k · y[g,s,d]   for every class k of slice s
 */
import type { LinearColumn, LinearModel, LinearRow } from '../ports/solver.port.js';
import type { Assignment } from './solve.js';
import type { ClassModel } from './model.js';

export interface BuiltLinear {
  model: LinearModel;
  integers: number;
  decode(values: number[]): Assignment;
}

export function buildLinearModel(m: ClassModel, opts: { name: string; classIds?: number[]; groupIds?: number[]; rowIds?: number[] }): BuiltLinear {
  const classIds = opts.classIds ?? m.classes.map((k) => k.id);
  const groupIds = opts.groupIds ?? m.ha.map((_, i) => i);
  const rowIds = opts.rowIds ?? m.rows.map((_, i) => i);
  const columns: LinearColumn[] = [];
  const rows: LinearRow[] = [];
  const xCol = new Map<number, number[]>();

  // Coupling rows first so their indices are stable.
  const rowIndex = new Map<number, number>();
  for (const r of rowIds) {
    const row = m.rows[r];
    if (!row) continue;
    rowIndex.set(r, rows.length);
    rows.push({ name: `row${r}`, upper: row.cap });
  }
  for (const kid of classIds) {
    const k = m.classes[kid];
    if (!k) continue;
    const conv = rows.length;
    rows.push({ name: `n${kid}`, lower: k.n, upper: k.n });
    const cols: number[] = [];
    k.options.forEach((o, oi) => {
      const coefs: [number, number][] = [[conv, 1]];
      for (const [r, v] of o.rows) {
        const ri = rowIndex.get(r);
        if (ri !== undefined) coefs.push([ri, v]);
      }
      cols.push(columns.length);
      columns.push({ name: `x${kid}_${oi}`, cost: o.cost, upper: k.n, integer: true, coefs });
    });
    xCol.set(kid, cols);
  }
  const yCols: { g: number; s: number; d: string; col: number }[] = [];
  for (const g of groupIds) {
    const group = m.ha[g];
    if (!group) continue;
    const perDomain = new Map<string, number>();
    group.slices.forEach((slice, s) => {
      const one = rows.length;
      rows.push({ name: `y${g}_${s}`, lower: 1, upper: 1 });
      for (const d of slice.allowed) {
        let dr = perDomain.get(d);
        if (dr === undefined) {
          dr = rows.length;
          rows.push({ name: `dom${g}_${d}`, upper: 1 });
          perDomain.set(d, dr);
        }
        const col = columns.length;
        const coefs: [number, number][] = [[one, 1], [dr, 1]];
        for (const kid of slice.classes) {
          const k = m.classes[kid];
          const cols = xCol.get(kid);
          if (!k || !cols) continue;
          const link = rows.length;
          rows.push({ name: `link${kid}_${d}`, lower: 0, upper: 0 });
          coefs.push([link, -k.n]);
          k.options.forEach((o, oi) => {
            if (o.domain === d) columns[cols[oi] as number]?.coefs.push([link, 1]);
          });
        }
        columns.push({ name: `y${g}_${s}_${d}`, cost: 0, upper: 1, integer: true, coefs });
        yCols.push({ g, s, d, col });
      }
    });
  }
  return {
    model: { name: opts.name, columns, rows },
    integers: columns.length,
    decode(values) {
      const counts: number[][] = m.classes.map((k) => k.options.map(() => 0));
      for (const [kid, cols] of xCol) counts[kid] = cols.map((c) => Math.round(values[c] ?? 0));
      const dest: string[][] = m.ha.map((g) => g.slices.map((s) => s.home));
      for (const y of yCols) if ((values[y.col] ?? 0) > 0.5) (dest[y.g] as string[])[y.s] = y.d;
      return { counts, dest };
    },
  };
}

/** The per-instance model: one unit per class (binaries per instance × option), for the benchmark peer. */
export function explodePerInstance(m: ClassModel): ClassModel {
  const classes: ClassModel['classes'] = [];
  const ha = m.ha.map((g) => ({ key: g.key, slices: g.slices.map((s) => ({ home: s.home, allowed: [...s.allowed], classes: [] as number[] })) }));
  for (const k of m.classes) {
    for (const w of k.members) {
      const id = classes.length;
      classes.push({ id, members: [w], n: 1, options: k.options, stay: k.stay, ...(k.ha ? { ha: k.ha } : {}) });
      if (k.ha) ha[k.ha.group]?.slices[k.ha.slice]?.classes.push(id);
    }
  }
  return { classes, rows: m.rows, ha };
}
