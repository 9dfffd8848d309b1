/**
 * Solving the class model.
 *
 * 1. Decomposition: classes that share no potentially binding row (quota, move budget) and no HA group are
 *    independent; each connected component is solved on its own. A component without shared rows is solved
 *    exactly by taking each class's cheapest option (HA groups: a min-cost assignment of slices to domains).
 * 2. Small components go to yalps as an exact MILP.
 * 3. Larger ones: Lagrangian relaxation of the shared rows. For multipliers λ ≥ 0 the problem splits into
 *    per-class minima and per-group assignments, whose value L(λ) is a valid lower bound (≥ the LP relaxation's
 *    bound, because the assignment polytope is integral). λ is found by a trust-region cutting-plane method
 *    whose master LP (one column per shared row) yalps solves. The best response at the best λ is then
 *    rounded to integers and repaired (greedy, cheapest cost per unit of violation), then improved by
 *    feasible single-unit moves and move-budget swaps.
 * 4. If the certified gap is still above target and HiGHS is available, the component's MILP goes to HiGHS
 *    in a worker with a time limit; the better solution and the better bound win.
 */
import type { SolverPort } from '../ports/solver.port.js';
import { solveWithYalps } from './yalps-solver.js';
import { buildLinearModel } from './linear.js';
import { potentiallyBinding, type ClassModel, type Klass, type Option } from './model.js';

export interface Assignment {
  /** counts[class][option] */
  counts: number[][];
  /** dest[haGroup][slice] = domain */
  dest: string[][];
}

export interface ModelReport {
  name: string;
  solver: string;
  variables: number;
  ms: number;
}

export interface Infeasibility {
  row: number;
  shortBy: number;
  message: string;
}

export interface ModelSolution {
  assignment: Assignment;
  objective: number;
  bound: number;
  gap: number;
  feasible: boolean;
  infeasible: Infeasibility[];
  /** Final multipliers per row (0 for rows that never bind). */
  lambda: number[];
  models: ModelReport[];
  components: number;
}

export interface SolveDeps {
  highs?: SolverPort;
  /** Exact yalps MILP up to this many integer columns. */
  yalpsMaxIntegers?: number;
  targetGap: number;
  highsTimeLimitMs: number;
  /** Forbid HiGHS (benchmark: ours must not lean on it). */
  noHighs?: boolean;
}

interface Component {
  classes: number[];
  free: number[];
  groups: number[];
  rows: number[];
}

const TOL = 1e-9;

export function emptyAssignment(m: ClassModel): Assignment {
  return { counts: m.classes.map((k) => k.options.map(() => 0)), dest: m.ha.map((g) => g.slices.map((s) => s.home)) };
}

export function objectiveOf(m: ClassModel, a: Assignment): number {
  let sum = 0;
  m.classes.forEach((k, i) => {
    const c = a.counts[i] as number[];
    k.options.forEach((o, j) => (sum += (c[j] ?? 0) * o.cost));
  });
  return sum;
}

export function usageOf(m: ClassModel, a: Assignment): number[] {
  const u = m.rows.map(() => 0);
  m.classes.forEach((k, i) => {
    const c = a.counts[i] as number[];
    k.options.forEach((o, j) => {
      const n = c[j] ?? 0;
      if (n) for (const [r, v] of o.rows) u[r] = (u[r] ?? 0) + n * v;
    });
  });
  return u;
}

function components(m: ClassModel, active: boolean[]): Component[] {
  const parent = m.classes.map((_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x] as number] as number;
      x = parent[x] as number;
    }
    return x;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const firstOfRow = new Map<number, number>();
  for (const k of m.classes) {
    for (const o of k.options) {
      for (const [r] of o.rows) {
        if (!active[r]) continue;
        const f = firstOfRow.get(r);
        if (f === undefined) firstOfRow.set(r, k.id);
        else union(f, k.id);
      }
    }
  }
  for (const g of m.ha) {
    const all = g.slices.flatMap((s) => s.classes);
    for (let i = 1; i < all.length; i++) union(all[0] as number, all[i] as number);
  }
  const byRoot = new Map<number, Component>();
  for (const k of m.classes) {
    const root = find(k.id);
    let c = byRoot.get(root);
    if (!c) {
      c = { classes: [], free: [], groups: [], rows: [] };
      byRoot.set(root, c);
    }
    c.classes.push(k.id);
    if (!k.ha) c.free.push(k.id);
  }
  m.ha.forEach((g, gi) => {
    const first = g.slices[0]?.classes[0];
    if (first !== undefined) byRoot.get(find(first))?.groups.push(gi);
  });
  for (const [r, f] of firstOfRow) byRoot.get(find(f))?.rows.push(r);
  for (const c of byRoot.values()) c.rows.sort((a, b) => a - b);
  return [...byRoot.values()];
}

