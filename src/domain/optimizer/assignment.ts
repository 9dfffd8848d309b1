/**
 * An assignment of the class model: how many units of each class take each option, with its objective and the
 * usage of every coupling row.
 */
import type { ClassModel, Klass } from './model.js';

export interface Assignment {
  /** counts[class][option] */
  counts: number[][];
}

export function emptyAssignment(m: ClassModel): Assignment {
  return { counts: m.classes.map((k) => k.options.map(() => 0)) };
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

export function copyAssignment(a: Assignment): Assignment {
  return { counts: a.counts.map((c) => [...c]) };
}

/** Objective restricted to the given classes. */
export function objectiveOfClasses(m: ClassModel, a: Assignment, classIds: readonly number[]): number {
  let sum = 0;
  for (const kid of classIds) {
    const k = m.classes[kid] as Klass;
    const c = a.counts[kid] as number[];
    k.options.forEach((o, j) => (sum += (c[j] ?? 0) * o.cost));
  }
  return sum;
}
