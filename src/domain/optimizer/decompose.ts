/**
 * Decomposition: classes that share no potentially binding row (quota, move budget) and no HA group are
 * independent; each connected component (union-find over shared rows and groups) is solved on its own.
 */
import type { ClassModel } from './model.js';

export interface Component {
  classes: number[];
  free: number[];
  groups: number[];
  rows: number[];
}

export function components(m: ClassModel, active: boolean[]): Component[] {
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
    const all = g.classes;
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
    if (k.ha === undefined) c.free.push(k.id);
  }
  m.ha.forEach((g, gi) => {
    const first = g.classes[0];
    if (first !== undefined) byRoot.get(find(first))?.groups.push(gi);
  });
  for (const [r, f] of firstOfRow) byRoot.get(find(f))?.rows.push(r);
  for (const c of byRoot.values()) c.rows.sort((a, b) => a - b);
  return [...byRoot.values()];
}