function reducedCost(o: Option, lambda: Float64Array): number {
  let rc = o.cost;
  for (const [r, v] of o.rows) rc += (lambda[r] ?? 0) * v;
  return rc;
}

/** Min-cost assignment of n rows to distinct columns (n ≤ m), Hungarian algorithm; returns the column of each row. */
export function hungarian(cost: number[][]): number[] {
  const n = cost.length;
  const m = cost[0]?.length ?? 0;
  const INF = Number.POSITIVE_INFINITY;
  const u = new Array<number>(n + 1).fill(0);
  const v = new Array<number>(m + 1).fill(0);
  const p = new Array<number>(m + 1).fill(0);
  const way = new Array<number>(m + 1).fill(0);
  // Forbidden pairs get a big-M large enough to never be chosen while a finite assignment exists, yet small
  // enough to keep the potentials' arithmetic exact.
  let maxFinite = 0;
  for (const row of cost) for (const x of row) if (Number.isFinite(x)) maxFinite = Math.max(maxFinite, Math.abs(x));
  const big = (maxFinite + 1) * (n + 1) * 4;
  const c = (i: number, j: number) => {
    const x = cost[i - 1]?.[j - 1] ?? INF;
    return Number.isFinite(x) ? x : big;
  };
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Array<number>(m + 1).fill(INF);
    const used = new Array<boolean>(m + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = p[j0] as number;
      let delta = INF;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = c(i0, j) - (u[i0] as number) - (v[j] as number);
        if (cur < (minv[j] as number)) {
          minv[j] = cur;
          way[j] = j0;
        }
        if ((minv[j] as number) < delta) {
          delta = minv[j] as number;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j] as number] = (u[p[j] as number] as number) + delta;
          v[j] = (v[j] as number) - delta;
        } else minv[j] = (minv[j] as number) - delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0] as number;
      p[j0] = p[j1] as number;
      j0 = j1;
    } while (j0 !== 0);
  }
  const out = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) if ((p[j] as number) > 0) out[(p[j] as number) - 1] = j - 1;
  return out;
}

function bestOption(k: Klass, lambda: Float64Array, domain?: string): { index: number; rc: number } {
  let index = -1;
  let rc = Infinity;
  k.options.forEach((o, j) => {
    if (domain !== undefined && o.domain !== domain) return;
    const x = reducedCost(o, lambda);
    const prev = k.options[index];
    if (x < rc - TOL || (Math.abs(x - rc) <= TOL && prev !== undefined && o.cost < prev.cost - TOL)) {
      rc = x;
      index = j;
    }
  });
  return { index, rc };
}

