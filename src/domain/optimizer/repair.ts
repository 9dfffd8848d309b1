/**
 * Repair: makes a rounded assignment satisfy every coupling row, cheapest cost per unit of violation first.
 */
import { usageOf, type Assignment } from './assignment.js';
import { haMovable } from './ha.js';
import type { ClassModel, Klass, Option } from './model.js';

const TOL = 1e-9;

function rowsTouched(m: ClassModel): { classes: number[][] } {
  const classes = m.rows.map(() => new Set<number>());
  for (const k of m.classes) for (const o of k.options) for (const [r] of o.rows) classes[r]?.add(k.id);
  return { classes: classes.map((s) => [...s].sort((a, b) => a - b)) };
}

function coefOf(o: Option, r: number): number {
  for (const [x, v] of o.rows) if (x === r) return v;
  return 0;
}

/** Usage change of moving one unit from option a to b; undefined when it would overflow a row other than `except`. */
function unitDelta(m: ClassModel, usage: number[], a: Option, b: Option, except: number, soft?: Set<number>): Map<number, number> | undefined {
  const d = new Map<number, number>();
  for (const [r, v] of b.rows) d.set(r, (d.get(r) ?? 0) + v);
  for (const [r, v] of a.rows) d.set(r, (d.get(r) ?? 0) - v);
  for (const [r, x] of d) if (r !== except && !soft?.has(r) && x > 0 && (usage[r] as number) + x > (m.rows[r] as { cap: number }).cap + TOL) return undefined;
  return d;
}

/**
 * Makes the assignment satisfy every row: for the most violated row, all moves that relieve it are ranked by
 * cost per unit of violation removed and applied in that order (re-checked against the current usage) until the
 * row holds; then the next row.
 */
export function repair(m: ClassModel, a: Assignment, prices?: Float64Array): { ok: true } | { ok: false; row: number; over: number } {
  // Quotas first with the move budget soft (a quota may need moves the budget has spent elsewhere), then the
  // budget with quotas hard (giving back the least valuable moves where quotas leave room).
  const moves = m.rows.findIndex((r) => r.kind === 'moves');
  if (moves >= 0) {
    const first = repairRows(m, a, prices, new Set([moves]));
    if (!first.ok) return first;
  }
  return repairRows(m, a, prices, new Set());
}

function repairRows(m: ClassModel, a: Assignment, prices: Float64Array | undefined, soft: Set<number>): { ok: true } | { ok: false; row: number; over: number } {
  const usage = usageOf(m, a);
  const touched = rowsTouched(m);
  const capOf = (q: number) => (m.rows[q] as { cap: number }).cap;
  for (let guard = 0; guard < 10_000; guard++) {
    let r = -1;
    let worst = 0;
    m.rows.forEach((row, i) => {
      if (soft.has(i)) return;
      const over = (usage[i] as number) - row.cap;
      if (over > TOL && over / (Math.abs(row.cap) + 1) > worst) {
        worst = over / (Math.abs(row.cap) + 1);
        r = i;
      }
    });
    if (r < 0) return { ok: true };
    const overAtStart = (usage[r] as number) - capOf(r);
    type Cand = { score: number; kid: number; ia: number; ib: number; red: number };
    const cands: Cand[] = [];
    for (const kid of touched.classes[r] ?? []) {
      const k = m.classes[kid] as Klass;
      const counts = a.counts[kid] as number[];
      k.options.forEach((oa, ia) => {
        if (!counts[ia]) return;
        const ca = coefOf(oa, r);
        if (ca <= 0) return;
        k.options.forEach((ob, ib) => {
          if (ib === ia) return;
          const red = ca - coefOf(ob, r);
          if (red <= TOL) return;
          // Other rows' use is priced by the Lagrange multipliers, so a repair does not squander the move budget.
          let priced = ob.cost - oa.cost;
          if (prices) {
            for (const [q, v] of ob.rows) if (q !== r) priced += (prices[q] ?? 0) * v;
            for (const [q, v] of oa.rows) if (q !== r) priced -= (prices[q] ?? 0) * v;
          }
          cands.push({ score: priced / red, kid, ia, ib, red });
        });
      });
    }
    cands.sort((x, y) => x.score - y.score);
    for (const c of cands) {
      const over = (usage[r] as number) - capOf(r);
      if (over <= TOL) break;
      const k = m.classes[c.kid] as Klass;
      const counts = a.counts[c.kid] as number[];
      const have = counts[c.ia] ?? 0;
      if (!have) continue;
      const d = unitDelta(m, usage, k.options[c.ia] as Option, k.options[c.ib] as Option, r, soft);
      if (!d) continue;
      let units = Math.min(have, Math.ceil((over - TOL) / c.red));
      for (const [q, x] of d) if (q !== r && x > 0 && !soft.has(q)) units = Math.min(units, Math.floor((capOf(q) - (usage[q] as number) + TOL) / x));
      units = haMovable(m, a, k, c.ia, c.ib, units);
      if (units <= 0) continue;
      counts[c.ia] = have - units;
      counts[c.ib] = (counts[c.ib] ?? 0) + units;
      for (const [q, x] of d) usage[q] = (usage[q] as number) + units * x;
    }
    const left = (usage[r] as number) - capOf(r);
    if (left > TOL && left >= overAtStart - TOL) return { ok: false, row: r, over: left };
  }
  return { ok: false, row: -1, over: 0 };
}
