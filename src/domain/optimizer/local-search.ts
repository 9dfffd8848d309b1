/**
 * Local improvement of a feasible assignment: units to cheaper options (an HA group's last unit in a region
 * only where the spread allows), move-budget swaps; every step keeps every row within capacity.
 */
import { usageOf, type Assignment } from './assignment.js';
import type { ClassModel, Klass, Option } from './model.js';
import { haMovable } from './ha.js';

const TOL = 1e-9;

/** Feasible improving moves: units to cheaper options, move-budget swaps. */
export function improve(m: ClassModel, a: Assignment): void {
  const usage = usageOf(m, a);
  const cap = (q: number) => (m.rows[q] as { cap: number }).cap;
  const fitsUnits = (d: Map<number, number>, want: number) => {
    let units = want;
    for (const [q, x] of d) if (x > 0) units = Math.min(units, Math.floor((cap(q) - (usage[q] as number) + TOL) / x));
    return units;
  };
  // At most 30 sweeps, whatever the clock says: the same input gives the same plan on a busy machine.
  for (let sweep = 0; sweep < 30; sweep++) {
    let changed = false;
    const cands: { gain: number; kid: number; ia: number; ib: number }[] = [];
    for (const k of m.classes) {
      const counts = a.counts[k.id] as number[];
      k.options.forEach((oa, ia) => {
        if (!counts[ia]) return;
        k.options.forEach((ob, ib) => {
          if (ib === ia || ob.cost >= oa.cost - 1e-7) return;
          cands.push({ gain: oa.cost - ob.cost, kid: k.id, ia, ib });
        });
      });
    }
    cands.sort((x, y) => y.gain - x.gain || x.kid - y.kid || x.ia - y.ia || x.ib - y.ib);
    for (const c of cands) {
      const k = m.classes[c.kid] as Klass;
      const counts = a.counts[c.kid] as number[];
      const have = counts[c.ia] ?? 0;
      if (!have) continue;
      const oa = k.options[c.ia] as Option;
      const ob = k.options[c.ib] as Option;
      const d = new Map<number, number>();
      for (const [r, v] of ob.rows) d.set(r, (d.get(r) ?? 0) + v);
      for (const [r, v] of oa.rows) d.set(r, (d.get(r) ?? 0) - v);
      const units = haMovable(m, a, k, c.ia, c.ib, fitsUnits(d, have));
      if (units <= 0) continue;
      counts[c.ia] = have - units;
      counts[c.ib] = (counts[c.ib] ?? 0) + units;
      for (const [q, x] of d) usage[q] = (usage[q] as number) + units * x;
      changed = true;
    }
    if (swapMoves(m, a, usage)) changed = true;
    if (!changed) break;
  }
}

/**
 * When the move budget is full: give up the least valuable move for a more valuable one that the budget
 * blocked (both single units of non-HA classes; quotas permitting).
 */
function swapMoves(m: ClassModel, a: Assignment, usage: number[]): boolean {
  const mr = m.rows.findIndex((r) => r.kind === 'moves');
  if (mr < 0) return false;
  const cap = (q: number) => (m.rows[q] as { cap: number }).cap;
  if ((usage[mr] as number) < cap(mr) - TOL) return false;
  let changed = false;
  for (let round = 0; round < 10_000; round++) {
    // Most valuable blocked move: from a no-move option (stay) to a move option.
    let gain: { v: number; kid: number; ia: number; ib: number } | undefined;
    let loss: { v: number; kid: number; ia: number; ib: number } | undefined;
    for (const k of m.classes) {
      if (k.ha !== undefined) continue;
      const counts = a.counts[k.id] as number[];
      k.options.forEach((oa, ia) => {
        if (!counts[ia]) return;
        k.options.forEach((ob, ib) => {
          if (ib === ia) return;
          if (!oa.moves && ob.moves) {
            const v = oa.cost - ob.cost;
            if (v > 1e-7 && (!gain || v > gain.v)) gain = { v, kid: k.id, ia, ib };
          } else if (oa.moves && !ob.moves) {
            const v = ob.cost - oa.cost;
            if (!loss || v < loss.v) loss = { v, kid: k.id, ia, ib };
          }
        });
      });
    }
    if (!gain || !loss || gain.v <= loss.v + 1e-7) return changed;
    const g = gain as { v: number; kid: number; ia: number; ib: number };
    const l = loss as { v: number; kid: number; ia: number; ib: number };
    const kg = m.classes[g.kid] as Klass;
    const kl = m.classes[l.kid] as Klass;
    const d = new Map<number, number>();
    const add = (o: Option, s: number) => {
      for (const [r, v] of o.rows) d.set(r, (d.get(r) ?? 0) + s * v);
    };
    add(kg.options[g.ib] as Option, 1);
    add(kg.options[g.ia] as Option, -1);
    add(kl.options[l.ib] as Option, 1);
    add(kl.options[l.ia] as Option, -1);
    for (const [q, x] of d) if (x > 0 && (usage[q] as number) + x > cap(q) + TOL) return changed;
    const cg = a.counts[g.kid] as number[];
    const cl = a.counts[l.kid] as number[];
    cl[l.ia] = (cl[l.ia] as number) - 1;
    cl[l.ib] = (cl[l.ib] ?? 0) + 1;
    cg[g.ia] = (cg[g.ia] as number) - 1;
    cg[g.ib] = (cg[g.ib] ?? 0) + 1;
    for (const [q, x] of d) usage[q] = (usage[q] as number) + x;
    changed = true;
  }
  return changed;
}