/** Best response of one component to multipliers λ: fills `a` and returns L(λ) for the component. */
function respond(m: ClassModel, comp: Component, lambda: Float64Array, a: Assignment): { value: number; usage: Map<number, number> } {
  let value = 0;
  for (const r of comp.rows) value -= (lambda[r] ?? 0) * (m.rows[r]?.cap ?? 0);
  const usage = new Map<number, number>(comp.rows.map((r) => [r, 0]));
  const put = (k: Klass, j: number) => {
    const counts = a.counts[k.id] as number[];
    counts.fill(0);
    counts[j] = k.n;
    for (const [r, v] of (k.options[j] as Option).rows) if (usage.has(r)) usage.set(r, (usage.get(r) as number) + v * k.n);
  };
  for (const kid of comp.free) {
    const k = m.classes[kid] as Klass;
    const b = bestOption(k, lambda);
    value += k.n * b.rc;
    put(k, b.index);
  }
  for (const gi of comp.groups) {
    const g = m.ha[gi];
    if (!g) continue;
    const domains = [...new Set(g.slices.flatMap((s) => s.allowed))].sort();
    const best: { index: number; rc: number }[][][] = [];
    const cost = g.slices.map((s, si) => {
      best[si] = [];
      return domains.map((d, di) => {
        if (!s.allowed.includes(d)) return Infinity;
        let sum = 0;
        const picks: { index: number; rc: number }[] = [];
        for (const kid of s.classes) {
          const k = m.classes[kid] as Klass;
          const b = bestOption(k, lambda, d);
          if (b.index < 0) return Infinity;
          picks.push(b);
          sum += k.n * b.rc;
        }
        (best[si] as { index: number; rc: number }[][])[di] = picks;
        return sum;
      });
    });
    const assign = hungarian(cost);
    g.slices.forEach((s, si) => {
      const di = assign[si] as number;
      value += cost[si]?.[di] ?? Infinity;
      (a.dest[gi] as string[])[si] = domains[di] as string;
      const picks = best[si]?.[di] ?? [];
      s.classes.forEach((kid, n) => put(m.classes[kid] as Klass, (picks[n] as { index: number }).index));
    });
  }
  return { value, usage };
}

/** Trust-region cutting planes on the Lagrangian dual; the master LP is solved by yalps. */
function lagrange(m: ClassModel, comp: Component, a: Assignment, budgetMs: number) {
  const started = performance.now();
  const R = comp.rows.length;
  const lambda = new Float64Array(m.rows.length);
  const at = (vec: number[]) => {
    comp.rows.forEach((r, i) => (lambda[r] = vec[i] as number));
    return respond(m, comp, lambda, a);
  };
  const grad = (usage: Map<number, number>) => comp.rows.map((r) => (usage.get(r) ?? 0) - (m.rows[r]?.cap ?? 0));
  // Every best response is kept as a column of the Dantzig–Wolfe master (the LP relaxation's primal side).
  const columnsSeen: Column[] = [];
  const keep = (usage: Map<number, number>) => {
    columnsSeen.push({
      counts: comp.classes.map((kid) => [...(a.counts[kid] as number[])]),
      dest: comp.groups.map((gi) => [...(a.dest[gi] as string[])]),
      cost: restrictObjective(m, a, comp),
      usage: comp.rows.map((r) => usage.get(r) ?? 0),
    });
    if (columnsSeen.length > 150) columnsSeen.splice(1, 1);
  };
  let center = comp.rows.map(() => 0);
  const first = at(center);
  keep(first.usage);
  let centerValue = first.value;
  let best = { value: first.value, lambda: [...center] };
  const cuts: { value: number; g: number[]; at: number[] }[] = [{ value: first.value, g: grad(first.usage), at: [...center] }];
  const scale = Math.max(1, Math.abs(first.value));
  // Initial trust region: a typical cost per unit of each row (vCPU-month price, or a move's worth).
  const delta = comp.rows.map((r) => {
    let maxRatio = 0;
    for (const kid of comp.classes) {
      for (const o of (m.classes[kid] as Klass).options) {
        for (const [rr, v] of o.rows) if (rr === r && v > 0) maxRatio = Math.max(maxRatio, o.cost / v);
      }
    }
    return Math.max(1, maxRatio / 2);
  });
  let iterations = 0;
  let masterMs = 0;
  let masters = 0;
  while (iterations < 150 && performance.now() - started < budgetMs) {
    iterations++;
    const columns = [
      { name: 'theta', cost: -1, lower: 0, coefs: cuts.map((_, j) => [j, 1] as [number, number]) },
      ...comp.rows.map((_, i) => ({
        name: `l${i}`,
        cost: 0,
        lower: Math.max(0, (center[i] as number) - (delta[i] as number)),
        upper: (center[i] as number) + (delta[i] as number),
        coefs: cuts.map((c, j) => [j, -(c.g[i] as number) / scale] as [number, number]),
      })),
    ];
    const rows = cuts.map((c, j) => ({ name: `cut${j}`, upper: (c.value - c.g.reduce((s, g, i) => s + g * (c.at[i] as number), 0)) / scale }));
    const t0 = performance.now();
    const res = solveWithYalps({ name: 'lagrangian master', columns, rows }, { timeLimitMs: 1000 });
    masterMs += performance.now() - t0;
    masters++;
    if (res.status !== 'optimal') break;
    const predicted = (res.values[0] ?? 0) * scale;
    const next = comp.rows.map((_, i) => Math.max(0, res.values[i + 1] ?? 0));
    if (predicted - centerValue <= 1e-7 * scale) break; // the centre is optimal within the region, hence globally
    const ev = at(next);
    keep(ev.usage);
    cuts.push({ value: ev.value, g: grad(ev.usage), at: next });
    if (cuts.length > 120) cuts.splice(1, 1);
    if (ev.value > best.value) best = { value: ev.value, lambda: [...next] };
    const ratio = (ev.value - centerValue) / (predicted - centerValue);
    if (ratio >= 0.1) {
      const onEdge = next.some((x, i) => Math.abs(x - (center[i] as number)) >= 0.99 * (delta[i] as number));
      center = next;
      centerValue = ev.value;
      if (onEdge && ratio > 0.5) for (let i = 0; i < R; i++) delta[i] = (delta[i] as number) * 2;
    } else {
      for (let i = 0; i < R; i++) delta[i] = Math.max(1e-6, (delta[i] as number) * 0.5);
    }
  }
  return { bound: best.value, lambda: best.lambda, iterations, masters, masterMs, ms: performance.now() - started, columns: columnsSeen };
}

