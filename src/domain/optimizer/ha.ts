/**
 * The HA rule: an app's replicas occupy at least as many distinct regions after the plan as today.
 *
 * Given a price per unit and option (real costs, or Lagrangian reduced costs), a group's cheapest assignment is
 * exact and small: every unit takes its class's cheapest option, except `need` representatives — distinct units
 * in distinct regions outside the fixed ones — each paying its class's extra cost to be in its region. Choosing
 * the representatives is a min-cost assignment of units to regions (hungarian.ts). Any feasible assignment has
 * such representatives, so the value is the group's optimum, not an estimate.
 */
import type { Assignment } from './assignment.js';
import { hungarian } from './hungarian.js';
import type { ClassModel, HaGroup, Klass, Option } from './model.js';

const TOL = 1e-9;

/** Units per region of a group under an assignment (stopped units occupy none). */
export function groupDomains(m: ClassModel, a: Assignment, g: HaGroup): Map<string, number> {
  const out = new Map<string, number>();
  for (const kid of g.classes) {
    const k = m.classes[kid] as Klass;
    const c = a.counts[kid] as number[];
    k.options.forEach((o, j) => {
      const n = c[j] ?? 0;
      if (n > 0 && o.kind !== 'stop') out.set(o.domain, (out.get(o.domain) ?? 0) + n);
    });
  }
  return out;
}

/** Distinct regions outside the fixed ones that the group occupies. */
export function distinctRegions(g: HaGroup, domains: Map<string, number>): number {
  let n = 0;
  for (const [d, u] of domains) if (u > 0 && !g.fixed.includes(d)) n++;
  return n;
}

export function groupHolds(m: ClassModel, a: Assignment, g: HaGroup): boolean {
  return distinctRegions(g, groupDomains(m, a, g)) >= g.need;
}

/**
 * How many of `want` units of class k may go from option ia to ib without the group's spread falling below its
 * need (all of them when k is in no group).
 */
export function haMovable(m: ClassModel, a: Assignment, k: Klass, ia: number, ib: number, want: number): number {
  if (k.ha === undefined) return want;
  const g = m.ha[k.ha] as HaGroup;
  const oa = k.options[ia] as Option;
  const ob = k.options[ib] as Option;
  const from = oa.kind === 'stop' ? undefined : oa.domain;
  const to = ob.kind === 'stop' ? undefined : ob.domain;
  if (from === to) return want;
  const doms = groupDomains(m, a, g);
  const have = distinctRegions(g, doms);
  const opens = to !== undefined && !g.fixed.includes(to) && !(doms.get(to) ?? 0) ? 1 : 0;
  const atFrom = from === undefined ? 0 : (doms.get(from) ?? 0);
  const counted = from !== undefined && !g.fixed.includes(from);
  // Emptying `from` loses a region; allowed only if the spread stays at its need.
  if (counted && want >= atFrom && have - 1 + opens < g.need) return Math.min(want, atFrom - 1);
  return want;
}

export interface GroupPick {
  /** counts per class of the group, in g.classes order. */
  counts: number[][];
  value: number;
  feasible: boolean;
}

/** The group's cheapest assignment under per-option prices `price(k, j)` that holds the HA rule. */
export function groupResponse(m: ClassModel, g: HaGroup, price: (k: Klass, j: number) => number): GroupPick {
  const classes = g.classes.map((kid) => m.classes[kid] as Klass);
  const best: { j: number; v: number }[] = [];
  const inDomain: Map<string, { j: number; v: number }>[] = [];
  const regions = new Set<string>();
  let value = 0;
  for (const k of classes) {
    let b = { j: -1, v: Infinity };
    const per = new Map<string, { j: number; v: number }>();
    k.options.forEach((o, j) => {
      const v = price(k, j);
      if (v < b.v - TOL || (Math.abs(v - b.v) <= TOL && o.cost < (k.options[b.j] as Option).cost - TOL)) b = { j, v };
      if (o.kind === 'stop' || g.fixed.includes(o.domain)) return;
      const cur = per.get(o.domain);
      if (!cur || v < cur.v - TOL || (Math.abs(v - cur.v) <= TOL && o.cost < (k.options[cur.j] as Option).cost - TOL)) per.set(o.domain, { j, v });
      regions.add(o.domain);
    });
    best.push(b);
    inDomain.push(per);
    value += k.n * b.v;
  }
  const counts = classes.map((k, ci) => {
    const c = k.options.map(() => 0);
    c[(best[ci] as { j: number }).j] = k.n;
    return c;
  });
  // Already spread enough with every class on its cheapest option?
  const occupied = new Set<string>();
  classes.forEach((k, ci) => {
    const o = k.options[(best[ci] as { j: number }).j] as Option;
    if (o.kind !== 'stop' && !g.fixed.includes(o.domain)) occupied.add(o.domain);
  });
  if (occupied.size >= g.need) return { counts, value, feasible: true };

  // Representatives: unit copies (at most `need` per class) × regions, extra cost over the class's cheapest.
  const doms = [...regions].sort();
  const units: number[] = [];
  classes.forEach((k, ci) => {
    for (let u = 0; u < Math.min(k.n, g.need); u++) units.push(ci);
  });
  if (units.length < g.need || doms.length < g.need) return { counts, value: Infinity, feasible: false };
  const dummies = units.length - g.need;
  const cost = units.map((ci) => {
    const b = best[ci] as { v: number };
    const per = inDomain[ci] as Map<string, { j: number; v: number }>;
    const row = doms.map((d) => {
      const x = per.get(d);
      return x ? Math.max(0, x.v - b.v) : Infinity;
    });
    for (let i = 0; i < dummies; i++) row.push(0);
    return row;
  });
  const assign = hungarian(cost);
  let extra = 0;
  let matched = 0;
  units.forEach((ci, ui) => {
    const col = assign[ui] as number;
    if (col < 0 || col >= doms.length) return;
    const x = (inDomain[ci] as Map<string, { j: number; v: number }>).get(doms[col] as string);
    if (!x) return;
    matched++;
    extra += x.v - (best[ci] as { v: number }).v;
    const c = counts[ci] as number[];
    c[(best[ci] as { j: number }).j] = (c[(best[ci] as { j: number }).j] as number) - 1;
    c[x.j] = (c[x.j] ?? 0) + 1;
  });
  if (matched < g.need) return { counts, value: Infinity, feasible: false };
  return { counts, value: value + extra, feasible: true };
}
