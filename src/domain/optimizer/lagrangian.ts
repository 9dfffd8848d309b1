/**
 * Lagrangian relaxation of a component's shared rows. For multipliers λ ≥ 0 the problem splits into per-class
 * minima and per-HA-group exact assignments (ha.ts), whose value L(λ) is a valid lower bound of the component.
 * λ is found by a trust-region cutting-plane method whose master LP (one column per shared row) yalps solves.
 * Every best response is kept as a column for the Dantzig–Wolfe rounding (rounding.ts).
 */
import type { Assignment } from './assignment.js';
import { objectiveOfClasses } from './assignment.js';
import type { Component } from './decompose.js';
import { groupResponse } from './ha.js';
import type { ClassModel, Klass, Option } from './model.js';
import { solveWithYalps } from './yalps-solver.js';

const TOL = 1e-9;

function reducedCost(o: Option, lambda: Float64Array): number {
  let rc = o.cost;
  for (const [r, v] of o.rows) rc += (lambda[r] ?? 0) * v;
  return rc;
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

/**
 * Best response of one component to multipliers λ: fills `a` and returns L(λ) for the component (exact per class
 * and per HA group, so L(λ) is a valid lower bound of the component's optimum).
 */
export function respond(m: ClassModel, comp: Component, lambda: Float64Array, a: Assignment): { value: number; usage: Map<number, number> } {
  let value = 0;
  for (const r of comp.rows) value -= (lambda[r] ?? 0) * (m.rows[r]?.cap ?? 0);
  const usage = new Map<number, number>(comp.rows.map((r) => [r, 0]));
  const add = (k: Klass, j: number, n: number) => {
    for (const [r, v] of (k.options[j] as Option).rows) if (usage.has(r)) usage.set(r, (usage.get(r) as number) + v * n);
  };
  for (const kid of comp.free) {
    const k = m.classes[kid] as Klass;
    const b = bestOption(k, lambda);
    value += k.n * b.rc;
    const counts = a.counts[k.id] as number[];
    counts.fill(0);
    counts[b.index] = k.n;
    add(k, b.index, k.n);
  }
  for (const gi of comp.groups) {
    const g = m.ha[gi];
    if (!g) continue;
    const pick = groupResponse(m, g, (k, j) => reducedCost(k.options[j] as Option, lambda));
    value += pick.value;
    g.classes.forEach((kid, ci) => {
      const k = m.classes[kid] as Klass;
      const c = [...(pick.counts[ci] as number[])];
      a.counts[kid] = c;
      c.forEach((n, j) => n && add(k, j, n));
    });
  }
  return { value, usage };
}

/** Trust-region cutting planes on the Lagrangian dual; the master LP is solved by yalps. */
export function lagrange(m: ClassModel, comp: Component, a: Assignment) {
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
      cost: objectiveOfClasses(m, a, comp.classes),
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
  // The iteration cap decides, never the clock: a loaded machine gives the same bound and plan as an idle one.
  while (iterations < 150) {
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


export interface Column {
  counts: number[][];
  cost: number;
  usage: number[];
}