interface Column {
  counts: number[][];
  dest: string[][];
  cost: number;
  usage: number[];
}

/**
 * The Dantzig–Wolfe master over the best responses seen (min Σ cost·w, Σ usage·w ≤ cap, Σ w = 1), solved by
 * yalps, gives a fractional LP solution; rounding it class by class (largest remainders) starts the repair much
 * closer to the optimum than any single best response.
 */
function roundMaster(m: ClassModel, comp: Component, columns: Column[], a: Assignment): { ok: boolean; ms: number; vars: number } {
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
  // HA groups follow the heaviest column that places them (slices move whole).
  comp.groups.forEach((gi, gj) => {
    let bestJ = 0;
    columns.forEach((_, jj) => {
      if ((w[jj] ?? 0) > (w[bestJ] ?? 0)) bestJ = jj;
    });
    const col = columns[bestJ] as Column;
    a.dest[gi] = [...(col.dest[gj] as string[])];
    for (const s of m.ha[gi]?.slices ?? []) {
      for (const kid of s.classes) {
        const ci = comp.classes.indexOf(kid);
        a.counts[kid] = [...(col.counts[ci] as number[])];
      }
    }
  });
  return { ok: true, ms: performance.now() - t0, vars: columns.length };
}

// ---------------------------------------------------------------------------------------------------------------
// Round-and-repair

