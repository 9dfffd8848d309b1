/**
 * The class model as an explicit MILP (for yalps on small models, HiGHS on large ones, and the per-instance
 * benchmark peer):
 *   x[k,o] ∈ ℤ≥0   units of class k on option o;      Σ_o x[k,o] = n_k
 *   Σ coef·x ≤ cap  per coupling row (vCPU quotas, move budget)
 *   z[g,d] ∈ {0,1}  HA group g occupies region d (outside the regions its fixed replicas hold);
 *   z[g,d] ≤ Σ_{k in g, o in d} x[k,o];   Σ_d z[g,d] ≥ need_g
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
  for (const g of groupIds) {
    const group = m.ha[g];
    if (!group || group.need <= 0) continue;
    const spread = rows.length;
    rows.push({ name: `ha${g}`, lower: group.need });
    const link = new Map<string, number>();
    for (const kid of group.classes) {
      const k = m.classes[kid];
      const cols = xCol.get(kid);
      if (!k || !cols) continue;
      k.options.forEach((o, oi) => {
        if (o.kind === 'stop' || group.fixed.includes(o.domain)) return;
        let lr = link.get(o.domain);
        if (lr === undefined) {
          lr = rows.length;
          rows.push({ name: `ha${g}_${o.domain}`, upper: 0 });
          link.set(o.domain, lr);
          columns.push({ name: `z${g}_${o.domain}`, cost: 0, upper: 1, integer: true, coefs: [[spread, 1], [lr, 1]] });
        }
        columns[cols[oi] as number]?.coefs.push([lr, -1]);
      });
    }
  }
  return {
    model: { name: opts.name, columns, rows },
    integers: columns.length,
    decode(values) {
      const counts: number[][] = m.classes.map((k) => k.options.map(() => 0));
      for (const [kid, cols] of xCol) counts[kid] = cols.map((c) => Math.round(values[c] ?? 0));
      return { counts };
    },
  };
}

/** The per-instance model: one unit per class (binaries per instance × option). */
export function explodePerInstance(m: ClassModel): ClassModel {
  const classes: ClassModel['classes'] = [];
  const ha = m.ha.map((g) => ({ ...g, classes: [] as number[] }));
  for (const k of m.classes) {
    for (const w of k.members) {
      const id = classes.length;
      classes.push({ id, members: [w], n: 1, options: k.options, stay: k.stay, ...(k.ha !== undefined ? { ha: k.ha } : {}) });
      if (k.ha !== undefined) ha[k.ha]?.classes.push(id);
    }
  }
  return { classes, rows: m.rows, ha };
}
