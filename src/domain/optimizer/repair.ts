/**
 * Repair: makes a rounded assignment satisfy every coupling row, cheapest cost per unit of violation first.
 */
import { usageOf, type Assignment } from './assignment.js';
import type { ClassModel, Klass, Option } from './model.js';

const TOL = 1e-9;

function rowsTouched(m: ClassModel): { classes: number[][]; groups: number[][] } {
  const classes = m.rows.map(() => new Set<number>());
  for (const k of m.classes) for (const o of k.options) for (const [r] of o.rows) classes[r]?.add(k.id);
  const groups = m.rows.map(() => new Set<number>());
  m.ha.forEach((g, gi) => {
    for (const s of g.slices) for (const kid of s.classes) for (const o of (m.classes[kid] as Klass).options) for (const [r] of o.rows) groups[r]?.add(gi);
  });
  return { classes: classes.map((s) => [...s].sort((a, b) => a - b)), groups: groups.map((s) => [...s].sort((a, b) => a - b)) };
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

/** Moves a slice to domain d: each class puts all its units on its cheapest option there. */
export function sliceMove(m: ClassModel, a: Assignment, gi: number, si: number, d: string) {
  const slice = m.ha[gi]?.slices[si];
  if (!slice) return undefined;
  let dCost = 0;
  const delta = new Map<number, number>();
  const targets: [number, number][] = [];
  for (const kid of slice.classes) {
    const k = m.classes[kid] as Klass;
    let t = -1;
    k.options.forEach((o, j) => {
      if (o.domain === d && (t < 0 || o.cost < (k.options[t] as Option).cost - TOL)) t = j;
    });
    if (t < 0) return undefined;
    targets.push([kid, t]);
    const counts = a.counts[kid] as number[];
    k.options.forEach((o, j) => {
      const n = (j === t ? k.n : 0) - (counts[j] ?? 0);
      if (!n) return;
      dCost += n * o.cost;
      for (const [r, v] of o.rows) delta.set(r, (delta.get(r) ?? 0) + n * v);
    });
  }
  return {
    dCost,
    delta,
    apply() {
      for (const [kid, t] of targets) {
        const counts = a.counts[kid] as number[];
        counts.fill(0);
        counts[t] = (m.classes[kid] as Klass).n;
      }
      (a.dest[gi] as string[])[si] = d;
    },
  };
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
    type Cand = { score: number; kid: number; ia: number; ib: number; red: number } | { score: number; gi: number; si: number; d: string };
    const cands: Cand[] = [];
    for (const kid of touched.classes[r] ?? []) {
      const k = m.classes[kid] as Klass;
      const counts = a.counts[kid] as number[];
      k.options.forEach((oa, ia) => {
        if (!counts[ia]) return;
        const ca = coefOf(oa, r);
        if (ca <= 0) return;
        k.options.forEach((ob, ib) => {
          if (ib === ia || (k.ha && ob.domain !== oa.domain)) return;
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
    for (const gi of touched.groups[r] ?? []) {
      const g = m.ha[gi];
      if (!g) continue;
      const used = a.dest[gi] as string[];
      g.slices.forEach((sl, si) => {
        for (const d of sl.allowed) {
          if (d === used[si] || used.some((x, j) => j !== si && x === d)) continue;
          const mv = sliceMove(m, a, gi, si, d);
          if (!mv) continue;
          const red = -(mv.delta.get(r) ?? 0);
          if (red <= TOL) continue;
          let priced = mv.dCost;
          if (prices) for (const [q, x] of mv.delta) if (q !== r) priced += (prices[q] ?? 0) * x;
          cands.push({ score: priced / red, gi, si, d });
        }
      });
    }
    cands.sort((x, y) => x.score - y.score);
    for (const c of cands) {
      const over = (usage[r] as number) - capOf(r);
      if (over <= TOL) break;
      if ('kid' in c) {
        const k = m.classes[c.kid] as Klass;
        const counts = a.counts[c.kid] as number[];
        const have = counts[c.ia] ?? 0;
        if (!have) continue;
        const d = unitDelta(m, usage, k.options[c.ia] as Option, k.options[c.ib] as Option, r, soft);
        if (!d) continue;
        let units = Math.min(have, Math.ceil((over - TOL) / c.red));
        for (const [q, x] of d) if (q !== r && x > 0 && !soft.has(q)) units = Math.min(units, Math.floor((capOf(q) - (usage[q] as number) + TOL) / x));
        if (units <= 0) continue;
        counts[c.ia] = have - units;
        counts[c.ib] = (counts[c.ib] ?? 0) + units;
        for (const [q, x] of d) usage[q] = (usage[q] as number) + units * x;
      } else {
        const used = a.dest[c.gi] as string[];
        if (used.some((x) => x === c.d)) continue;
        const mv = sliceMove(m, a, c.gi, c.si, c.d);
        if (!mv || -(mv.delta.get(r) ?? 0) <= TOL) continue;
        let ok = true;
        for (const [q, x] of mv.delta) if (q !== r && !soft.has(q) && x > 0 && (usage[q] as number) + x > capOf(q) + TOL) ok = false;
        if (!ok) continue;
        mv.apply();
        for (const [q, x] of mv.delta) usage[q] = (usage[q] as number) + x;
      }
    }
    const left = (usage[r] as number) - capOf(r);
    if (left > TOL && left >= overAtStart - TOL) return { ok: false, row: r, over: left };
  }
  return { ok: false, row: -1, over: 0 };
}