interface Move {
  score: number;
  apply(): void;
}

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
function sliceMove(m: ClassModel, a: Assignment, gi: number, si: number, d: string) {
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

/** Feasible improving moves: single units to cheaper options, slices to cheaper domains, move-budget swaps. */
export function improve(m: ClassModel, a: Assignment, budgetMs = 500): void {
  const started = performance.now();
  const usage = usageOf(m, a);
  const cap = (q: number) => (m.rows[q] as { cap: number }).cap;
  const fitsUnits = (d: Map<number, number>, want: number) => {
    let units = want;
    for (const [q, x] of d) if (x > 0) units = Math.min(units, Math.floor((cap(q) - (usage[q] as number) + TOL) / x));
    return units;
  };
  for (let sweep = 0; sweep < 30 && performance.now() - started < budgetMs; sweep++) {
    let changed = false;
    const cands: { gain: number; kid: number; ia: number; ib: number }[] = [];
    for (const k of m.classes) {
      const counts = a.counts[k.id] as number[];
      k.options.forEach((oa, ia) => {
        if (!counts[ia]) return;
        k.options.forEach((ob, ib) => {
          if (ib === ia || ob.cost >= oa.cost - 1e-7 || (k.ha && ob.domain !== oa.domain)) return;
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
      const units = fitsUnits(d, have);
      if (units <= 0) continue;
      counts[c.ia] = have - units;
      counts[c.ib] = (counts[c.ib] ?? 0) + units;
      for (const [q, x] of d) usage[q] = (usage[q] as number) + units * x;
      changed = true;
    }
    m.ha.forEach((g, gi) => {
      g.slices.forEach((s, si) => {
        const used = a.dest[gi] as string[];
        for (const d of s.allowed) {
          if (d === used[si] || used.some((x, j) => j !== si && x === d)) continue;
          const mv = sliceMove(m, a, gi, si, d);
          if (!mv || mv.dCost >= -1e-7) continue;
          if (fitsUnits(mv.delta, 1) < 1) continue;
          mv.apply();
          for (const [q, x] of mv.delta) usage[q] = (usage[q] as number) + x;
          changed = true;
        }
      });
    });
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
      if (k.ha) continue;
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

function copy(a: Assignment): Assignment {
  return { counts: a.counts.map((c) => [...c]), dest: a.dest.map((d) => [...d]) };
}

function restrictObjective(m: ClassModel, a: Assignment, comp: Component): number {
  let sum = 0;
  for (const kid of comp.classes) {
    const k = m.classes[kid] as Klass;
    const c = a.counts[kid] as number[];
    k.options.forEach((o, j) => (sum += (c[j] ?? 0) * o.cost));
  }
  return sum;
}

function adopt(target: Assignment, source: Assignment, m: ClassModel, comp: Component): void {
  for (const kid of comp.classes) target.counts[kid] = [...(source.counts[kid] as number[])];
  for (const gi of comp.groups) target.dest[gi] = [...(source.dest[gi] as string[])];
  void m;
}

function intCount(m: ClassModel, comp: Component): number {
  let n = 0;
  for (const kid of comp.classes) n += (m.classes[kid] as Klass).options.length;
  for (const gi of comp.groups) for (const s of m.ha[gi]?.slices ?? []) n += s.allowed.length;
  return n;
}

/** Solves the whole class model, component by component. */
export async function solveClassModel(m: ClassModel, deps: SolveDeps): Promise<ModelSolution> {
  const active = potentiallyBinding(m);
  const comps = components(m, active);
  const a = emptyAssignment(m);
  const lambdaAll = m.rows.map(() => 0);
  const models: ModelReport[] = [];
  const infeasible: Infeasibility[] = [];
  let objective = 0;
  let bound = 0;
  const exactComps = { count: 0, classes: 0, ms: 0 };
  const yalpsMax = deps.yalpsMaxIntegers ?? 40;

  for (const comp of comps) {
    const t0 = performance.now();
    if (comp.rows.length === 0) {
      const r = respond(m, comp, new Float64Array(m.rows.length), a);
      objective += r.value;
      bound += r.value;
      exactComps.count++;
      exactComps.classes += comp.classes.length;
      exactComps.ms += performance.now() - t0;
      continue;
    }
    const label = `component of ${comp.classes.length} classes (${comp.classes.reduce((s, k) => s + (m.classes[k] as Klass).n, 0)} instances), ${comp.rows.length} shared rows`;
    const ints = intCount(m, comp);
    if (ints <= yalpsMax) {
      const built = buildLinearModel(m, { name: label, classIds: comp.classes, groupIds: comp.groups, rowIds: comp.rows });
      const res = solveWithYalps(built.model, { timeLimitMs: 2000 });
      if (res.status === 'optimal') {
        models.push({ name: `${label}: exact MILP`, solver: 'yalps', variables: built.model.columns.length, ms: res.ms });
        adopt(a, built.decode(res.values), m, comp);
        objective += res.objective;
        bound += res.objective;
        continue;
      }
      if (res.status === 'infeasible') {
        const trial = copy(a);
        respond(m, comp, new Float64Array(m.rows.length), trial);
        const rep = repair(m, trial);
        const row = rep.ok ? comp.rows[0] ?? -1 : rep.row;
        infeasible.push({ row, shortBy: rep.ok ? 0 : rep.over, message: '' });
        continue;
      }
    }
    // Lagrangian bound + round-and-repair.
    const work = copy(a);
    const lg = lagrange(m, comp, work, 1200);
    models.push({ name: `${label}: Lagrangian master LP ×${lg.masters}`, solver: 'yalps', variables: comp.rows.length + 1, ms: lg.masterMs });
    const t1 = performance.now();
    const lam = new Float64Array(m.rows.length);
    comp.rows.forEach((r, i) => (lam[r] = lg.lambda[i] as number));
    lg.lambda.forEach((v, i) => (lambdaAll[comp.rows[i] as number] = v));
    let bestPrimal: { a: Assignment; obj: number } | undefined;
    let lastFailure: { row: number; over: number } | undefined;
    const attempt = (start: Float64Array, prices: Float64Array) => {
      const trial = copy(a);
      respond(m, comp, start, trial);
      const rep = repair(m, trial, prices);
      if (!rep.ok) {
        lastFailure = rep;
        return false;
      }
      improve(m, trial);
      const obj = restrictObjective(m, trial, comp);
      if (!bestPrimal || obj < bestPrimal.obj - 1e-9) bestPrimal = { a: trial, obj };
      return true;
    };
    {
      const trial = copy(a);
      const rounded = roundMaster(m, comp, lg.columns, trial);
      models.push({ name: `${label}: Dantzig–Wolfe master LP over ${rounded.vars} best responses`, solver: 'yalps', variables: rounded.vars, ms: rounded.ms });
      if (rounded.ok) {
        const rep = repair(m, trial, lam);
        if (rep.ok) {
          improve(m, trial);
          const obj = restrictObjective(m, trial, comp);
          bestPrimal = { a: trial, obj };
        } else lastFailure = rep;
      }
    }
    attempt(lam, lam);
    attempt(new Float64Array(m.rows.length), lam);
    // Still nothing feasible: raise the price of the row the repair could not fix and respond again.
    for (let tries = 0; !bestPrimal && lastFailure && lastFailure.row >= 0 && tries < 12; tries++) {
      const failing = lastFailure.row;
      const base = Math.max(lam[failing] ?? 0, 1);
      const raised = Float64Array.from(lam);
      raised[failing] = base * 2 ** (tries + 1);
      attempt(raised, raised);
    }
    models.push({ name: `${label}: round and repair`, solver: 'greedy', variables: ints, ms: performance.now() - t1 });
    let compBound = lg.bound;
    let compObj = bestPrimal?.obj ?? Infinity;
    const gap = (compObj - compBound) / Math.max(1e-9, Math.abs(compBound));
    if ((!bestPrimal || gap > deps.targetGap) && deps.highs && !deps.noHighs) {
      const built = buildLinearModel(m, { name: label, classIds: comp.classes, groupIds: comp.groups, rowIds: comp.rows });
      const res = await deps.highs.solve(built.model, { timeLimitMs: deps.highsTimeLimitMs, mipRelGap: deps.targetGap / 2 });
      models.push({ name: `${label}: MILP`, solver: 'highs', variables: built.model.columns.length, ms: res.ms });
      if ((res.status === 'optimal' || res.status === 'feasible') && res.objective < compObj - 1e-9) {
        bestPrimal = { a: built.decode(res.values), obj: res.objective };
        compObj = res.objective;
      }
      if (res.bound !== undefined && Number.isFinite(res.bound)) compBound = Math.max(compBound, res.bound);
      if (res.status === 'infeasible') compBound = Infinity;
    }
    if (!bestPrimal) {
      infeasible.push({ row: lastFailure?.row ?? -1, shortBy: lastFailure?.over ?? 0, message: '' });
      continue;
    }
    adopt(a, bestPrimal.a, m, comp);
    objective += compObj;
    bound += Math.min(compBound, compObj);
  }
  if (exactComps.count) {
    models.unshift({ name: `${exactComps.count} independent components (${exactComps.classes} classes): cheapest option per class, HA slices by assignment`, solver: 'exact enumeration', variables: exactComps.classes, ms: exactComps.ms });
  }
  const feasible = infeasible.length === 0;
  return {
    assignment: a,
    objective: feasible ? objectiveOf(m, a) : NaN,
    bound,
    gap: feasible ? Math.max(0, (objectiveOf(m, a) - bound) / Math.max(1e-9, Math.abs(bound))) : NaN,
    feasible,
    infeasible,
    lambda: lambdaAll,
    models,
    components: comps.length,
  };
}
